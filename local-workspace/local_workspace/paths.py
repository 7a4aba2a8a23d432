"""Workspace and DBFS paths, checked once: absolute, no `..`, and always inside their root."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from local_workspace.errors import InvalidParameterValue

DBFS_SCHEME = "dbfs:"
FUSE_PREFIX = "/dbfs/"


def clean_path(path: object, what: str = "path") -> str:
    """An absolute POSIX path with no `.`/`..` parts or empty segments; 400 otherwise."""
    if not isinstance(path, str) or not path:
        raise InvalidParameterValue(f"'{what}' must be a non-empty string")
    if "\x00" in path or "\\" in path:
        raise InvalidParameterValue(f"{what} '{path}' contains a forbidden character")
    if not path.startswith("/"):
        raise InvalidParameterValue(f"{what} '{path}' must be absolute (start with /)")
    parts = path.split("/")[1:]
    if any(part in (".", "..") for part in parts):
        raise InvalidParameterValue(f"{what} '{path}' must not contain '.' or '..' segments")
    cleaned = "/" + "/".join(p for p in parts if p)
    return cleaned


def dbfs_path(path: object, what: str = "path") -> str:
    """A DBFS path given as `dbfs:/x`, `/x` or the FUSE form `/dbfs/x`, as `/x`."""
    if isinstance(path, str) and path.startswith(DBFS_SCHEME):
        path = path[len(DBFS_SCHEME):]
    return clean_path(path, what)


def on_disk(root: Path, path: str) -> Path:
    """Where a cleaned path lives under root; refuses anything that would leave root."""
    target = (root / PurePosixPath(path).relative_to("/")).resolve() if path != "/" else root.resolve()
    base = root.resolve()
    if target != base and base not in target.parents:
        raise InvalidParameterValue(f"path '{path}' leaves the workspace")
    return target
