"""Routes of the disabled workspace model registry (the `uc` profile). MLflow's Unity Catalog
registry (/api/2.0/mlflow/unity-catalog/...) is another service and is not matched here."""

from local_workspace.http import Route
from local_workspace.services.workspace_registry.responses import DisabledRegistryResponses

METHODS = ("GET", "POST", "PATCH", "DELETE")


def routes(api: DisabledRegistryResponses) -> list[Route]:
    return [Route(METHODS, f"{prefix}/{resource}/<path:rest>", api.refuse)
            for prefix in ("/api/2.0/mlflow", "/api/2.0/preview/mlflow")
            for resource in ("registered-models", "model-versions", "transition-requests", "comments",
                             "databricks/registered-models", "databricks/model-versions")]
