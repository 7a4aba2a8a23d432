"""A notebook_task as the in-cluster launcher runs it: the notebook's file, its repo and widgets."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from local_workspace.compute.runtimes import uv_command
from local_workspace.compute.dbfs_fuse import FuseView

REPOS = "/Repos/"


def notebook_file(fuse: FuseView, path: str, source: str | None = None) -> Path:
    """The file of a workspace notebook; in a repo, `notebooks/train` is `notebooks/train.py`."""
    if source == "GIT":
        raise ValueError("notebook_task with source GIT is not supported here; use a /Repos/... path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValueError(f"notebook_path '{path}' must be an absolute workspace path")
    local = fuse.workspace_file(path)
    for candidate in (local, local.with_name(local.name + ".py")):
        if candidate.is_file():
            return candidate
    raise ValueError(f"notebook_path '{path}' does not exist in the workspace")


def repo_root(fuse: FuseView, path: str) -> str | None:
    """The folder of the repo that holds path (/Repos/<folder>/<repo>/...), if any."""
    parts = path.split("/")
    if not path.startswith(REPOS) or len(parts) < 5:
        return None
    return str(fuse.workspace_file("/".join(parts[:4])))


def notebook_spec(fuse: FuseView, body: dict, resolve: Callable[[str], str], result_file: Path) -> dict:
    path = body["notebook_path"]
    return {"kind": "notebook", "notebook_path": path, "notebook_file": str(notebook_file(fuse, path, body.get("source"))),
            "repo_root": repo_root(fuse, path), "dbfs_root": str(fuse.dbfs_root),
            "widgets": {str(k): resolve(str(v)) for k, v in body.get("base_parameters", {}).items()},
            "uv": uv_command(), "result_file": str(result_file)}
