"""Routes of the Clusters service (2.0: dbx and the legacy CLI; 2.1: databricks-sdk)."""

from local_workspace.http import Route
from local_workspace.services.clusters.responses import ClustersResponses


def routes(api: ClustersResponses) -> list[Route]:
    found = []
    for version in ("2.0", "2.1"):
        base = f"/api/{version}/clusters"
        found += [
            Route(("GET",), f"{base}/get", api.get),
            Route(("GET",), f"{base}/list", api.list),
            Route(("POST",), f"{base}/create", api.create),
            Route(("POST",), f"{base}/edit", api.edit),
            Route(("POST",), f"{base}/start", api.start),
            Route(("POST",), f"{base}/restart", api.restart),
            Route(("POST",), f"{base}/delete", api.delete),
            Route(("POST",), f"{base}/permanent-delete", api.permanent_delete),
            Route(("POST",), f"{base}/events", api.events),
            Route(("GET",), f"{base}/list-node-types", api.list_node_types),
            Route(("GET",), f"{base}/spark-versions", api.spark_versions),
        ]
    return found
