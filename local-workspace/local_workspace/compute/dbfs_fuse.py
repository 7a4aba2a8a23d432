"""What a cluster's FUSE mount and workspace file system show a task: `/dbfs/...`,
`dbfs:/...` and `/Workspace/...` paths as the files behind them."""

from __future__ import annotations

from pathlib import Path

from local_workspace.compute.library_rules import check_library, dbfs_root_path
from local_workspace.paths import FUSE_PREFIX, clean_path, dbfs_path, on_disk

WORKSPACE_PREFIX = "/Workspace/"
VOLUMES_PREFIX = "/Volumes/"


class FuseView:
    def __init__(self, dbfs_root: Path, workspace_root: Path, volumes_root: Path | None = None,
                 dbfs_root_enabled: bool = True):
        self.dbfs_root, self.workspace_root = Path(dbfs_root), Path(workspace_root)
        self.volumes_root, self.dbfs_root_enabled = volumes_root, dbfs_root_enabled

    def volume_file(self, path: str) -> Path:
        """`/Volumes/c/s/v/x`, `dbfs:/Volumes/...`, `/dbfs/Volumes/...` -> the file in the volume's folder."""
        inner = path[len("/dbfs"):] if path.startswith(FUSE_PREFIX) else path
        inner = inner[len("dbfs:"):] if inner.startswith("dbfs:") else inner
        if self.volumes_root is None:
            raise ValueError(f"{path}: this workspace has no volumes")
        return on_disk(self.volumes_root, clean_path(inner[len(VOLUMES_PREFIX) - 1:]))

    def dbfs_file(self, path: str) -> Path:
        """`dbfs:/x`, `/dbfs/x` -> the local file."""
        if path.startswith(FUSE_PREFIX):
            path = path[len("/dbfs"):]
        return on_disk(self.dbfs_root, dbfs_path(path))

    def workspace_file(self, path: str) -> Path:
        if path.startswith(WORKSPACE_PREFIX):
            path = path[len("/Workspace"):]
        return on_disk(self.workspace_root, clean_path(path))

    def parameter(self, value: str) -> str:
        """A task parameter as the task sees it: FUSE paths (also after `--opt=`) become local."""
        if value.startswith(FUSE_PREFIX):
            return str(self.dbfs_file(value))
        name, eq, rest = value.partition("=")
        if eq and rest.startswith(FUSE_PREFIX):
            return f"{name}={self.dbfs_file(rest)}"
        return value

    def source_file(self, path: str, source: str | None = None) -> Path:
        """A spark_python_task's python_file: on DBFS, in the workspace, or a FUSE path."""
        if source == "GIT":
            raise ValueError("spark_python_task with source GIT is not supported here; use a /Repos/... path")
        if path.startswith((VOLUMES_PREFIX, "dbfs:" + VOLUMES_PREFIX, "/dbfs" + VOLUMES_PREFIX)):
            local = self.volume_file(path)
        elif path.startswith("dbfs:") or path.startswith(FUSE_PREFIX):
            if not self.dbfs_root_enabled:
                raise ValueError(f"PERMISSION_DENIED: Public DBFS root is disabled. Access is denied on path: "
                                 f"{dbfs_root_path(path)}")
            local = self.dbfs_file(path)
        elif path.startswith("/"):
            local = self.workspace_file(path)
        else:
            raise ValueError(f"python_file '{path}' must be a dbfs:/ or workspace path")
        if not local.is_file():
            raise ValueError(f"python_file '{path}' does not exist")
        return local

    def library_specs(self, libraries: list[dict], cluster=None) -> list[str]:
        """pip-style requirements for a task's libraries (whl and requirements files made local);
        a library the cluster's runtime refuses (library_rules) raises LibraryError."""
        specs = []
        for library in libraries:
            kind, value = next(iter(library.items()))
            if kind == "pypi":
                specs.append(value["package"])
            else:
                if cluster is not None:
                    check_library(kind, value, cluster.spec, cluster.cluster_id, self.dbfs_root_enabled)
                local = self._library_file(value)
                specs.append(str(local) if kind == "whl" else f"-r {local}")
        return specs

    def _library_file(self, path: str) -> Path:
        if path.startswith((VOLUMES_PREFIX, "dbfs:" + VOLUMES_PREFIX, "/dbfs" + VOLUMES_PREFIX)):
            local = self.volume_file(path)
        elif path.startswith(("dbfs:", FUSE_PREFIX)):
            local = self.dbfs_file(path)
        else:
            local = self.workspace_file(path)
        if not local.is_file():
            raise ValueError(f"library {path} does not exist")
        return local
