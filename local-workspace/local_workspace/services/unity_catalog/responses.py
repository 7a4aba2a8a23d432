"""Unity Catalog's REST API (/api/2.1/unity-catalog/...) as databricks-sdk's `w.catalogs`,
`w.schemas`, `w.volumes` and `w.tables` call it."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from local_workspace.errors import InvalidParameterValue, TableDoesNotExist
from local_workspace.http import Params, reply
from local_workspace.services.unity_catalog.models import UnityCatalog


def page(items: list[dict], params: Params, key: str) -> Response:
    """One page of a list: `max_results` (0 or absent: all) and an opaque offset `page_token`."""
    size = params.int("max_results", 0, minimum=0)
    token = params.str("page_token", "")
    if token and not token.isdigit():
        raise InvalidParameterValue(f"Invalid page_token '{token}'")
    start = int(token or 0)
    chunk = items[start:start + size] if size else items[start:]
    body: dict = {key: chunk}
    if size and start + size < len(items):
        body["next_page_token"] = str(start + size)
    return reply(body)


def _changes(request: Request) -> dict:
    params = Params(request)
    return {key: params.get(key, None) for key in ("comment", "owner", "properties", "new_name")}


class UnityCatalogResponses:
    def __init__(self, catalog: UnityCatalog):
        self.uc = catalog

    # catalogs
    def list_catalogs(self, request: Request) -> Response:
        return page(self.uc.list_catalogs(), Params(request), "catalogs")

    def create_catalog(self, request: Request) -> Response:
        params = Params(request)
        for unsupported in ("storage_root", "connection_name", "provider_name", "share_name"):
            if params.get(unsupported, None):
                raise InvalidParameterValue(f"Field '{unsupported}' is not supported by this workspace: "
                                            "only managed catalogs in the metastore's storage")
        return reply(self.uc.create_catalog(params.str("name"), params.str("comment", None), None,
                                            params.dict("properties", {})))

    def get_catalog(self, request: Request, name: str) -> Response:
        return reply(self.uc.get_catalog(name))

    def update_catalog(self, request: Request, name: str) -> Response:
        return reply(self.uc.update_catalog(name, _changes(request)))

    def delete_catalog(self, request: Request, name: str) -> Response:
        self.uc.delete_catalog(name, Params(request).bool("force", False))
        return reply()

    # schemas
    def list_schemas(self, request: Request) -> Response:
        params = Params(request)
        return page(self.uc.list_schemas(params.str("catalog_name")), params, "schemas")

    def create_schema(self, request: Request) -> Response:
        params = Params(request)
        if params.get("storage_root", None):
            raise InvalidParameterValue("Field 'storage_root' is not supported by this workspace")
        return reply(self.uc.create_schema(params.str("catalog_name"), params.str("name"),
                                           params.str("comment", None), params.dict("properties", {})))

    def get_schema(self, request: Request, full_name: str) -> Response:
        return reply(self.uc.get_schema(full_name))

    def update_schema(self, request: Request, full_name: str) -> Response:
        return reply(self.uc.update_schema(full_name, _changes(request)))

    def delete_schema(self, request: Request, full_name: str) -> Response:
        self.uc.delete_schema(full_name, Params(request).bool("force", False))
        return reply()

    # volumes
    def list_volumes(self, request: Request) -> Response:
        params = Params(request)
        return page(self.uc.list_volumes(params.str("catalog_name"), params.str("schema_name")), params, "volumes")

    def create_volume(self, request: Request) -> Response:
        params = Params(request)
        return reply(self.uc.create_volume(params.str("catalog_name"), params.str("schema_name"), params.str("name"),
                                           params.str("volume_type"), params.str("comment", None),
                                           params.str("storage_location", None)))

    def get_volume(self, request: Request, name: str) -> Response:
        return reply(self.uc.get_volume(name))

    def update_volume(self, request: Request, name: str) -> Response:
        return reply(self.uc.update_volume(name, _changes(request)))

    def delete_volume(self, request: Request, name: str) -> Response:
        self.uc.delete_volume(name)
        return reply()

    # tables
    def list_tables(self, request: Request) -> Response:
        params = Params(request)
        return page(self.uc.list_tables(params.str("catalog_name"), params.str("schema_name")), params, "tables")

    def create_table(self, request: Request) -> Response:
        params = Params(request)
        return reply(self.uc.create_table(params.str("catalog_name"), params.str("schema_name"), params.str("name"),
                                          params.str("table_type"), params.str("data_source_format"),
                                          params.str("storage_location", ""), params.get("columns", None) or []))

    def get_table(self, request: Request, full_name: str) -> Response:
        return reply(self.uc.get_table(full_name))

    def table_exists(self, request: Request, full_name: str) -> Response:
        try:
            self.uc.get_table(full_name)
        except TableDoesNotExist:  # a missing catalog or schema still raises, as on Databricks
            return reply({"table_exists": False})
        return reply({"table_exists": True})

    def delete_table(self, request: Request, full_name: str) -> Response:
        self.uc.delete_table(full_name)
        return reply()
