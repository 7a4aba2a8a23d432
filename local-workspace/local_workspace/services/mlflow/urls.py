"""Routes of the Databricks-only MLflow endpoints (everything else goes to MLflow's own server)."""

from local_workspace.http import Route
from local_workspace.services.mlflow.responses import MlflowResponses

# Paths served by MLflow's own Flask app, behind the gateway's token check.
MLFLOW_PREFIXES = ("/api/2.0/mlflow/", "/api/2.0/preview/mlflow/", "/api/3.0/mlflow/", "/api/2.0/mlflow-artifacts/",
                   "/ajax-api/", "/get-artifact", "/model-versions/get-artifact", "/graphql", "/static-files/")


def routes(api: MlflowResponses) -> list[Route]:
    return [
        Route(("GET",), "/api/2.0/mlflow/model-versions/list-artifacts", api.list_artifacts),
        Route(("GET",), "/api/2.0/mlflow/model-versions/get-signed-download-uri", api.signed_download_uri),
    ]


def public_routes(api: MlflowResponses) -> list[Route]:
    return [Route(("GET",), "/signed-download/<int:expires>/<token>/<path:path>", api.signed_download)]
