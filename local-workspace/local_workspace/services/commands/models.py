"""Command Execution API 1.2: execution contexts (a Python interpreter each, on a running cluster,
compute/context_main.py, under compute/context_supervisor.py) and the commands run in them, one at
a time per context."""

from __future__ import annotations

import functools
import json
import os
import re
import secrets
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from local_workspace.compute.cluster import ClusterManager, LocalCluster
from local_workspace.compute.json_lines import read_line, send_line
from local_workspace.compute.processes import kill_group
from local_workspace.compute.runtimes import uv_command
from local_workspace.errors import InvalidParameterValue, InvalidState, ResourceDoesNotExist

CONTEXT_SUPERVISOR = Path(__file__).resolve().parents[2] / "compute" / "context_supervisor.py"
LANGUAGES = ("python", "scala", "sql", "r")
# A command that ends this soon is already Finished when commands/execute answers: a client's
# first poll finds it done (dbx polls every 5 s, the SDK after 1 s).
EXECUTE_GRACE = 1.0
CONNECT_TIMEOUT = 120.0  # a context restarting its interpreter (restartPython) or still starting


def runtime_version(spark_version: str) -> str | None:
    """DATABRICKS_RUNTIME_VERSION of a cluster: "17.3" for "17.3.x-cpu-ml-scala2.13"."""
    found = re.match(r"^(\d+\.\d+)", spark_version or "")
    return found.group(1) if found else None


@dataclass
class Context:
    id: str
    cluster_id: str
    folder: Path
    socket_path: Path
    process: object  # a Popen-like handle (pid, poll)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def status(self) -> str:
        if self.process.poll() is not None:
            return "Error"
        return "Running" if self.socket_path.exists() else "Pending"

    def interpreter_pid(self) -> int:
        """The context's Python (context_main.py writes it), not the mount namespace's launcher."""
        written = self.folder / "pid"
        return int(written.read_text()) if written.is_file() else self.process.pid


@dataclass
class Command:
    id: str
    context: Context
    status: str = "Queued"
    results: dict | None = None
    done: threading.Event = field(default_factory=threading.Event)


