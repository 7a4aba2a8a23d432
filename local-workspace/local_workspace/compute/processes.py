"""Ending processes: a process group we started, or whatever a dead workspace left under a folder."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path


def kill_group(pid: int | None, grace: float = 5.0, child: subprocess.Popen | None = None) -> None:
    """Ends a process and everything in its process group: TERM, then KILL.

    `child`, when the leader is our own child process, is reaped as it exits: an unreaped
    leader would keep its group alive as a zombie until the grace period ran out.
    """
    if not pid:
        return
    try:
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if child is not None:
            child.poll()
        try:
            os.killpg(pid, 0)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.05)
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def processes_under(folder: Path) -> list[int]:
    """Pids whose command line or working directory lies under folder: ours, even after pids are reused."""
    root, found = str(folder), []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if root + "/" in cmdline or cwd == root or cwd.startswith(root + "/"):
            found.append(int(entry.name))
    return found


def end_processes_under(folder: Path, grace: float = 2.0) -> None:
    """After a crash: ends what a dead workspace left running under folder (its pids were never all recorded)."""
    for pid in processes_under(folder):
        try:
            leader = os.getpgid(pid) == pid
        except ProcessLookupError:
            continue
        if leader:  # ours all start sessions of their own; a group leader takes its children with it
            kill_group(pid, grace)
        else:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
