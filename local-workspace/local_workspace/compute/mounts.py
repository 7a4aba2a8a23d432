"""The /dbfs, /Workspace and /Volumes mounts every cluster process sees.

Without root, in a private user + mount namespace made by bubblewrap (`bwrap`): a read-only tmpfs
root with each top-level entry of the host's / bound in, plus the workspace's folders at the three
mount points. The uid/gid stay the user's own, so files written there are the user's. A `..`
that climbs out of /dbfs lands on that read-only root, never beside the workspace folder.

Where namespaces are impossible (not Linux, no bwrap, user namespaces disabled), `Mounts.reason`
says why; clusters then say so in their event log and rely on parameter translation (dbfs_fuse.py).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

from local_workspace.config import WorkspaceDirs

# `LOCAL_WORKSPACE_MOUNTS=off` turns the mounts off (the fallback), e.g. to compare the two.
SWITCH = "LOCAL_WORKSPACE_MOUNTS"
READ_ONLY = {"/Workspace"}


def mount_table(dirs: WorkspaceDirs, dbfs_root: bool = True) -> dict[str, Path]:
    """Mount point -> the workspace folder behind it (/dbfs only where the profile has a DBFS root)."""
    table = {"/Workspace": dirs.workspace_files, "/Volumes": dirs.volumes}
    if dbfs_root:
        table["/dbfs"] = dirs.dbfs
    return table


def _host_root_entries(skip: set[str]) -> list[str]:
    """bwrap arguments that rebuild the host's / on a tmpfs, entry by entry."""
    args: list[str] = []
    for entry in sorted(os.scandir("/"), key=lambda e: e.name):
        path = "/" + entry.name
        if path in skip:
            continue
        if entry.is_symlink():
            args += ["--symlink", os.readlink(path), path]
        elif entry.name == "proc":
            args += ["--proc", "/proc"]
        elif entry.name == "dev":
            args += ["--dev-bind", "/dev", "/dev"]
        elif entry.is_dir():
            args += ["--bind", path, path]
        else:
            args += ["--ro-bind", path, path]
    return args


@functools.lru_cache(maxsize=1)
def _bwrap() -> str | None:
    return shutil.which("bwrap")


class Mounts:
    """A mount table, and how to start a process that sees it."""

    def __init__(self, table: dict[str, Path]):
        self.table = {point: Path(folder).resolve() for point, folder in table.items()}
        self._prefix: list[str] | None = None
        self.reason = self._unavailable()

    @property
    def active(self) -> bool:
        return self.reason is None

    def _unavailable(self) -> str | None:
        if os.environ.get(SWITCH, "").lower() in ("0", "off", "false", "no"):
            return f"the mounts are turned off ({SWITCH}={os.environ[SWITCH]})"
        if not sys.platform.startswith("linux"):
            return f"mount namespaces need Linux (this is {sys.platform})"
        if _bwrap() is None:
            return "bubblewrap (bwrap) is not installed (Debian: apt-get install bubblewrap)"
        for folder in self.table.values():
            folder.mkdir(parents=True, exist_ok=True)
        tried = subprocess.run([*self.prefix(), "true"], capture_output=True, text=True)
        if tried.returncode:
            return f"no private mount namespace here: {tried.stderr.strip()[-500:]}"
        return None

    def prefix(self, cwd: Path | None = None) -> list[str]:
        """`bwrap ... --` to put before a command (cwd: where it starts)."""
        if self._prefix is None:
            args = [_bwrap() or "bwrap", "--unshare-user", "--uid", str(os.getuid()), "--gid", str(os.getgid()),
                    "--tmpfs", "/", *_host_root_entries(set(self.table))]
            for point, folder in sorted(self.table.items()):
                args += ["--ro-bind" if point in READ_ONLY else "--bind", str(folder), point]
            self._prefix = [*args, "--remount-ro", "/"]
        return [*self._prefix, *(["--chdir", str(cwd)] if cwd else []), "--"]

    def wrap(self, argv: list[str], cwd: Path | None = None) -> list[str]:
        """The command inside the mounts when they are available, else unchanged."""
        return [*self.prefix(cwd), *argv] if self.active else list(argv)
