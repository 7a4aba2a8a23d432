"""Unity Catalog: catalogs, schemas, volumes and tables in the workspace database.

Each securable is one row of `uc_objects` (its kind, lower-case full name, parent and the JSON
that the REST API returns). A managed volume keeps its files in <dir>/volumes/<c>/<s>/<v>/.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import uuid
from pathlib import Path

from local_workspace.errors import (
    AlreadyExists, CatalogAlreadyExists, CatalogDoesNotExist, CatalogNotEmpty, InvalidParameterValue, NotFound,
    SchemaAlreadyExists, SchemaDoesNotExist, SchemaNotEmpty, TableAlreadyExists, TableDoesNotExist,
)
from local_workspace.profiles import Profile
from local_workspace.store import Database, dumps

HIVE_METASTORE = "hive_metastore"
DEFAULT_SCHEMA = "default"
# Unity Catalog names: no periods, spaces, slashes or control characters; at most 255 characters.
_NAME = re.compile(r"^[^\s./\x00-\x1f\x7f]{1,255}$")
_UPDATABLE = ("comment", "owner", "properties")


def check_name(value: object, what: str) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise InvalidParameterValue(f"Invalid {what} '{value}': a name must be 1 to 255 characters without "
                                    "periods, spaces, forward slashes or control characters")
    return value.lower()


def split_name(full_name: object, parts: int, what: str) -> list[str]:
    """`c.s.v` -> ['c', 's', 'v'], each checked; 400 naming the field otherwise."""
    if not isinstance(full_name, str) or full_name.count(".") != parts - 1:
        raise InvalidParameterValue(f"Invalid {what} '{full_name}': expected {parts} names separated by '.'")
    return [check_name(part, what) for part in full_name.split(".")]


class UnityCatalog:
    def __init__(self, db: Database, volumes_root: Path, profile: Profile, user: str, metastore_id: str):
        self.db, self.volumes_root, self.profile, self.user = db, Path(volumes_root), profile, user
        self.metastore_id = metastore_id
        self._provision()

    def _provision(self) -> None:
        """What Databricks provisions: the default catalog with its `default` schema, or the
        Hive metastore catalog of a workspace created before Unity Catalog was the default."""
        for catalog in filter(None, (self.profile.default_catalog, HIVE_METASTORE if self.profile.hive_metastore else None)):
            if self._row("catalog", catalog) is None:
                kind = "MANAGED_CATALOG" if catalog != HIVE_METASTORE else None
                self.create_catalog(catalog, "Default catalog for this workspace" if kind else "Hive metastore",
                                    None, {}, catalog_type=kind)

    # --- rows ------------------------------------------------------------------------

    def _row(self, kind: str, full_name: str) -> dict | None:
        row = self.db.one("SELECT info FROM uc_objects WHERE kind = ? AND full_name = ?", (kind, full_name))
        return json.loads(row["info"]) if row else None

    def _children(self, kind: str, parent: str) -> list[dict]:
        rows = self.db.query("SELECT info FROM uc_objects WHERE kind = ? AND parent = ? ORDER BY full_name", (kind, parent))
        return [json.loads(r["info"]) for r in rows]

    def _stamp(self, info: dict, created: bool) -> dict:
        now = int(time.time() * 1000)
        if created:
            info.update(created_at=now, created_by=self.user, owner=info.get("owner") or self.user)
        info.update(updated_at=now, updated_by=self.user, metastore_id=self.metastore_id)
        return info

    def _insert(self, kind: str, info: dict, parent: str | None) -> dict:
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO uc_objects (kind, full_name, parent, info) VALUES (?, ?, ?, ?)",
                         (kind, info["full_name"], parent, dumps(info)))
        return info

    def _save(self, kind: str, info: dict) -> dict:
        with self.db.transaction() as conn:
            conn.execute("UPDATE uc_objects SET info = ? WHERE kind = ? AND full_name = ?",
                         (dumps(info), kind, info["full_name"]))
        return info

    @staticmethod
    def _apply(info: dict, changes: dict) -> dict:
        for key in _UPDATABLE:
            if changes.get(key) is not None:
                info[key] = changes[key]
        return info

    # --- catalogs ----------------------------------------------------------------------

    def catalog_exists(self, catalog: str) -> bool:
        return self._row("catalog", catalog) is not None

    def schema_exists(self, catalog: str, schema: str) -> bool:
        return self._row("schema", f"{catalog}.{schema}") is not None

    def get_catalog(self, name: str) -> dict:
        found = self._row("catalog", check_name(name, "catalog name"))
        if found is None:
            raise CatalogDoesNotExist(f"Catalog '{name}' does not exist.")
        return found

    def list_catalogs(self) -> list[dict]:
        return self._children("catalog", "")

    def create_catalog(self, name: str, comment: str | None, owner: str | None, properties: dict,
                       catalog_type: str | None = "MANAGED_CATALOG") -> dict:
        name = check_name(name, "catalog name")
        if self._row("catalog", name) is not None:
            raise CatalogAlreadyExists(f"Catalog '{name}' already exists")
        info = {"name": name, "full_name": name, "owner": owner, "comment": comment, "properties": properties or {},
                "securable_type": "CATALOG", "isolation_mode": "OPEN", "browse_only": False,
                **({"catalog_type": catalog_type} if catalog_type else {})}
        info = self._insert("catalog", self._stamp({k: v for k, v in info.items() if v is not None}, True), "")
        if catalog_type:  # as on Databricks, a new catalog comes with a `default` schema
            self.create_schema(name, DEFAULT_SCHEMA, "Default schema (auto-created)", {})
        return info

    def update_catalog(self, name: str, changes: dict) -> dict:
        info = self.get_catalog(name)
        if changes.get("new_name"):
            raise InvalidParameterValue("Renaming a catalog is not supported by this workspace")
        return self._save("catalog", self._stamp(self._apply(info, changes), False))

    def delete_catalog(self, name: str, force: bool) -> None:
        info = self.get_catalog(name)
        if info["name"] in (self.profile.default_catalog, HIVE_METASTORE):
            raise InvalidParameterValue(f"Cannot delete catalog '{info['name']}': this workspace provisioned it")
        schemas = self._children("schema", info["name"])
        if schemas and not force and any(s["name"] != DEFAULT_SCHEMA or self._has_children(s) for s in schemas):
            raise CatalogNotEmpty(f"Catalog '{info['name']}' is not empty. The catalog has {len(schemas)} schemas(s) "
                                  "(including the default schema) and 0 functions(s)")
        self._drop_under(info["name"])

    # --- schemas -----------------------------------------------------------------------

    def get_schema(self, full_name: str) -> dict:
        catalog, name = split_name(full_name, 2, "schema full name")
        self.get_catalog(catalog)
        found = self._row("schema", f"{catalog}.{name}")
        if found is None:
            raise SchemaDoesNotExist(f"Schema '{catalog}.{name}' does not exist.")
        return found

    def list_schemas(self, catalog: str) -> list[dict]:
        return self._children("schema", self.get_catalog(catalog)["name"])

    def create_schema(self, catalog: str, name: str, comment: str | None, properties: dict,
                      owner: str | None = None) -> dict:
        catalog_info = self.get_catalog(catalog)
        name = check_name(name, "schema name")
        full = f"{catalog_info['name']}.{name}"
        if self._row("schema", full) is not None:
            raise SchemaAlreadyExists(f"Schema '{name}' already exists")
        info = {"name": name, "catalog_name": catalog_info["name"], "full_name": full, "owner": owner,
                "comment": comment, "properties": properties or {}, "schema_id": str(uuid.uuid4()),
                "catalog_type": catalog_info.get("catalog_type")}
        return self._insert("schema", self._stamp({k: v for k, v in info.items() if v is not None}, True),
                            catalog_info["name"])

    def update_schema(self, full_name: str, changes: dict) -> dict:
        info = self.get_schema(full_name)
        if changes.get("new_name"):
            raise InvalidParameterValue("Renaming a schema is not supported by this workspace")
        return self._save("schema", self._stamp(self._apply(info, changes), False))

    def delete_schema(self, full_name: str, force: bool) -> None:
        info = self.get_schema(full_name)
        if self._has_children(info) and not force:
            raise SchemaNotEmpty(f"Schema '{info['full_name']}' is not empty. The schema has tables or volumes")
        self._drop_under(info["full_name"])

    def _has_children(self, schema: dict) -> bool:
        return bool(self.db.one("SELECT 1 FROM uc_objects WHERE parent = ? AND kind IN ('volume', 'table')",
                                (schema["full_name"],)))

    def _drop_under(self, catalog_or_schema: str) -> None:
        """Deletes a catalog's or a schema's securables and the files of their managed volumes."""
        pattern = catalog_or_schema.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ".%"
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM uc_objects WHERE full_name LIKE ? ESCAPE '\\' OR full_name = ?",
                         (pattern, catalog_or_schema))
        shutil.rmtree(self.volumes_root.joinpath(*catalog_or_schema.split(".")), ignore_errors=True)

    # --- volumes -----------------------------------------------------------------------

    def get_volume(self, full_name: str) -> dict:
        return self._in_schema("volume", full_name, NotFound)

    def list_volumes(self, catalog: str, schema: str) -> list[dict]:
        return self._children("volume", self.get_schema(f"{catalog}.{schema}")["full_name"])

    def create_volume(self, catalog: str, schema: str, name: str, volume_type: str, comment: str | None,
                      storage_location: str | None) -> dict:
        if volume_type not in ("MANAGED", "EXTERNAL"):
            raise InvalidParameterValue(f"Invalid volume_type '{volume_type}': expected MANAGED or EXTERNAL")
        if volume_type == "EXTERNAL" or storage_location:
            raise InvalidParameterValue("External volumes need an external location; this workspace has none. "
                                        "Create a MANAGED volume without storage_location")
        schema_info = self.get_schema(f"{catalog}.{schema}")
        if schema_info["catalog_name"] == HIVE_METASTORE:
            raise InvalidParameterValue("Volumes are Unity Catalog securables: they cannot be created in the "
                                        f"'{HIVE_METASTORE}' catalog")
        name = check_name(name, "volume name")
        full = f"{schema_info['full_name']}.{name}"
        if self._row("volume", full) is not None:
            raise AlreadyExists(f"Volume '{full}' already exists")
        folder = self.volume_folder(full)
        info = {"name": name, "catalog_name": schema_info["catalog_name"], "schema_name": schema_info["name"],
                "full_name": full, "volume_type": "MANAGED", "volume_id": str(uuid.uuid4()),
                "storage_location": folder.as_uri(), "comment": comment}
        info = self._insert("volume", self._stamp({k: v for k, v in info.items() if v is not None}, True),
                            schema_info["full_name"])
        folder.mkdir(parents=True, exist_ok=True)
        return info

    def update_volume(self, full_name: str, changes: dict) -> dict:
        info = self.get_volume(full_name)
        if changes.get("new_name"):
            raise InvalidParameterValue("Renaming a volume is not supported by this workspace")
        return self._save("volume", self._stamp(self._apply(info, changes), False))

    def delete_volume(self, full_name: str) -> None:
        info = self.get_volume(full_name)
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM uc_objects WHERE kind = 'volume' AND full_name = ?", (info["full_name"],))
        shutil.rmtree(self.volume_folder(info["full_name"]), ignore_errors=True)

    def volume_folder(self, full_name: str) -> Path:
        return self.volumes_root.joinpath(*full_name.split("."))

    # --- tables ------------------------------------------------------------------------

    def get_table(self, full_name: str) -> dict:
        return self._in_schema("table", full_name, TableDoesNotExist)

    def _in_schema(self, kind: str, full_name: str, missing: type[Exception]) -> dict:
        """The record of a `<catalog>.<schema>.<name>` securable; its catalog and schema must exist first."""
        catalog, schema, name = split_name(full_name, 3, f"{kind} full name")
        self.get_schema(f"{catalog}.{schema}")
        found = self._row(kind, f"{catalog}.{schema}.{name}")
        if found is None:
            raise missing(f"{kind.capitalize()} '{catalog}.{schema}.{name}' does not exist.")
        return found

    def list_tables(self, catalog: str, schema: str) -> list[dict]:
        return self._children("table", self.get_schema(f"{catalog}.{schema}")["full_name"])

    def register_table(self, catalog: str, schema: str, name: str, storage_location: str, columns: list[dict],
                       table_type: str = "MANAGED", data_source_format: str = "DELTA") -> dict:
        """Records a table that a cluster wrote (for the engine side); replaces an older record."""
        schema_info = self.get_schema(f"{catalog}.{schema}")
        name = check_name(name, "table name")
        full = f"{schema_info['full_name']}.{name}"
        old = self._row("table", full)
        info = {"name": name, "catalog_name": schema_info["catalog_name"], "schema_name": schema_info["name"],
                "full_name": full, "table_type": table_type, "data_source_format": data_source_format,
                "storage_location": storage_location, "columns": columns, "table_id": str(uuid.uuid4()),
                }
        if old is not None:
            info.update(table_id=old["table_id"], created_at=old["created_at"], created_by=old["created_by"],
                        owner=old["owner"])
            return self._save("table", self._stamp(info, False))
        return self._insert("table", self._stamp(info, True), schema_info["full_name"])

    def create_table(self, catalog: str, schema: str, name: str, table_type: str, data_source_format: str,
                     storage_location: str, columns: list[dict]) -> dict:
        """`POST /tables`: Databricks' Create Table API for external clients takes external Delta
        tables only, and a name that is not taken."""
        if table_type != "EXTERNAL" or data_source_format != "DELTA":
            raise InvalidParameterValue(f"Only EXTERNAL DELTA tables can be created through this API, not "
                                        f"{table_type} {data_source_format}")
        if not storage_location:
            raise InvalidParameterValue("storage_location is required for an EXTERNAL table")
        full = f"{self.get_schema(f'{catalog}.{schema}')['full_name']}.{name}"
        if self._row("table", full) is not None:
            raise TableAlreadyExists(f"Table '{full}' already exists")
        return self.register_table(catalog, schema, name, storage_location, columns, table_type, data_source_format)

    def delete_table(self, full_name: str) -> None:
        info = self.get_table(full_name)
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM uc_objects WHERE kind = 'table' AND full_name = ?", (info["full_name"],))
