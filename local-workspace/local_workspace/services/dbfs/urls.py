"""Routes of the DBFS service."""

from local_workspace.http import Route
from local_workspace.services.dbfs.responses import DbfsResponses


def routes(api: DbfsResponses) -> list[Route]:
    base = "/api/2.0/dbfs"
    return [
        Route(("GET",), f"{base}/get-status", api.get_status),
        Route(("GET",), f"{base}/list", api.list),
        Route(("POST",), f"{base}/mkdirs", api.mkdirs),
        Route(("POST",), f"{base}/delete", api.delete),
        Route(("POST",), f"{base}/move", api.move),
        Route(("POST",), f"{base}/put", api.put),
        Route(("POST",), f"{base}/create", api.create),
        Route(("POST",), f"{base}/add-block", api.add_block),
        Route(("POST",), f"{base}/close", api.close),
        Route(("GET",), f"{base}/read", api.read),
        Route(("POST", "PUT"), "/dbfs/<path:path>", api.raw_write),
        Route(("GET",), "/dbfs/<path:path>", api.raw_read),
    ]
