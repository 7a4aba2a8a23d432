"""The workspace tree: folders, notebooks and files, with their metadata in the database."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from local_workspace.errors import (
    DirectoryNotEmpty, InvalidParameterValue, ResourceAlreadyExists, ResourceDoesNotExist,
)
from local_workspace.paths import clean_path, on_disk
from local_workspace.store import Database

LANGUAGES = ("PYTHON", "SCALA", "SQL", "R")
NOTEBOOK_HEADERS = {  # the first line of a notebook in Databricks source format, by language
    "PYTHON": "# Databricks notebook source",
    "SQL": "-- Databricks notebook source",
    "SCALA": "// Databricks notebook source",
    "R": "# Databricks notebook source",
}
EXTENSIONS = {".py": "PYTHON", ".sql": "SQL", ".scala": "SCALA", ".r": "R"}
ROOT_FOLDERS = ("/Users", "/Shared", "/Repos")


@dataclass(frozen=True)
class WorkspaceObject:
    path: str
    object_type: str  # DIRECTORY, NOTEBOOK, FILE, REPO
    language: str | None
    object_id: int
    created_at: int
    modified_at: int
    size: int | None = None

    def to_dict(self) -> dict:
        out = {"path": self.path, "object_type": self.object_type, "object_id": self.object_id,
               "created_at": self.created_at, "modified_at": self.modified_at}
        if self.language:
            out["language"] = self.language
        if self.size is not None:
            out["size"] = self.size
        return out


def _now() -> int:
    return int(time.time() * 1000)


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] or "/"


class WorkspaceTree:
    def __init__(self, db: Database, root: Path, user: str):
        self.db, self.root = db, Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        for folder in (*ROOT_FOLDERS, f"/Users/{user}"):
            self.mkdirs(folder)

    def local(self, path: str) -> Path:
        return on_disk(self.root, clean_path(path))

    def _row(self, path: str) -> WorkspaceObject | None:
        if path == "/":
            return WorkspaceObject("/", "DIRECTORY", None, 0, 0, 0)
        row = self.db.one("SELECT * FROM workspace_objects WHERE path = ?", (path,))
        if row is None:
            return None
        size = None
        if row["object_type"] == "FILE":
            local = on_disk(self.root, path)
            size = local.stat().st_size if local.is_file() else 0
        return WorkspaceObject(row["path"], row["object_type"], row["language"], row["object_id"],
                               row["created_at"], row["modified_at"], size)

    def get_status(self, path: str) -> WorkspaceObject:
        clean = clean_path(path)
        found = self._row(clean)
        if found is None:
            raise ResourceDoesNotExist(f"Path ({clean}) doesn't exist.")
        return found

    def list(self, path: str) -> list[WorkspaceObject]:
        found = self.get_status(path)
        if found.object_type not in ("DIRECTORY", "REPO"):
            return [found]
        prefix = found.path.rstrip("/") + "/"
        rows = self.db.query("SELECT path FROM workspace_objects WHERE path LIKE ? ESCAPE '\\' ORDER BY path",
                             (prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",))
        children = [r["path"] for r in rows if "/" not in r["path"][len(prefix):]]
        return [self._row(p) for p in children]

    def mkdirs(self, path: str, object_type: str = "DIRECTORY") -> None:
        clean = clean_path(path)
        parts = clean.split("/")[1:]
        with self.db.transaction() as conn:
            for i in range(1, len(parts) + 1):
                current = "/" + "/".join(parts[:i])
                row = conn.execute("SELECT object_type FROM workspace_objects WHERE path = ?", (current,)).fetchone()
                if row is not None:
                    if row["object_type"] not in ("DIRECTORY", "REPO"):
                        raise ResourceAlreadyExists(f"Path ({current}) already exists and is not a directory.")
                    continue
                kind = object_type if current == clean else "DIRECTORY"
                conn.execute("INSERT INTO workspace_objects VALUES (?, ?, NULL, ?, ?, ?)",
                             (current, kind, self.db.next_id(conn, "object_id", 1000), _now(), _now()))
        on_disk(self.root, clean).mkdir(parents=True, exist_ok=True)

    def write(self, path: str, content: bytes, object_type: str, language: str | None, overwrite: bool) -> WorkspaceObject:
        """Creates or replaces a notebook or file; its folder must exist, as on Databricks."""
        clean = clean_path(path)
        if object_type == "NOTEBOOK" and language not in LANGUAGES:
            raise InvalidParameterValue(f"A notebook needs a language, one of {', '.join(LANGUAGES)}")
        parent = self._row(_parent(clean))
        if parent is None:
            raise ResourceDoesNotExist(f"The parent folder ({_parent(clean)}) does not exist.")
        if parent.object_type not in ("DIRECTORY", "REPO"):
            raise InvalidParameterValue(f"The parent ({_parent(clean)}) is not a folder.")
        local = on_disk(self.root, clean)
        with self.db.transaction() as conn:
            row = conn.execute("SELECT * FROM workspace_objects WHERE path = ?", (clean,)).fetchone()
            if row is not None:
                if row["object_type"] in ("DIRECTORY", "REPO"):
                    raise ResourceAlreadyExists(f"Path ({clean}) already exists and is a folder.")
                if not overwrite:
                    raise ResourceAlreadyExists(f"Path ({clean}) already exists.")
                conn.execute("UPDATE workspace_objects SET object_type = ?, language = ?, modified_at = ? WHERE path = ?",
                             (object_type, language, _now(), clean))
            else:
                conn.execute("INSERT INTO workspace_objects VALUES (?, ?, ?, ?, ?, ?)",
                             (clean, object_type, language, self.db.next_id(conn, "object_id", 1000), _now(), _now()))
            local.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=local.parent, prefix=".import-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
            os.replace(tmp, local)
        return self.get_status(clean)

    def read(self, path: str) -> tuple[WorkspaceObject, bytes]:
        found = self.get_status(path)
        if found.object_type in ("DIRECTORY", "REPO"):
            raise InvalidParameterValue(f"Path ({found.path}) is a folder: export it with format DBC, "
                                        "which this workspace does not offer, or export its files one by one.")
        return found, on_disk(self.root, found.path).read_bytes()

    def delete(self, path: str, recursive: bool) -> None:
        found = self.get_status(path)
        if found.path in ("/", *ROOT_FOLDERS):
            raise InvalidParameterValue(f"Cannot delete {found.path}")
        if found.object_type in ("DIRECTORY", "REPO") and self.list(found.path) and not recursive:
            raise DirectoryNotEmpty(f"Folder ({found.path}) is not empty. Use recursive delete.")
        prefix = found.path.rstrip("/") + "/"
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM workspace_objects WHERE path = ? OR substr(path, 1, ?) = ?",
                         (found.path, len(prefix), prefix))
        local = on_disk(self.root, found.path)
        if local.is_dir():
            shutil.rmtree(local, ignore_errors=True)
        else:
            local.unlink(missing_ok=True)


def detect(path: str, content: bytes, fmt: str, language: str | None) -> tuple[str, str | None]:
    """(object type, language) of an import in format SOURCE, AUTO or RAW."""
    if fmt == "RAW":
        return "FILE", None
    first_line = content.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    is_notebook = first_line in NOTEBOOK_HEADERS.values()
    if fmt == "SOURCE":
        guessed = language or EXTENSIONS.get(Path(path).suffix.lower())
        if guessed is None:
            raise InvalidParameterValue("format SOURCE needs a language (PYTHON, SCALA, SQL or R)")
        return "NOTEBOOK", guessed
    if fmt == "AUTO":
        if is_notebook:
            language = language or next(k for k, v in NOTEBOOK_HEADERS.items() if v == first_line)
            return "NOTEBOOK", language
        return "FILE", None
    raise InvalidParameterValue(f"Unsupported import format '{fmt}': SOURCE, AUTO and RAW are supported here")
