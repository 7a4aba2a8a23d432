"""The Unity Catalog model registry: registered models `<catalog>.<schema>.<model>`, their
versions, aliases and tags in the workspace database, and each version's files in the
workspace's "default storage" folder (<root>/uc-models/<catalog>/<schema>/<model>/<version>/).

A version is created PENDING_REGISTRATION, its files are written through presigned URLs, and
`finalize` makes it READY only if its MLmodel has a signature with inputs and outputs (Unity
Catalog's rule); otherwise the version and its files are removed. No stages exist here.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from typing import Callable, Protocol

from local_workspace.errors import (
    InvalidParameterValue, InvalidState, ResourceAlreadyExists, ResourceDoesNotExist, WorkspaceError,
)
from local_workspace.store import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS uc_registered_models (
    full_name TEXT PRIMARY KEY, description TEXT NOT NULL DEFAULT '', owner TEXT NOT NULL,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, tags TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS uc_model_versions (
    full_name TEXT NOT NULL, version INTEGER NOT NULL, source TEXT NOT NULL, run_id TEXT NOT NULL DEFAULT '',
    run_tracking_server_id TEXT NOT NULL DEFAULT '', model_id TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '', status TEXT NOT NULL, owner TEXT NOT NULL, created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL, tags TEXT NOT NULL DEFAULT '{}', PRIMARY KEY (full_name, version));
CREATE TABLE IF NOT EXISTS uc_model_aliases (
    full_name TEXT NOT NULL, alias TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (full_name, alias));
"""
PENDING, READY = "PENDING_REGISTRATION", "READY"
THREE_LEVELS = ("Bad model name: please specify all three levels of the model in the form "
                "`catalog_name.schema_name.model_name`")
SIGNATURE_RULE = ("All models in the Unity Catalog must be logged with a model signature containing both input "
                  "and output type specifications. See "
                  "https://mlflow.org/docs/latest/model/signatures.html#how-to-log-models-with-signatures "
                  "for details on how to log a model with a signature")
_NAME_PART = re.compile(r"^[^.\s/]+$")


class CatalogDoesNotExist(WorkspaceError):
    error_code, status = "CATALOG_DOES_NOT_EXIST", 404


class SchemaDoesNotExist(WorkspaceError):
    error_code, status = "SCHEMA_DOES_NOT_EXIST", 404


class Namespaces(Protocol):
    """Which catalogs and schemas exist: the one thing this registry asks of Unity Catalog."""

    def catalog_exists(self, catalog: str) -> bool: ...

    def schema_exists(self, catalog: str, schema: str) -> bool: ...


def split_name(name: object) -> tuple[str, str, str]:
    """(catalog, schema, model) of a three-level name, lower-cased as Unity Catalog stores names."""
    parts = name.lower().split(".") if isinstance(name, str) else []
    if len(parts) != 3 or not all(_NAME_PART.match(part) for part in parts):
        raise InvalidParameterValue(THREE_LEVELS)
    return parts[0], parts[1], parts[2]


def _now() -> int:
    return int(time.time() * 1000)


def _version_number(version: object) -> int:
    try:
        number = int(str(version))
    except ValueError:
        raise InvalidParameterValue(f"Invalid model version '{version}': it must be a positive integer") from None
    if number < 1:
        raise InvalidParameterValue(f"Invalid model version '{version}': it must be a positive integer")
    return number


def signature_problem(mlmodel: Path) -> str | None:
    """Why the MLmodel file does not satisfy Unity Catalog's signature rule, or None."""
    import yaml

    if not mlmodel.is_file():
        return f"The model version has no MLmodel file. {SIGNATURE_RULE}"
    try:
        signature = (yaml.safe_load(mlmodel.read_text(encoding="utf-8")) or {}).get("signature")
    except (yaml.YAMLError, AttributeError):
        return f"The model version's MLmodel file is not valid YAML. {SIGNATURE_RULE}"
    if not signature or not signature.get("inputs"):
        return f"Model passed for registration did not contain any signature metadata. {SIGNATURE_RULE}"
    if not signature.get("outputs"):
        return f"Model passed for registration contained a signature that includes only inputs. {SIGNATURE_RULE}"
    return None


