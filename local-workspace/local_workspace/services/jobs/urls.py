"""Routes of the Jobs service: the same handlers for API 2.0, 2.1 and 2.2 (the SDK's)."""

from local_workspace.http import Route
from local_workspace.services.jobs.responses import JobsResponses


def routes(api: JobsResponses) -> list[Route]:
    found = [Route(("GET",), "/api/2.0/jobs/list", api.list_v20)]
    for version in ("2.0", "2.1", "2.2"):
        base = f"/api/{version}/jobs"
        found += [
            Route(("POST",), f"{base}/create", api.create),
            Route(("POST",), f"{base}/reset", api.reset),
            Route(("POST",), f"{base}/update", api.update),
            Route(("POST",), f"{base}/delete", api.delete),
            Route(("GET",), f"{base}/get", api.get),
            Route(("POST",), f"{base}/run-now", api.run_now),
            Route(("POST",), f"{base}/runs/submit", api.submit),
            Route(("GET",), f"{base}/runs/get", api.get_run),
            Route(("GET",), f"{base}/runs/list", api.list_runs),
            Route(("POST",), f"{base}/runs/cancel", api.cancel),
            Route(("POST",), f"{base}/runs/cancel-all", api.cancel_all),
            Route(("GET",), f"{base}/runs/get-output", api.get_output),
            Route(("POST",), f"{base}/runs/delete", api.delete_run),
            Route(("POST",), f"{base}/runs/repair", api.repair),
        ]
        if version != "2.0":
            found.append(Route(("GET",), f"{base}/list", api.list))
    return found
