"""Routes of the Workspace service."""

from local_workspace.http import Route
from local_workspace.services.workspace.responses import WorkspaceResponses


def routes(api: WorkspaceResponses) -> list[Route]:
    base = "/api/2.0/workspace"
    return [
        Route(("GET",), f"{base}/get-status", api.get_status),
        Route(("GET",), f"{base}/list", api.list),
        Route(("POST",), f"{base}/mkdirs", api.mkdirs),
        Route(("POST",), f"{base}/delete", api.delete),
        Route(("POST",), f"{base}/import", api.import_),
        Route(("GET",), f"{base}/export", api.export),
    ]