class CommandExecution:
    def __init__(self, clusters: ClusterManager, redact: Callable[[str], str]):
        self.clusters, self.redact = clusters, redact
        self._contexts: dict[str, Context] = {}
        self._commands: dict[str, Command] = {}
        self._lock = threading.Lock()
        self._sockets = 0

    def _running_cluster(self, cluster_id: str) -> LocalCluster:
        if not isinstance(cluster_id, str) or not cluster_id:
            raise InvalidParameterValue("Missing required field: clusterId")
        state = self.clusters.get(cluster_id)["state"]  # RESOURCE_DOES_NOT_EXIST for an unknown cluster
        cluster = self.clusters.live(cluster_id)
        if state != "RUNNING" or cluster is None:
            raise InvalidState(f"Cluster {cluster_id} is not running (its state is {state}); start it before "
                               "running commands on it")
        return cluster

    def _context(self, cluster_id: str, context_id: str) -> Context:
        self._running_cluster(cluster_id)
        found = self._contexts.get(context_id) if isinstance(context_id, str) else None
        if found is None or found.cluster_id != cluster_id:
            raise ResourceDoesNotExist(f"Context {context_id} does not exist on cluster {cluster_id}")
        return found

    def create_context(self, cluster_id: str, language: str, token: str | None = None) -> str:
        """A new context's id; `token`: the workspace token its code gets, if not the cluster's."""
        if language not in LANGUAGES:
            raise InvalidParameterValue(f"Invalid language '{language}'; must be one of {', '.join(LANGUAGES)}")
        if language != "python":
            raise InvalidParameterValue(f"Language '{language}' is not supported by this workspace; only python is")
        cluster = self._running_cluster(cluster_id)
        context_id = str(secrets.randbelow(9 * 10 ** 18) + 10 ** 18)
        folder = cluster.folder / "contexts" / context_id
        (folder / "lib").mkdir(parents=True)
        with self._lock:
            self._sockets += 1
            socket_path = cluster.folder / f"ctx{self._sockets}.sock"  # short: a unix socket path has 108 bytes
        spec = {"socket": str(socket_path), "python": cluster.python, "lib_dir": str(folder / "lib"),
                "dbfs_root": str(self.clusters.dirs.dbfs), "uv": uv_command(), "driver_pid": cluster.process.pid}
        (folder / "spec.json").write_text(json.dumps(spec))
        extra = {"DATABRICKS_RUNTIME_VERSION": runtime_version(cluster.spec.get("spark_version", "")),
                 "UV_CACHE_DIR": _uv_cache(), "DATABRICKS_TOKEN": token}
        process = cluster.start_process([cluster.python, str(CONTEXT_SUPERVISOR), str(folder / "spec.json")], folder, folder / "stdout",
                                        folder / "stderr", {k: v for k, v in extra.items() if v})
        with self._lock:
            self._contexts[context_id] = Context(context_id, cluster_id, folder, socket_path, process)
        return context_id

    def context_status(self, cluster_id: str, context_id: str) -> dict:
        return {"id": context_id, "status": self._context(cluster_id, context_id).status()}

    def destroy_context(self, cluster_id: str, context_id: str) -> None:
        """Ends the context's interpreter; destroying a context that no longer exists succeeds."""
        self._running_cluster(cluster_id)
        with self._lock:
            found = self._contexts.pop(context_id, None) if isinstance(context_id, str) else None
        if found is not None:
            _end(found.process)

    def execute(self, cluster_id: str, context_id: str, language: str, command: str) -> str:
        if language not in (None, "python"):
            raise InvalidParameterValue(f"Language '{language}' is not supported by this workspace; only python is")
        if not isinstance(command, str):
            raise InvalidParameterValue("Missing required field: command")
        context = self._context(cluster_id, context_id)
        if context.status() == "Error":
            raise InvalidState(f"Context {context_id} is not running: its Python process exited")
        job = Command(secrets.token_hex(16), context)
        with self._lock:
            self._commands[job.id] = job
        threading.Thread(target=self._run, args=(job, command), name=f"command-{job.id}", daemon=True).start()
        job.done.wait(EXECUTE_GRACE)
        return job.id

    def _run(self, job: Command, command: str) -> None:
        with job.context.lock:
            if job.status != "Queued":  # cancelled while it waited
                job.done.set()
                return
            job.status = "Running"
            try:
                answer, reason = _ask(job.context, {"command": command}), "it gave no answer"
            except (OSError, ValueError) as exc:
                answer, reason = None, str(exc)
            if answer is None:
                job.results = {"resultType": "error", "summary": "The execution context's Python process ended",
                               "cause": f"Context {job.context.id} ended while running this command: {reason}"}
                job.status = "Error"
            else:
                job.results = _redacted(answer["results"], self.redact)
                job.status = "Cancelled" if answer["cancelled"] else "Finished"
        job.done.set()

    def command_status(self, cluster_id: str, context_id: str, command_id: str) -> dict:
        job = self._command(cluster_id, context_id, command_id)
        body = {"id": job.id, "status": job.status}
        if job.results is not None:
            body["results"] = job.results
        return body

    def _command(self, cluster_id: str, context_id: str, command_id: str) -> Command:
        context = self._context(cluster_id, context_id)
        job = self._commands.get(command_id) if isinstance(command_id, str) else None
        if job is None or job.context is not context:
            raise ResourceDoesNotExist(f"Command {command_id} does not exist in context {context_id}")
        return job

    def cancel(self, cluster_id: str, context_id: str, command_id: str) -> None:
        """A queued command never runs; a running one gets SIGINT (KeyboardInterrupt in the context)."""
        job = self._command(cluster_id, context_id, command_id)
        if job.status == "Queued":
            job.status, job.results = "Cancelled", {"resultType": "error", "summary": "Command cancelled",
                                                    "cause": "CommandCancelledException"}
        elif job.status == "Running":
            job.status = "Cancelling"
            try:
                os.kill(job.context.interpreter_pid(), signal.SIGINT)
            except ProcessLookupError:
                pass


@functools.lru_cache(maxsize=1)
def _uv_cache() -> str | None:
    """This machine's uv cache, so that `%pip install --offline` finds what the workspace's own
    environment was installed from (a cluster's HOME is a folder of its own)."""
    import subprocess

    if os.environ.get("UV_CACHE_DIR"):
        return os.environ["UV_CACHE_DIR"]
    found = subprocess.run([*uv_command(), "cache", "dir"], capture_output=True, text=True)
    return found.stdout.strip() or None if found.returncode == 0 else None


def _redacted(value, redact: Callable[[str], str]):
    """Every string in a result (text, cause, summary, table cells) with secret values redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_redacted(v, redact) for v in value]
    if isinstance(value, dict):
        return {k: _redacted(v, redact) for k, v in value.items()}
    return value


def _ask(context: Context, request: dict) -> dict | None:
    """Sends one request to the context and waits for its answer; None if the context died."""
    deadline = time.monotonic() + CONNECT_TIMEOUT
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    while True:
        try:
            conn.connect(str(context.socket_path))
            break
        except (FileNotFoundError, ConnectionRefusedError):
            if context.process.poll() is not None or time.monotonic() > deadline:
                conn.close()
                return None
            time.sleep(0.02)
    with conn:
        send_line(conn, request)
        return read_line(conn)


def _end(process) -> None:
    try:
        leader = os.getpgid(process.pid) == process.pid
    except ProcessLookupError:
        return
    if leader:
        kill_group(process.pid, grace=2.0, child=process if hasattr(process, "communicate") else None)
    else:
        try:
            os.kill(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
