"""Jobs 2.0/2.1/2.2 over HTTP."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from local_workspace.compute.runner import RunExecutor
from local_workspace.errors import InvalidParameterValue
from local_workspace.http import Params, reply
from local_workspace.services.jobs.models import Jobs

# dbx 0.8 calls through databricks-cli's ApiClient, whose User-Agent it marks "cicdtemplates".
_CLIENTS = (("dbx", "dbx"), ("cicdtemplates", "dbx"), ("databricks-cli", "databricks-cli"),
            ("databricks-sdk", "databricks-sdk"), ("mlflow", "mlflow"))


def launched_by(request: Request) -> str:
    """Who started a run, from the client's User-Agent: dbx, the CLI, the SDK, the UI, or the API."""
    agent = (request.headers.get("User-Agent") or "").lower()
    if request.headers.get("X-Workspace-UI") == "1":
        return "UI"
    return next((label for marker, label in _CLIENTS if marker in agent), "API")


def _page(params: Params, default_limit: int, max_limit: int) -> tuple[int, int]:
    offset = params.int("page_token", None, minimum=0) if params.get("page_token", None) not in (None, "") else None
    offset = offset if offset is not None else params.int("offset", 0, minimum=0)
    limit = params.int("limit", default_limit, minimum=0) or default_limit
    if limit > max_limit:
        raise InvalidParameterValue(f"limit must be at most {max_limit}")
    return offset, limit


def _paged(key: str, items: list, more: bool, next_offset: int) -> Response:
    """A page of a list, with the token of the next page (its offset) when there is one."""
    body: dict = {"has_more": more}
    if items:
        body[key] = items
    if more:
        body["next_page_token"] = str(next_offset)
    return reply(body)


class JobsResponses:
    def __init__(self, jobs: Jobs, executor: RunExecutor):
        self.jobs, self.executor = jobs, executor

    def create(self, request: Request) -> Response:
        return reply({"job_id": self.jobs.create(Params(request).values)})

    def reset(self, request: Request) -> Response:
        params = Params(request)
        self.jobs.reset(params.get("job_id"), params.dict("new_settings"))
        return reply()

    def update(self, request: Request) -> Response:
        params = Params(request)
        self.jobs.update(params.get("job_id"), params.dict("new_settings", {}), params.list("fields_to_remove", []))
        return reply()

    def delete(self, request: Request) -> Response:
        self.jobs.delete(Params(request).get("job_id"))
        return reply()

    def get(self, request: Request) -> Response:
        return reply(self.jobs.get(Params(request).get("job_id")))

    def list(self, request: Request) -> Response:
        params = Params(request)
        offset, limit = _page(params, 20, 100)
        jobs, more = self.jobs.list(params.str("name", None), offset, limit, params.bool("expand_tasks", False))
        return _paged("jobs", jobs, more, offset + limit)

    def list_v20(self, request: Request) -> Response:
        jobs, _ = self.jobs.list(Params(request).str("name", None), 0, 10**6, expand_tasks=True)
        return reply({"jobs": jobs} if jobs else {})

    def run_now(self, request: Request) -> Response:
        params = Params(request)
        overrides = {k: v for k, v in params.values.items() if k not in ("job_id", "idempotency_token")}
        run_id = self.jobs.run_now(params.get("job_id"), overrides, launched_by(request))
        return reply({"run_id": run_id, "number_in_job": run_id})

    def submit(self, request: Request) -> Response:
        payload = {k: v for k, v in Params(request).values.items() if k != "idempotency_token"}
        return reply({"run_id": self.jobs.submit(payload, launched_by(request))})

    def get_run(self, request: Request) -> Response:
        return reply(self.jobs.get_run(Params(request).get("run_id")))

    def list_runs(self, request: Request) -> Response:
        params = Params(request)
        offset, limit = _page(params, 25, 1000)
        runs, more = self.jobs.list_runs(params.get("job_id", None), params.bool("active_only", False),
                                         params.bool("completed_only", False), offset, limit,
                                         params.str("run_type", None))
        return _paged("runs", runs, more, offset + limit)

    def cancel(self, request: Request) -> Response:
        run_id = self.jobs.resolve_run_id(Params(request).get("run_id"))
        self.executor.cancel(run_id)
        return reply()

    def cancel_all(self, request: Request) -> Response:
        params = Params(request)
        job_id = params.get("job_id", None)
        if job_id is None and not params.bool("all_queued_runs", False):
            raise InvalidParameterValue("Missing required field: job_id")
        if job_id is not None:
            self.jobs.get(job_id)
        for run_id in self.jobs.active_runs(int(job_id) if job_id is not None else None):
            self.executor.cancel(run_id)
        return reply()

    def get_output(self, request: Request) -> Response:
        return reply(self.jobs.get_output(Params(request).get("run_id"), self.executor.logs))

    def repair(self, request: Request) -> Response:
        params = Params(request)
        overrides = {k: params.values[k] for k in ("python_params", "python_named_params", "notebook_params",
                                                    "job_parameters") if k in params.values}
        latest = params.int("latest_repair_id", None) if params.get("latest_repair_id", None) is not None else None
        repair_id, tasks = self.jobs.repair(params.get("run_id"), params.list("rerun_tasks", None),
                                            params.bool("rerun_all_failed_tasks", False),
                                            params.bool("rerun_dependent_tasks", False), overrides, latest)
        self.executor.start(self.jobs.resolve_run_id(params.get("run_id")), tasks)
        return reply({"repair_id": repair_id})

    def delete_run(self, request: Request) -> Response:
        self.jobs.delete_run(Params(request).get("run_id"))
        return reply()
