"""DBFS: files under <dir>/dbfs, the streaming upload handles, and the FUSE view of them."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from local_workspace.errors import (
    DirectoryNotEmpty, InvalidParameterValue, PermissionDenied, MaxBlockSizeExceeded, MaxReadSizeExceeded,
    ResourceAlreadyExists, ResourceDoesNotExist,
)
from local_workspace.paths import dbfs_path, on_disk
from local_workspace.services.files.models import VolumeFiles, is_volume_path

MAX_BLOCK = 1024 * 1024
# MLflow's artifact locations stay reachable where the DBFS root is disabled: on Databricks they
# are workspace-managed storage that MLflow reaches through its own artifact API; here MLflow
# stores its artifacts there and its clients reach them through this API.
MANAGED_PREFIXES = ("/databricks/mlflow-artifacts/", "/databricks/mlflow-tracking/")  # add-block, put (JSON) and read move at most 1 MB at a time


@dataclass(frozen=True)
class FileInfo:
    path: str
    is_dir: bool
    file_size: int
    modification_time: int

    def to_dict(self) -> dict:
        return {"path": self.path, "is_dir": self.is_dir, "file_size": self.file_size,
                "modification_time": self.modification_time}


class Dbfs:
    def __init__(self, root: Path, volumes: VolumeFiles | None = None, root_enabled: bool = True):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.volumes, self.root_enabled = volumes, root_enabled
        self._handles: dict[int, tuple[str, Path]] = {}
        self._lock = threading.Lock()

    def _disk(self, clean: str) -> Path:
        """Where a cleaned DBFS path lives: /Volumes/... in its volume's folder, anything else in
        the DBFS root, which a workspace without one refuses as Databricks does."""
        if is_volume_path(clean) and self.volumes is not None:
            return self.volumes.resolve(clean).local
        if not self.root_enabled and not clean.startswith(MANAGED_PREFIXES):
            raise PermissionDenied(f"Public DBFS root is disabled. Access is denied on path: {clean}")
        return on_disk(self.root, clean)

    def local(self, path: str, what: str = "path") -> Path:
        """The file behind a DBFS path (`dbfs:/x`, `/x`)."""
        return self._disk(dbfs_path(path, what))

    def _missing(self, path: str) -> ResourceDoesNotExist:
        return ResourceDoesNotExist(f"No file or directory exists on path {path}.")

    def _info(self, path: str, local: Path) -> FileInfo:
        stat = local.stat()
        return FileInfo(path, local.is_dir(), 0 if local.is_dir() else stat.st_size, int(stat.st_mtime * 1000))

    def get_status(self, path: str) -> FileInfo:
        clean = dbfs_path(path)
        local = self._disk(clean)
        if not local.exists():
            raise self._missing(clean)
        return self._info(clean, local)

    def list(self, path: str) -> list[FileInfo]:
        info = self.get_status(path)
        if not info.is_dir:
            return [info]
        local = self._disk(info.path)
        prefix = info.path.rstrip("/")
        return [self._info(f"{prefix}/{child.name}", child) for child in sorted(local.iterdir())]

    def mkdirs(self, path: str) -> None:
        clean = dbfs_path(path)
        local = self._disk(clean)
        for parent in (local, *local.parents):
            if parent == self.root.resolve():
                break
            if parent.is_file():
                raise ResourceAlreadyExists(f"A file or directory already exists at the input path {clean}.")
        local.mkdir(parents=True, exist_ok=True)

    def delete(self, path: str, recursive: bool) -> None:
        clean = dbfs_path(path)
        local = self._disk(clean)
        if clean == "/":
            raise InvalidParameterValue("Cannot delete the DBFS root")
        if not local.exists():
            return  # as on Databricks: deleting nothing succeeds
        if local.is_dir():
            if any(local.iterdir()) and not recursive:
                raise DirectoryNotEmpty(f"Directory {clean} is not empty: use recursive delete")
            shutil.rmtree(local)
        else:
            local.unlink()

    def move(self, source: str, destination: str) -> None:
        src, dst = self.local(source, "source_path"), self.local(destination, "destination_path")
        if not src.exists():
            raise self._missing(dbfs_path(source))
        if dst.exists():
            raise ResourceAlreadyExists(f"A file or directory already exists at the input path {dbfs_path(destination)}.")
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)

    def _target(self, path: str, overwrite: bool) -> tuple[str, Path]:
        clean = dbfs_path(path)
        local = self._disk(clean)
        if local.is_dir():
            raise ResourceAlreadyExists(f"A directory already exists at the input path {clean}.")
        if local.exists() and not overwrite:
            raise ResourceAlreadyExists(f"A file or directory already exists at the input path {clean}.")
        for parent in local.parents:
            if parent == self.root.resolve():
                break
            if parent.is_file():
                raise ResourceAlreadyExists(f"A file already exists at a parent of the input path {clean}.")
        return clean, local

    def put(self, path: str, data: bytes, overwrite: bool) -> None:
        _, local = self._target(path, overwrite)
        self._write_atomically(local, [data])

    @staticmethod
    def _write_atomically(local: Path, blocks: list[bytes] | None = None, source: Path | None = None) -> None:
        local.parent.mkdir(parents=True, exist_ok=True)
        if source is not None:
            os.replace(source, local)
            return
        fd, tmp = tempfile.mkstemp(dir=local.parent, prefix=".upload-")
        with os.fdopen(fd, "wb") as handle:
            for block in blocks or []:
                handle.write(block)
        os.replace(tmp, local)

    def create(self, path: str, overwrite: bool) -> int:
        clean, local = self._target(path, overwrite)
        local.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=local.parent, prefix=".upload-")
        os.close(fd)
        with self._lock:
            handle = secrets.randbelow(2**53)
            self._handles[handle] = (clean, Path(tmp))
        return handle

    def _handle(self, handle: int) -> tuple[str, Path]:
        with self._lock:
            if handle not in self._handles:
                raise ResourceDoesNotExist(f"No upload handle {handle}: it was closed or never created")
            return self._handles[handle]

    def add_block(self, handle: int, data: bytes) -> None:
        if len(data) > MAX_BLOCK:
            raise MaxBlockSizeExceeded(f"The block is {len(data)} bytes; at most {MAX_BLOCK} are allowed")
        _, tmp = self._handle(handle)
        with tmp.open("ab") as out:
            out.write(data)

    def close(self, handle: int) -> None:
        clean, tmp = self._handle(handle)
        with self._lock:
            self._handles.pop(handle, None)
        self._write_atomically(self._disk(clean), source=tmp)

    def read(self, path: str, offset: int, length: int) -> bytes:
        if length > MAX_READ:
            raise MaxReadSizeExceeded(f"Cannot read more than {MAX_READ} bytes at a time; asked for {length}")
        info = self.get_status(path)
        if info.is_dir:
            raise InvalidParameterValue(f"Cannot read a directory: {info.path}")
        with self._disk(info.path).open("rb") as handle:
            handle.seek(offset)
            return handle.read(length)


MAX_READ = MAX_BLOCK
