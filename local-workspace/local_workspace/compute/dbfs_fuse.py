"""What a cluster's FUSE mount and workspace file system show a task: `/dbfs/...`,
`dbfs:/...` and `/Workspace/...` paths as the files behind them."""

from __future__ import annotations

from pathlib import Path

from local_workspace.paths import FUSE_PREFIX, clean_path, dbfs_path, on_disk

WORKSPACE_PREFIX = "/Workspace/"


class FuseView:
    def __init__(self, dbfs_root: Path, workspace_root: Path):
        self.dbfs_root, self.workspace_root = Path(dbfs_root), Path(workspace_root)

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
        if path.startswith("dbfs:") or path.startswith(FUSE_PREFIX):
            local = self.dbfs_file(path)
        elif path.startswith("/"):
            local = self.workspace_file(path)
        else:
            raise ValueError(f"python_file '{path}' must be a dbfs:/ or workspace path")
        if not local.is_file():
            raise ValueError(f"python_file '{path}' does not exist")
        return local

    def library_specs(self, libraries: list[dict]) -> list[str]:
        """pip-style requirements for a task's libraries (whl and requirements files made local)."""
        specs = []
        for library in libraries:
            kind, value = next(iter(library.items()))
            if kind == "pypi":
                specs.append(value["package"])
            else:
                local = self._library_file(value)
                specs.append(str(local) if kind == "whl" else f"-r {local}")
        return specs

    def _library_file(self, path: str) -> Path:
        local = self.dbfs_file(path) if path.startswith(("dbfs:", FUSE_PREFIX)) else self.workspace_file(path)
        if not local.is_file():
            raise ValueError(f"library {path} does not exist")
        return local