class UcModelRegistry:
    def __init__(self, db: Database, storage: Path, user: str, namespaces: Namespaces,
                 workspace_id: Callable[[], str] = lambda: ""):
        self.db, self.storage, self.user = db, Path(storage), user
        self.namespaces = namespaces
        self.workspace_id = workspace_id
        with db.transaction() as conn:
            for statement in filter(str.strip, SCHEMA.split(";")):  # executescript would commit mid-transaction
                conn.execute(statement)

    # --- registered models -------------------------------------------------------------------
    def _model_row(self, name: object):
        full = ".".join(split_name(name))
        row = self.db.one("SELECT * FROM uc_registered_models WHERE full_name = ?", (full,))
        if row is None:
            raise ResourceDoesNotExist(f"Routine or Model '{full}' does not exist.")
        return row

    def create_model(self, name: object, description: str = "", tags: dict | None = None) -> dict:
        catalog, schema, model = split_name(name)
        if not self.namespaces.catalog_exists(catalog):
            raise CatalogDoesNotExist(f"Catalog '{catalog}' does not exist.")
        if not self.namespaces.schema_exists(catalog, schema):
            raise SchemaDoesNotExist(f"Schema '{catalog}.{schema}' does not exist.")
        full, now = f"{catalog}.{schema}.{model}", _now()
        with self.db.transaction() as conn:
            if conn.execute("SELECT 1 FROM uc_registered_models WHERE full_name = ?", (full,)).fetchone():
                raise ResourceAlreadyExists(f"Routine or Model '{full}' already exists.")
            conn.execute("INSERT INTO uc_registered_models (full_name, description, owner, created_at, updated_at, tags)"
                         " VALUES (?, ?, ?, ?, ?, ?)", (full, description or "", self.user, now, now,
                                                        json.dumps(tags or {})))
        return self.get_model(full)

    def get_model(self, name: object) -> dict:
        return self._model_dict(self._model_row(name))

    def _model_dict(self, row) -> dict:
        aliases = self.db.query("SELECT alias, version FROM uc_model_aliases WHERE full_name = ? ORDER BY alias",
                                (row["full_name"],))
        return {"name": row["full_name"], "creation_timestamp": row["created_at"],
                "last_updated_timestamp": row["updated_at"], "user_id": row["owner"],
                "description": row["description"],
                "aliases": [{"alias": a["alias"], "version": str(a["version"])} for a in aliases],
                "tags": [{"key": k, "value": v} for k, v in sorted(json.loads(row["tags"]).items())]}

    def search_models(self, max_results: int, offset: int, catalog: str | None = None,
                      schema: str | None = None) -> tuple[list[dict], int | None]:
        prefix = ".".join(p.lower() for p in (catalog, schema) if p) + "." if catalog else ""
        rows = self.db.query("SELECT * FROM uc_registered_models WHERE substr(full_name, 1, ?) = ? ORDER BY full_name "
                             "LIMIT ? OFFSET ?", (len(prefix), prefix, max_results + 1, offset))
        more = offset + max_results if len(rows) > max_results else None
        return [self._model_dict(r) for r in rows[:max_results]], more

    def update_model(self, name: object, description: str | None, new_name: str | None) -> dict:
        row = self._model_row(name)
        if new_name:
            raise InvalidParameterValue("Renaming a registered model is not supported by this local workspace")
        if description is not None:
            with self.db.transaction() as conn:
                conn.execute("UPDATE uc_registered_models SET description = ?, updated_at = ? WHERE full_name = ?",
                             (description, _now(), row["full_name"]))
        return self.get_model(row["full_name"])

    def delete_model(self, name: object) -> None:
        full = self._model_row(name)["full_name"]
        with self.db.transaction() as conn:
            for table in ("uc_model_aliases", "uc_model_versions", "uc_registered_models"):
                conn.execute(f"DELETE FROM {table} WHERE full_name = ?", (full,))
        shutil.rmtree(self.model_folder(full), ignore_errors=True)

    def set_model_tag(self, name: object, key: str, value: str | None) -> None:
        row = self._model_row(name)
        tags = json.loads(row["tags"])
        if value is None and key not in tags:
            raise ResourceDoesNotExist(f"Tag '{key}' does not exist on registered model '{row['full_name']}'.")
        tags.pop(key, None) if value is None else tags.__setitem__(key, value)
        with self.db.transaction() as conn:
            conn.execute("UPDATE uc_registered_models SET tags = ?, updated_at = ? WHERE full_name = ?",
                         (json.dumps(tags), _now(), row["full_name"]))

    # --- aliases -----------------------------------------------------------------------------
    def set_alias(self, name: object, alias: str, version: object) -> None:
        full = self._model_row(name)["full_name"]
        number = self._version_row(full, version)["version"]
        if alias.lower() == "latest" or re.fullmatch(r"v\d+", alias.lower()):
            raise InvalidParameterValue(f"Alias name '{alias}' is reserved and cannot be used.")
        with self.db.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO uc_model_aliases (full_name, alias, version) VALUES (?, ?, ?)",
                         (full, alias, number))

    def delete_alias(self, name: object, alias: str) -> None:
        full = self._model_row(name)["full_name"]
        with self.db.transaction() as conn:
            if not conn.execute("DELETE FROM uc_model_aliases WHERE full_name = ? AND alias = ?", (full, alias)).rowcount:
                raise ResourceDoesNotExist(f"Alias '{alias}' does not exist on registered model '{full}'.")

    def version_by_alias(self, name: object, alias: str) -> dict:
        full = self._model_row(name)["full_name"]
        row = self.db.one("SELECT version FROM uc_model_aliases WHERE full_name = ? AND alias = ?", (full, alias))
        if row is None:
            raise ResourceDoesNotExist(f"Alias '{alias}' does not exist on registered model '{full}'.")
        return self.get_version(full, row["version"])

    # --- model versions ----------------------------------------------------------------------
    def _version_row(self, full: str, version: object):
        number = _version_number(version)
        row = self.db.one("SELECT * FROM uc_model_versions WHERE full_name = ? AND version = ?", (full, number))
        if row is None:
            raise ResourceDoesNotExist(f"Model Version '{full}' version {number} does not exist.")
        return row

    def create_version(self, name: object, source: str, run_id: str = "", description: str = "",
                       tags: dict | None = None, model_id: str = "", run_tracking_server_id: str = "") -> dict:
        full = self._model_row(name)["full_name"]
        if not source:
            raise InvalidParameterValue("Missing required field: source")
        now = _now()
        with self.db.transaction() as conn:
            number = self.db.next_id(conn, f"uc-model-version:{full}")
            conn.execute(
                "INSERT INTO uc_model_versions (full_name, version, source, run_id, run_tracking_server_id, model_id,"
                " description, status, owner, created_at, updated_at, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (full, number, source, run_id or "", run_tracking_server_id or "", model_id or "", description or "",
                 PENDING, self.user, now, now, json.dumps(tags or {})))
        folder = self.version_folder(full, number)
        shutil.rmtree(folder, ignore_errors=True)  # left by a deleted model of the same name
        folder.mkdir(parents=True)
        return self.get_version(full, number)

    def get_version(self, name: object, version: object) -> dict:
        return self._version_dict(self._version_row(self._model_row(name)["full_name"], version))

    def _version_dict(self, row) -> dict:
        full, number = row["full_name"], row["version"]
        aliases = self.db.query("SELECT alias FROM uc_model_aliases WHERE full_name = ? AND version = ? ORDER BY alias",
                                (full, number))
        body = {"name": full, "version": str(number), "creation_timestamp": row["created_at"],
                "last_updated_timestamp": row["updated_at"], "user_id": row["owner"],
                "description": row["description"], "source": row["source"], "status": row["status"],
                "storage_location": self.storage_location(full, number),
                "aliases": [{"alias": a["alias"], "version": str(number)} for a in aliases],
                "tags": [{"key": k, "value": v} for k, v in sorted(json.loads(row["tags"]).items())]}
        for key in ("run_id", "run_tracking_server_id", "model_id"):
            if row[key]:
                body[key] = row[key]
        return body

    def search_versions(self, filter_string: str, max_results: int, offset: int) -> tuple[list[dict], int | None]:
        where, params = _version_filter(filter_string)
        rows = self.db.query(f"SELECT * FROM uc_model_versions {where} ORDER BY full_name, version DESC LIMIT ? OFFSET ?",
                             (*params, max_results + 1, offset))
        more = offset + max_results if len(rows) > max_results else None
        return [self._version_dict(r) for r in rows[:max_results]], more

    def update_version(self, name: object, version: object, description: str | None) -> dict:
        row = self._version_row(self._model_row(name)["full_name"], version)
        if description is not None:
            with self.db.transaction() as conn:
                conn.execute("UPDATE uc_model_versions SET description = ?, updated_at = ? WHERE full_name = ? AND "
                             "version = ?", (description, _now(), row["full_name"], row["version"]))
        return self.get_version(row["full_name"], row["version"])

    def delete_version(self, name: object, version: object) -> None:
        row = self._version_row(self._model_row(name)["full_name"], version)
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM uc_model_aliases WHERE full_name = ? AND version = ?",
                         (row["full_name"], row["version"]))
            conn.execute("DELETE FROM uc_model_versions WHERE full_name = ? AND version = ?",
                         (row["full_name"], row["version"]))
        shutil.rmtree(self.version_folder(row["full_name"], row["version"]), ignore_errors=True)

    def set_version_tag(self, name: object, version: object, key: str, value: str | None) -> None:
        row = self._version_row(self._model_row(name)["full_name"], version)
        tags = json.loads(row["tags"])
        if value is None and key not in tags:
            raise ResourceDoesNotExist(f"Tag '{key}' does not exist on model version {row['full_name']} "
                                       f"version {row['version']}.")
        tags.pop(key, None) if value is None else tags.__setitem__(key, value)
        with self.db.transaction() as conn:
            conn.execute("UPDATE uc_model_versions SET tags = ?, updated_at = ? WHERE full_name = ? AND version = ?",
                         (json.dumps(tags), _now(), row["full_name"], row["version"]))

    def finalize(self, name: object, version: object) -> dict:
        """PENDING_REGISTRATION -> READY once the files hold a model with a full signature; a
        version that fails the rule is removed with its files, and the request is refused."""
        row = self._version_row(self._model_row(name)["full_name"], version)
        full, number = row["full_name"], row["version"]
        if row["status"] != PENDING:
            raise InvalidState(f"Model version {full} version {number} is in status {row['status']}; "
                               f"only a version in {PENDING} can be finalized.")
        problem = signature_problem(self.version_folder(full, number) / "MLmodel")
        if problem:
            self.delete_version(full, number)
            raise InvalidParameterValue(problem)
        with self.db.transaction() as conn:
            conn.execute("UPDATE uc_model_versions SET status = ?, updated_at = ? WHERE full_name = ? AND version = ?",
                         (READY, _now(), full, number))
        return self.get_version(full, number)

    # --- files -------------------------------------------------------------------------------
    def model_folder(self, full: str) -> Path:
        return self.storage.joinpath(*full.split("."))

    def version_folder(self, full: str, number: int) -> Path:
        return self.model_folder(full) / str(number)

    @staticmethod
    def storage_location(full: str, number: int) -> str:
        """The version's path in the Files API namespace of Unity Catalog's default storage."""
        return "/Models/" + full.replace(".", "/") + f"/{number}"

    def credentials_check(self, name: object, version: object, write: bool) -> None:
        """Write credentials only while a version is pending; read credentials for any version."""
        row = self._version_row(self._model_row(name)["full_name"], version)
        if write and row["status"] != PENDING:
            raise InvalidState(f"Model version {row['full_name']} version {row['version']} is {row['status']}: "
                               "its files can no longer be written.")

    def file_path(self, models_path: str, write: bool) -> Path:
        """The file on disk behind a Files API path /Models/<catalog>/<schema>/<model>/<version>/<file>,
        checked against the registry: the version must exist, and be pending to be written."""
        parts = [p for p in models_path.split("/") if p]
        if len(parts) < 5 or parts[0] != "Models" or any(p in (".", "..") for p in parts):
            raise InvalidParameterValue(f"Path '{models_path}' is not a file of a model version "
                                        "(/Models/<catalog>/<schema>/<model>/<version>/<path>)")
        full = ".".join(parts[1:4]).lower()
        self.credentials_check(full, parts[4], write)
        return self.version_folder(full, int(parts[4])).joinpath(*parts[5:])

    def folder_path(self, models_path: str) -> Path:
        """The folder on disk behind /Models/<catalog>/<schema>/<model>/<version>[/<dir>]."""
        parts = [p for p in models_path.split("/") if p]
        if len(parts) < 5 or parts[0] != "Models" or any(p in (".", "..") for p in parts):
            raise ResourceDoesNotExist(f"The directory '{models_path}' does not exist.")
        full = ".".join(parts[1:4]).lower()
        self._version_row(self._model_row(full)["full_name"], parts[4])
        return self.version_folder(full, int(parts[4])).joinpath(*parts[5:])


def _version_filter(filter_string: str) -> tuple[str, tuple]:
    """SQL for the one condition Unity Catalog's search takes: name = '...' or run_id = '...'."""
    text = (filter_string or "").strip()
    if not text:
        return "", ()
    match = re.fullmatch(r"""(name|run_id)\s*=\s*(['"])(.*)\2""", text)
    if not match:
        raise InvalidParameterValue(f"Unsupported filter '{text}': Unity Catalog model version search takes one "
                                    "condition, name = '<catalog>.<schema>.<model>' or run_id = '<run id>'")
    field, value = match.group(1), match.group(3)
    if field == "name":
        return "WHERE full_name = ?", (".".join(split_name(value)),)
    return "WHERE run_id = ?", (value,)
