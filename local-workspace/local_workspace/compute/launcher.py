"""Starting a task's process on a cluster: forked from the workspace's warm launcher (zygote_main.py)
into the cluster's environment when the launcher is ready and the cluster's libraries allow it,
else a fresh interpreter; the runner sees one Popen-like handle."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable

Wrap = Callable[[list[str], Path], list[str]]  # a command -> the command inside the cluster's mounts

ZYGOTE_MAIN = Path(__file__).resolve().parent / "zygote_main.py"
# Longer than a warm-up on a busy machine (a fresh interpreter would pay the same imports); a
# task never waits on a stuck launcher longer than this.
READY_TIMEOUT = 60.0


class ForkedTask:
    """A task forked by the zygote, which reports its exit code over the connection."""

    def __init__(self, pid: int, conn: socket.socket, pending: bytes):
        self.pid, self._conn, self._buffer = pid, conn, pending
        self.returncode: int | None = None
        conn.setblocking(False)

    def poll(self) -> int | None:
        if self.returncode is not None:
            return self.returncode
        try:
            chunk = self._conn.recv(256)
        except BlockingIOError:
            return None
        self._buffer += chunk
        if b"\n" in self._buffer:
            self.returncode = int(self._buffer.split(b"\n", 1)[0].split()[1])
        elif not chunk:
            self.returncode = -9  # the launcher went away with the task: it was killed with it
        if self.returncode is not None:
            self._conn.close()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("task", timeout)
            time.sleep(0.05)
        return self.returncode


class Zygote:
    def __init__(self, python: str, folder: Path, env: dict[str, str], wrap: Wrap | None = None):
        """`wrap`: the mounts the launcher, and so every task it forks, runs in."""
        self.socket_path = folder / "launcher.sock"
        argv = [python, str(ZYGOTE_MAIN), str(self.socket_path)]
        with (folder / "launcher.log").open("ab") as log:
            self.process = subprocess.Popen(wrap(argv, folder) if wrap else argv, cwd=folder, env=env,
                                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)

    def _ready(self) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT
        while not self.socket_path.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return self.process.poll() is None

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def fork(self, argv: list[str], cwd: Path, env: dict[str, str], stdout: Path, stderr: Path,
             prefix: Path | None = None) -> ForkedTask | None:
        """The task forked from the warm launcher, inside the environment at prefix if given; None
        if the launcher cannot serve it (start it afresh then)."""
        if not self._ready():
            return None
        request = {"argv": argv, "cwd": str(cwd), "env": env, "stdout": str(stdout), "stderr": str(stderr),
                   "prefix": str(prefix) if prefix else None}
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.settimeout(30)
            conn.connect(str(self.socket_path))
            conn.sendall(json.dumps(request).encode() + b"\n")
            reply = b""
            while b"\n" not in reply:
                chunk = conn.recv(256)
                if not chunk:
                    break
                reply += chunk
        except OSError:
            conn.close()
            return None
        line, _, rest = reply.partition(b"\n")
        if not line.startswith(b"pid "):  # `stale`: a library installed since shadows a warm module
            conn.close()
            return None
        return ForkedTask(int(line.split()[1]), conn, rest)


def start_task(zygote: Zygote | None, python: str, argv: list[str], cwd: Path, env: dict[str, str],
               stdout: Path, stderr: Path, prefix: Path | None = None, wrap: Wrap | None = None):
    """The task's process: forked when possible (into the environment at prefix), else a fresh
    interpreter (`python`) in a session of its own, inside the mounts `wrap` gives."""
    forked = zygote.fork(argv, cwd, env, stdout, stderr, prefix) if zygote is not None else None
    if forked is not None:
        return forked
    with stdout.open("ab") as out, stderr.open("ab") as err:
        command = [python, *argv]
        return subprocess.Popen(wrap(command, cwd) if wrap else command, cwd=cwd, env=env, stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL, start_new_session=True)
