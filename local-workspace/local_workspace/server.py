"""Running a workspace: in the foreground (serve), or in the background (start/stop/status)."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import NoReturn

from local_workspace.compute.lean_process import end_without_teardown
from local_workspace.config import WorkspaceDirs
from local_workspace.private_files import write_private_json
from local_workspace.profiles import load_or_create_profile, stored_profile

BIND = "127.0.0.1"  # never another interface
DEFAULT_PORT = 8799
log = logging.getLogger("local_workspace")


def serve(root: Path, port: int = DEFAULT_PORT, token: str | None = None, profile: str | None = None) -> NoReturn:
    """Serves until SIGINT/SIGTERM, then cancels active runs, stops clusters cleanly and ends the process."""
    from werkzeug.serving import make_server

    from local_workspace.app import Workspace

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    workspace = Workspace(root, token, profile)
    server = make_server(BIND, port, None, threaded=True)
    workspace.port = server.server_port
    server.app = workspace.wsgi()
    state = {"pid": os.getpid(), "port": workspace.port, "url": workspace.base_url()}
    write_private_json(workspace.dirs.server_file, state)  # at once: clients poll for this file
    stopping = threading.Event()

    def stop(*_):
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    log.info("Local Databricks workspace at %s (folder %s), profile %s", workspace.base_url(), workspace.dirs.root,
             workspace.profile.describe())
    print(f"Local Databricks workspace listening on {workspace.base_url()}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        workspace.close()
        workspace.dirs.server_file.unlink(missing_ok=True)
        log.info("Workspace stopped")
    # The workspace has closed its runs, clusters and database: the teardown of MLflow's,
    # SQLAlchemy's and pandas' modules would cost about 1.5 s of CPU at every stop, for nothing.
    end_without_teardown(0)


def running(root: Path) -> dict | None:
    """The running server's pid, port and url, or None."""
    state_file = WorkspaceDirs(Path(root).resolve()).server_file
    if not state_file.is_file():
        return None
    state = json.loads(state_file.read_text())
    try:
        os.kill(state["pid"], 0)
    except OSError:
        return None
    return state


def start(root: Path, port: int = DEFAULT_PORT, token: str | None = None, timeout: float = 60.0,
          profile: str | None = None) -> dict:
    """Starts `serve` in the background; returns its state once it answers."""
    root = Path(root).resolve()
    if profile and stored_profile(root):
        load_or_create_profile(root, profile)  # a profile other than the folder's is refused, running or not
    found = running(root)
    if found:
        return found
    dirs = WorkspaceDirs(root).create()
    load_or_create_profile(root, profile)
    dirs.server_file.unlink(missing_ok=True)
    command = [sys.executable, "-m", "local_workspace", "serve", "--dir", str(root), "--port", str(port)]
    if profile:
        command += ["--profile", profile]
    env = dict(os.environ)
    if token:
        env["LOCAL_WORKSPACE_TOKEN"] = token  # not on the command line, where `ps` would show it
    with dirs.log_file.open("ab") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env=env, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = dirs.log_file.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"The workspace exited with code {process.returncode}:\n{tail}")
        found = running(root)
        if found:
            return found
        time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"The workspace did not start within {timeout:.0f} s; see {dirs.log_file}")


def stop(root: Path, timeout: float = 60.0) -> bool:
    """Stops the background server; False if none was running."""
    found = running(root)
    if not found:
        return False
    os.kill(found["pid"], signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(found["pid"], 0)
        except OSError:
            return True
        time.sleep(0.1)
    os.kill(found["pid"], signal.SIGKILL)
    return True
