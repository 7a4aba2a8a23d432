"""Routes of the Libraries service."""

from local_workspace.http import Route
from local_workspace.services.libraries.responses import LibrariesResponses


def routes(api: LibrariesResponses) -> list[Route]:
    return [
        Route(("POST",), "/api/2.0/libraries/install", api.install),
        Route(("POST",), "/api/2.0/libraries/uninstall", api.uninstall),
        Route(("GET",), "/api/2.0/libraries/cluster-status", api.cluster_status),
        Route(("GET",), "/api/2.0/libraries/all-cluster-statuses", api.all_cluster_statuses),
    ]
