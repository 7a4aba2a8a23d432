"""Routes of Unity Catalog's own REST API for the registry's models (/api/2.1/unity-catalog/models)."""

from local_workspace.http import Route
from local_workspace.services.mlflow_uc.responses import CatalogModelsResponses


def routes(api: CatalogModelsResponses) -> list[Route]:
    """Unity Catalog's own REST API for the same models (databricks-sdk's registered_models, model_versions)."""
    base = "/api/2.1/unity-catalog/models"
    return [
        Route(("POST",), base, api.create),
        Route(("GET",), base, api.list),
        Route(("GET",), f"{base}/<full_name>", api.get),
        Route(("DELETE",), f"{base}/<full_name>", api.delete),
        Route(("GET",), f"{base}/<full_name>/versions", api.versions),
        Route(("GET",), f"{base}/<full_name>/versions/<version>", api.version),
        Route(("DELETE",), f"{base}/<full_name>/versions/<version>", api.delete_version),
        Route(("GET",), f"{base}/<full_name>/aliases/<alias>", api.by_alias),
        Route(("PUT",), f"{base}/<full_name>/aliases/<alias>", api.set_alias),
        Route(("DELETE",), f"{base}/<full_name>/aliases/<alias>", api.delete_alias),
    ]
