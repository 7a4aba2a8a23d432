"""Routes of the Repos service."""

from local_workspace.http import Route
from local_workspace.services.repos.responses import ReposResponses


def routes(api: ReposResponses) -> list[Route]:
    base = "/api/2.0/repos"
    return [
        Route(("POST",), base, api.create),
        Route(("GET",), base, api.list),
        Route(("GET",), f"{base}/<repo_id>", api.get),
        Route(("PATCH",), f"{base}/<repo_id>", api.update),
        Route(("DELETE",), f"{base}/<repo_id>", api.delete),
    ]
