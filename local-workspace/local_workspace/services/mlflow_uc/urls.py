"""Routes of the Unity Catalog model registry and of its default-storage file endpoints."""

from local_workspace.http import Route
from local_workspace.services.mlflow_uc.responses import UcRegistryResponses

BASE = "/api/2.0/mlflow/unity-catalog"


def routes(api: UcRegistryResponses) -> list[Route]:
    models, versions = f"{BASE}/registered-models", f"{BASE}/model-versions"
    return [
        Route(("POST",), f"{models}/create", api.create_model),
        Route(("PATCH",), f"{models}/update", api.update_model),
        Route(("DELETE",), f"{models}/delete", api.delete_model),
        Route(("GET",), f"{models}/get", api.get_model),
        Route(("GET",), f"{models}/search", api.search_models),
        Route(("POST",), f"{models}/set-tag", api.set_model_tag),
        Route(("DELETE",), f"{models}/delete-tag", api.delete_model_tag),
        Route(("POST",), f"{models}/alias", api.set_alias),
        Route(("DELETE",), f"{models}/alias", api.delete_alias),
        Route(("GET",), f"{models}/alias", api.get_by_alias),
        Route(("GET",), f"{models}:is-databricks-sdk-models-artifact-repository-enabled", api.sdk_repository_enabled),
        Route(("POST",), f"{versions}/create", api.create_version),
        Route(("PATCH",), f"{versions}/update", api.update_version),
        Route(("DELETE",), f"{versions}/delete", api.delete_version),
        Route(("GET",), f"{versions}/get", api.get_version),
        Route(("GET",), f"{versions}/search", api.search_versions),
        Route(("POST",), f"{versions}/set-tag", api.set_version_tag),
        Route(("DELETE",), f"{versions}/delete-tag", api.delete_version_tag),
        Route(("POST",), f"{versions}/finalize", api.finalize),
        Route(("GET",), f"{versions}/get-download-uri", api.download_uri),
        Route(("POST",), f"{versions}/generate-temporary-credentials", api.temporary_credentials),
        Route(("POST",), "/api/2.0/fs/create-upload-url", api.create_upload_url),
        Route(("POST",), "/api/2.0/fs/create-download-url", api.create_download_url),
        Route(("GET",), "/api/2.0/fs/directories/Models/<path:path>", api.list_directory),
    ]


def public_routes(api: UcRegistryResponses) -> list[Route]:
    return [Route(("GET", "PUT"), "/uc-default-storage/<int:expires>/<token>/<path:path>", api.presigned)]
