"""Files in Unity Catalog volumes, by their `/Volumes/<catalog>/<schema>/<volume>/...` paths.

A path is resolved only inside an existing volume: `..`, `.` and empty segments are refused and
so is a path whose volume does not exist, before anything is written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from local_workspace.errors import AlreadyExists, InvalidParameterValue, NotFound, WorkspaceError
from local_workspace.services.unity_catalog.models import UnityCatalog

VOLUMES_PREFIX = "/Volumes/"
_CHUNK = 1024 * 1024


class DirectoryNotEmptyConflict(WorkspaceError):
    error_code, status = "ALREADY_EXISTS", 409


@dataclass(frozen=True)
class VolumePath:
    path: str  # as given, cleaned: /Volumes/c/s/v/a/b
    volume: str  # c.s.v
    local: Path


def is_volume_path(path: str) -> bool:
    return path == VOLUMES_PREFIX.rstrip("/") or path.startswith(VOLUMES_PREFIX)


class VolumeFiles:
    def __init__(self, catalog: UnityCatalog):
        self.uc = catalog

    def resolve(self, path: str) -> VolumePath:
        """The file behind a /Volumes path of an existing volume; 400/404 otherwise."""
        if not isinstance(path, str) or not is_volume_path(path):
            raise InvalidParameterValue(f"Invalid path '{path}': the Files API serves Unity Catalog volume paths "
                                        "of the form /Volumes/<catalog>/<schema>/<volume>/<path>")
        parts = path[len(VOLUMES_PREFIX):].rstrip("/").split("/")
        if any(part in ("", ".", "..") or "\x00" in part for part in parts):
            raise InvalidParameterValue(f"Invalid path '{path}': a path may not contain empty, '.' or '..' segments")
        if len(parts) < 3:
            raise InvalidParameterValue(f"Invalid path '{path}': expected /Volumes/<catalog>/<schema>/<volume>/...")
        volume = self.uc.get_volume(".".join(parts[:3]))["full_name"]
        base = self.uc.volume_folder(volume)
        local = base.joinpath(*parts[3:])
        resolved, root = local.resolve(), base.resolve()
        if resolved != root and root not in resolved.parents:  # e.g. through a symlink
            raise InvalidParameterValue(f"Invalid path '{path}': it leaves its volume")
        return VolumePath("/Volumes/" + "/".join(parts), volume, local)

    @staticmethod
    def _not_found(path: VolumePath) -> NotFound:
        return NotFound(f"The file or directory {path.path} does not exist.")

    def write(self, path: str, stream: BinaryIO, overwrite: bool) -> None:
        target = self.resolve(path)
        if target.local.is_dir():
            raise AlreadyExists(f"A directory already exists at {target.path}.")
        if target.local.exists() and not overwrite:
            raise AlreadyExists(f"The file being created already exists: {target.path}.")
        for parent in target.local.parents:
            if parent == self.uc.volume_folder(target.volume):
                break
            if parent.is_file():
                raise AlreadyExists(f"A file already exists at a parent of {target.path}.")
        target.local.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.local.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(stream, out, _CHUNK)
            os.replace(tmp, target.local)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def file(self, path: str) -> Path:
        target = self.resolve(path)
        if not target.local.is_file():
            raise self._not_found(target)
        return target.local

    def delete_file(self, path: str) -> None:
        self.file(path).unlink()

    def mkdirs(self, path: str) -> None:
        target = self.resolve(path)
        for folder in (target.local, *target.local.parents):
            if folder.is_file():
                raise AlreadyExists(f"A file already exists at {target.path} or one of its parents.")
            if folder == self.uc.volume_folder(target.volume):
                break
        target.local.mkdir(parents=True, exist_ok=True)

    def directory(self, path: str) -> VolumePath:
        target = self.resolve(path)
        if not target.local.is_dir():
            raise self._not_found(target)
        return target

    def list(self, path: str) -> list[dict]:
        target = self.directory(path)
        out = []
        for child in sorted(target.local.iterdir()):
            if child.name.startswith(".upload-"):
                continue  # an upload in progress
            stat = child.stat()
            entry = {"path": f"{target.path}/{child.name}", "name": child.name, "is_directory": child.is_dir(),
                     "last_modified": int(stat.st_mtime * 1000)}
            if not child.is_dir():
                entry["file_size"] = stat.st_size
            out.append(entry)
        return out

    def delete_directory(self, path: str) -> None:
        target = self.directory(path)
        if target.local == self.uc.volume_folder(target.volume):
            raise InvalidParameterValue(f"Cannot delete the root directory of volume {target.volume}")
        if any(target.local.iterdir()):
            raise DirectoryNotEmptyConflict(f"Directory {target.path} is not empty.")
        target.local.rmdir()
