"""Routes of the Clusters service."""

from local_workspace.http import Route
from local_workspace.services.clusters.responses import ClustersResponses


def routes(api: ClustersResponses) -> list[Route]:
    return [
        Route(("GET",), "/api/2.0/clusters/get", api.get),
        Route(("GET",), "/api/2.0/clusters/list", api.list),
        Route(("GET",), "/api/2.1/clusters/get", api.get),
        Route(("GET",), "/api/2.1/clusters/list", api.list),
    ]
