"""The Unity Catalog registry over HTTP, as MLflow's `databricks-uc` client calls it
(/api/2.0/mlflow/unity-catalog/...), and the "default storage" file endpoints its
PresignedUrlArtifactRepository uses for a version's files: create-upload-url,
create-download-url, directory listings under /Models, and the presigned URLs themselves."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from typing import Callable

from werkzeug.wrappers import Request, Response

from local_workspace import signing
from local_workspace.errors import InvalidParameterValue, WorkspaceError
from local_workspace.http import Params, reply
from local_workspace.services.mlflow_uc.catalog_views import model_version_info, registered_model_info
from local_workspace.services.mlflow_uc.models import UcModelRegistry

PRESIGNED_SECONDS = 900
PAGE = 100
WRITE = "MODEL_VERSION_OPERATION_READ_WRITE"
OPERATIONS = ("MODEL_VERSION_OPERATION_READ", WRITE)


class NotFound(WorkspaceError):
    error_code, status = "NOT_FOUND", 404


def _tags(params: Params) -> dict:
    return {t["key"]: str(t.get("value", "")) for t in params.list("tags", []) if isinstance(t, dict) and "key" in t}


def _page(params: Params) -> tuple[int, int]:
    size = params.int("max_results", PAGE, minimum=1)
    token = params.str("page_token", "") or "0"
    if not token.isdigit():
        raise InvalidParameterValue(f"Invalid page_token '{token}'")
    return min(size, 1000), int(token)


class UcRegistryResponses:
    def __init__(self, registry: UcModelRegistry, secret: bytes, base_url: Callable[[], str]):
        self.registry, self.secret, self.base_url = registry, secret, base_url

    # registered models
    def create_model(self, request: Request) -> Response:
        params = Params(request)
        model = self.registry.create_model(params.get("name"), params.str("description", ""), _tags(params))
        return reply({"registered_model": model})

    def get_model(self, request: Request) -> Response:
        return reply({"registered_model": self.registry.get_model(Params(request).get("name"))})

    def update_model(self, request: Request) -> Response:
        params = Params(request)
        model = self.registry.update_model(params.get("name"), params.str("description", None),
                                           params.str("new_name", None))
        return reply({"registered_model": model})

    def delete_model(self, request: Request) -> Response:
        self.registry.delete_model(Params(request).get("name"))
        return reply()

    def search_models(self, request: Request) -> Response:
        models, more = self.registry.search_models(*_page(Params(request)))
        return reply({"registered_models": models, **({"next_page_token": str(more)} if more else {})})

    def set_model_tag(self, request: Request) -> Response:
        params = Params(request)
        self.registry.set_model_tag(params.get("name"), params.str("key"), params.str("value", ""))
        return reply()

    def delete_model_tag(self, request: Request) -> Response:
        params = Params(request)
        self.registry.set_model_tag(params.get("name"), params.str("key"), None)
        return reply()

    # aliases
    def set_alias(self, request: Request) -> Response:
        params = Params(request)
        self.registry.set_alias(params.get("name"), params.str("alias"), params.get("version"))
        return reply()

    def delete_alias(self, request: Request) -> Response:
        params = Params(request)
        self.registry.delete_alias(params.get("name"), params.str("alias"))
        return reply()

    def get_by_alias(self, request: Request) -> Response:
        params = Params(request)
        return reply({"model_version": self.registry.version_by_alias(params.get("name"), params.str("alias"))})

    # model versions
    def create_version(self, request: Request) -> Response:
        params = Params(request)
        version = self.registry.create_version(
            params.get("name"), params.str("source", ""), params.str("run_id", ""), params.str("description", ""),
            _tags(params), params.str("model_id", ""), params.str("run_tracking_server_id", ""))
        return reply({"model_version": version})

    def get_version(self, request: Request) -> Response:
        params = Params(request)
        return reply({"model_version": self.registry.get_version(params.get("name"), params.get("version"))})

    def update_version(self, request: Request) -> Response:
        params = Params(request)
        version = self.registry.update_version(params.get("name"), params.get("version"),
                                               params.str("description", None))
        return reply({"model_version": version})

    def delete_version(self, request: Request) -> Response:
        params = Params(request)
        self.registry.delete_version(params.get("name"), params.get("version"))
        return reply()

    def search_versions(self, request: Request) -> Response:
        params = Params(request)
        versions, more = self.registry.search_versions(params.str("filter", ""), *_page(params))
        return reply({"model_versions": versions, **({"next_page_token": str(more)} if more else {})})

    def set_version_tag(self, request: Request) -> Response:
        params = Params(request)
        self.registry.set_version_tag(params.get("name"), params.get("version"), params.str("key"),
                                      params.str("value", ""))
        return reply()

    def delete_version_tag(self, request: Request) -> Response:
        params = Params(request)
        self.registry.set_version_tag(params.get("name"), params.get("version"), params.str("key"), None)
        return reply()

    def finalize(self, request: Request) -> Response:
        params = Params(request)
        return reply({"model_version": self.registry.finalize(params.get("name"), params.get("version"))})

    def download_uri(self, request: Request) -> Response:
        params = Params(request)
        version = self.registry.get_version(params.get("name"), params.get("version"))
        return reply({"artifact_uri": version["storage_location"]})

    def temporary_credentials(self, request: Request) -> Response:
        """Credentials for a version's files. This workspace's catalogs live in "default storage",
        so, as Databricks answers for such catalogs, the client is told to use presigned URLs."""
        params = Params(request)
        operation = params.str("operation", "MODEL_VERSION_OPERATION_READ")
        if operation not in OPERATIONS:
            raise InvalidParameterValue(f"Invalid operation '{operation}'; valid: {', '.join(OPERATIONS)}")
        self.registry.credentials_check(params.get("name"), params.get("version"), write=operation == WRITE)
        expires = int(time.time() + PRESIGNED_SECONDS) * 1000
        return reply({"credentials": {"storage_mode": "DEFAULT_STORAGE", "expiration_time": expires}})

    def sdk_repository_enabled(self, request: Request) -> Response:
        return reply({"is_databricks_sdk_models_artifact_repository_enabled": False})

    # default storage: presigned URLs for /Models/... files
    def create_upload_url(self, request: Request) -> Response:
        path = Params(request).str("path")
        self.registry.file_path(path, write=True)
        return reply({"url": self._presigned("PUT", path), "headers": []})

    def create_download_url(self, request: Request) -> Response:
        path = Params(request).str("path")
        if not self.registry.file_path(path, write=False).is_file():
            raise NotFound(f"The file '{path}' does not exist.")
        return reply({"url": self._presigned("GET", path), "headers": []})

    def _presigned(self, method: str, path: str) -> str:
        expires = int(time.time()) + PRESIGNED_SECONDS
        token = signing.sign(self.secret, f"{method}:{path}", expires)
        return f"{self.base_url()}/uc-default-storage/{expires}/{token}{path}"

    def list_directory(self, request: Request, path: str) -> Response:
        shown = "/Models/" + path.strip("/")
        folder = self.registry.folder_path(shown)
        if not folder.is_dir():
            raise NotFound(f"The directory '{shown}' does not exist.")
        contents = []
        for child in sorted(folder.iterdir()):
            entry = {"path": f"{shown}/{child.name}", "name": child.name, "is_directory": child.is_dir()}
            if not child.is_dir():
                stat = child.stat()
                entry.update(file_size=stat.st_size, last_modified=int(stat.st_mtime * 1000))
            contents.append(entry)
        return reply({"contents": contents})

    def presigned(self, request: Request, expires: int, token: str, path: str) -> Response:
        """A presigned URL: no token header; the signature, its method and its expiry are the credential."""
        path = "/" + path
        signing.check(self.secret, f"{request.method}:{path}", expires, token)
        if request.method == "GET":
            local = self.registry.file_path(path, write=False)
            if not local.is_file():
                raise NotFound(f"The file '{path}' does not exist.")
            return Response(local.open("rb"), mimetype="application/octet-stream", direct_passthrough=True)
        local = self.registry.file_path(path, write=True)
        local.parent.mkdir(parents=True, exist_ok=True)
        partial = local.with_name(f".{local.name}.{uuid.uuid4().hex}.part")
        with partial.open("wb") as handle:
            shutil.copyfileobj(request.stream, handle)
        os.replace(partial, local)  # a reader never sees half a file
        return Response(status=200)


class CatalogModelsResponses:
    """Unity Catalog's REST view of the registry (/api/2.1/unity-catalog/models), as databricks-sdk calls it."""

    def __init__(self, registry: UcModelRegistry):
        self.registry = registry

    def create(self, request: Request) -> Response:
        params = Params(request)
        full = f"{params.str('catalog_name')}.{params.str('schema_name')}.{params.str('name')}"
        return reply(registered_model_info(self.registry.create_model(full, params.str("comment", ""))))

    def list(self, request: Request) -> Response:
        params = Params(request)
        catalog, schema = params.str("catalog_name", None), params.str("schema_name", None)
        if schema and not catalog:
            raise InvalidParameterValue("catalog_name must be specified when schema_name is")
        models, more = self.registry.search_models(*_page(params), catalog=catalog, schema=schema)
        return reply({"registered_models": [registered_model_info(m) for m in models],
                      **({"next_page_token": str(more)} if more else {})})

    def get(self, request: Request, full_name: str) -> Response:
        return reply(registered_model_info(self.registry.get_model(full_name)))

    def delete(self, request: Request, full_name: str) -> Response:
        self.registry.delete_model(full_name)
        return reply()

    def versions(self, request: Request, full_name: str) -> Response:
        full = self.registry.get_model(full_name)["name"]
        versions, more = self.registry.search_versions(f"name = '{full}'", *_page(Params(request)))
        return reply({"model_versions": [model_version_info(v) for v in versions],
                      **({"next_page_token": str(more)} if more else {})})

    def version(self, request: Request, full_name: str, version: str) -> Response:
        return reply(model_version_info(self.registry.get_version(full_name, version)))

    def delete_version(self, request: Request, full_name: str, version: str) -> Response:
        self.registry.delete_version(full_name, version)
        return reply()

    def by_alias(self, request: Request, full_name: str, alias: str) -> Response:
        return reply(model_version_info(self.registry.version_by_alias(full_name, alias)))

    def set_alias(self, request: Request, full_name: str, alias: str) -> Response:
        number = Params(request).int("version_num", minimum=1)
        self.registry.set_alias(full_name, alias, number)
        catalog, schema, model = self.registry.get_model(full_name)["name"].split(".")
        return reply({"alias_name": alias, "version_num": number, "catalog_name": catalog, "schema_name": schema,
                      "model_name": model})

    def delete_alias(self, request: Request, full_name: str, alias: str) -> Response:
        self.registry.delete_alias(full_name, alias)
        return reply()
