"""Local clusters: a fresh Python environment over the runtime's libraries, plus a Spark Connect
driver of its own. Tasks run in it as processes with the environment a cluster gives them."""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import subprocess
import sys
import sysconfig
import threading
import time
from pathlib import Path
from typing import Callable

from local_workspace.compute.launcher import Zygote, start_task
from local_workspace.compute.processes import end_processes_under, kill_group
from local_workspace.config import WorkspaceDirs
from local_workspace.errors import ResourceDoesNotExist
from local_workspace.store import Database, dumps

HERE = Path(__file__).resolve().parent
CLUSTER_MAIN = HERE / "cluster_main.py"
TASK_MAIN = HERE / "task_main.py"
START_TIMEOUT = 120.0
BASE_PATH = "/usr/local/bin:/usr/bin:/bin"
# Not `log`: the methods below name their log files so.
logger = logging.getLogger("local_workspace")


class ClusterError(Exception):
    """A cluster could not start."""


class LibraryError(ClusterError):
    """A library could not be installed on a cluster."""


def runtime_site_packages() -> list[str]:
    """The libraries every cluster sees: the workspace's own environment, as the ML runtime's.

    A plain path in a .pth file adds them without running their .pth hooks, so an editable
    checkout installed there (the project under development) is not visible on clusters:
    tasks see only the wheels attached to them.
    """
    paths = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    return sorted(p for p in paths if os.path.isdir(p))


def _base_python() -> str:
    return getattr(sys, "_base_executable", None) or sys.executable


def _uv() -> list[str]:
    beside = Path(sys.executable).parent / "uv"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("uv")
    return [found] if found else [sys.executable, "-m", "uv"]


def make_environment(env_dir: Path) -> None:
    """A fresh virtualenv that sees the runtime's libraries: a cluster's, or the warm launcher's."""
    made = subprocess.run([_base_python(), "-m", "venv", "--without-pip", str(env_dir)], capture_output=True, text=True)
    if made.returncode:
        raise ClusterError(f"Could not create the cluster's Python environment: {made.stderr.strip()[-2000:]}")
    site_packages = next((env_dir / "lib").glob("python3*/site-packages"))
    (site_packages / "_runtime_libraries.pth").write_text("\n".join(runtime_site_packages()) + "\n")


class LocalCluster:
    def __init__(self, cluster_id: str, name: str, spec: dict, folder: Path, base_env: dict[str, str],
                 launcher: Zygote | None = None):
        self.cluster_id, self.name, self.spec, self.folder = cluster_id, name, spec, folder
        self.launcher = launcher  # the workspace's warm launcher, for tasks of packaged code
        self.env_dir = folder / "env"
        self.home = folder / "home"
        self.base_env = base_env
        self.process: subprocess.Popen | None = None
        self.spark_port: int | None = None
        self.installed: set[str] = set()
        self.lock = threading.Lock()

    @property
    def python(self) -> str:
        return str(self.env_dir / "bin" / "python")

    def start(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        (self.folder / "tmp").mkdir(exist_ok=True)
        make_environment(self.env_dir)
        port_file = self.folder / "spark_port"
        log = (self.folder / "driver.log").open("ab")
        self.process = subprocess.Popen([self.python, str(CLUSTER_MAIN), str(port_file)], cwd=self.folder,
                                        env=self.environment(), stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while not port_file.exists():
            if self.process.poll() is not None:
                tail = (self.folder / "driver.log").read_text(errors="replace")[-2000:]
                raise ClusterError(f"The cluster's Spark driver exited with code {self.process.returncode}: {tail}")
            if time.monotonic() > deadline:
                self.terminate()
                raise ClusterError(f"The cluster's Spark driver did not start within {START_TIMEOUT:.0f} s")
            time.sleep(0.05)
        self.spark_port = int(port_file.read_text())

    def environment(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """What a task sees: a clean environment, never the workspace's own."""
        env = {
            "PATH": f"{self.env_dir / 'bin'}:{BASE_PATH}", "HOME": str(self.home), "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8", "TMPDIR": str(self.folder / "tmp"), "PYTHONUNBUFFERED": "1",
            "DB_CLUSTER_ID": self.cluster_id, "DB_CLUSTER_NAME": self.name, "DB_IS_DRIVER": "TRUE",
            "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
            **self.base_env,
        }
        if self.spark_port:
            env["SPARK_REMOTE"] = f"sc://127.0.0.1:{self.spark_port}"
        env.update(self.spec.get("spark_env_vars", {}))
        env.update(extra or {})
        return env

    def install(self, specs: list[str], log_file: Path) -> None:
        """Installs libraries once per cluster (pip-style specs, wheel paths or `-r file`).

        pip runs with the cluster's interpreter, which sees the runtime's libraries: as on
        Databricks, a requirement the runtime already satisfies is not installed again.
        """
        with self.lock:
            todo = [s for s in specs if s not in self.installed]
            if not todo:
                return
            args = [arg for spec in todo for arg in (spec.split(" ", 1) if spec.startswith("-r ") else [spec])]
            command = [sys.executable, "-m", "pip", "--python", self.python, "install", "--disable-pip-version-check",
                       "--no-input", *args]
            env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
            with log_file.open("ab") as log:
                # Without the package index first: a cluster should not wait on it when it need not.
                done = subprocess.run([*command, "--no-index"], stdout=log, stderr=subprocess.STDOUT, env=env)
                if done.returncode:
                    done = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, env=env)
            if done.returncode:
                tail = log_file.read_text(errors="replace").strip().splitlines()[-12:]
                raise LibraryError(f"{', '.join(todo)}. Error messages:\n" + "\n".join(tail))
            self.installed.update(todo)

    def start_task(self, argv: list[str], cwd: Path, stdout: Path, stderr: Path):
        """A task's process with the cluster's environment (forked warm when possible)."""
        return start_task(self.launcher, self.python, argv, cwd, self.environment(), stdout, stderr, prefix=self.env_dir)

    def start_process(self, argv: list[str], cwd: Path, stdout: Path, stderr: Path,
                      env_extra: dict[str, str] | None = None):
        """Any other process of the cluster (a command context): its environment, plus env_extra."""
        return start_task(self.launcher, self.python, argv, cwd, self.environment(env_extra), stdout, stderr,
                          prefix=self.env_dir)

    def terminate(self) -> None:
        if self.process is not None:
            kill_group(self.process.pid, child=self.process)
            self.process.wait(timeout=10)
        shutil.rmtree(self.env_dir, ignore_errors=True)


class ClusterManager:
    def __init__(self, db: Database, dirs: WorkspaceDirs, base_env: Callable[[], dict[str, str]]):
        self.db, self.dirs, self.base_env = db, dirs, base_env
        self._live: dict[str, LocalCluster] = {}
        self._lock = threading.Lock()
        self._launcher: Zygote | None = None

    @property
    def launcher_dir(self) -> Path:
        return self.dirs.clusters / "launcher"

    def warm_launcher(self) -> Zygote | None:
        """The workspace's warm launcher, started on first need (None if it cannot start).

        One for all clusters: it imports the runtime's libraries once (about 4 s of CPU), and each
        task of packaged code is forked from it into its cluster's environment, instead of a fresh
        interpreter importing them again. It starts while the first cluster installs its libraries.
        """
        with self._lock:
            if self._launcher is not None and self._launcher.alive:
                return self._launcher
            folder = self.launcher_dir
            python = folder / "env" / "bin" / "python"
            folder.mkdir(exist_ok=True)
            try:
                if not python.exists():
                    make_environment(folder / "env")
            except ClusterError as exc:
                logger.warning("No warm launcher, tasks start as fresh interpreters: %s", exc)
                return None
            for stale in ("launcher.sock", "launcher.sock.tmp"):
                (folder / stale).unlink(missing_ok=True)
            env = {"PATH": BASE_PATH, "HOME": str(folder), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
                   "TMPDIR": str(folder), "PYTHONUNBUFFERED": "1"}
            self._launcher = Zygote(str(python), folder, env)
            return self._launcher

    def start(self, run_id: int | None, name: str, spec: dict, source: str = "JOB", warm: bool = False) -> LocalCluster:
        """A running cluster; `warm`: its tasks fork from the workspace's warm launcher."""
        cluster_id = f"{time.strftime('%m%d-%H%M%S')}-{secrets.token_hex(4)}"
        folder = self.dirs.clusters / cluster_id
        folder.mkdir(parents=True)
        cluster = LocalCluster(cluster_id, name, spec, folder, self.base_env(),
                               launcher=self.warm_launcher() if warm else None)
        started = int(time.time() * 1000)
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO clusters (cluster_id, run_id, cluster_name, spec, state, start_time, cluster_source) "
                         "VALUES (?, ?, ?, ?, 'PENDING', ?, ?)", (cluster_id, run_id, name, dumps(spec), started, source))
        with self._lock:
            self._live[cluster_id] = cluster
        try:
            cluster.start()
        except ClusterError as exc:
            self._set(cluster_id, state="TERMINATED", state_message=str(exc)[-1000:], terminated_time=_ms())
            with self._lock:
                self._live.pop(cluster_id, None)
            raise
        self._set(cluster_id, state="RUNNING", pid=cluster.process.pid, spark_port=cluster.spark_port)
        return cluster

    def live_cluster(self, cluster_id: str) -> LocalCluster | None:
        """The running cluster of that id, if this workspace runs it."""
        with self._lock:
            return self._live.get(cluster_id)

    def terminate(self, cluster: LocalCluster, message: str = "Job run finished") -> None:
        self._set(cluster.cluster_id, state="TERMINATING")
        cluster.terminate()
        self._set(cluster.cluster_id, state="TERMINATED", state_message=message, terminated_time=_ms())
        with self._lock:
            self._live.pop(cluster.cluster_id, None)

    def _set(self, cluster_id: str, **fields) -> None:
        columns = ", ".join(f"{k} = ?" for k in fields)
        with self.db.transaction() as conn:
            conn.execute(f"UPDATE clusters SET {columns} WHERE cluster_id = ?", (*fields.values(), cluster_id))

    def get(self, cluster_id: str) -> dict:
        row = self.db.one("SELECT * FROM clusters WHERE cluster_id = ?", (cluster_id,))
        if row is None:
            raise ResourceDoesNotExist(f"Cluster {cluster_id} does not exist")
        return self._render(row)

    def list(self) -> list[dict]:
        return [self._render(r) for r in self.db.query("SELECT * FROM clusters ORDER BY start_time DESC LIMIT 100")]

    def _render(self, row) -> dict:
        spec = json.loads(row["spec"])
        out = {**{k: v for k, v in spec.items() if k in ("spark_version", "node_type_id", "num_workers",
                                                          "spark_env_vars", "spark_conf", "data_security_mode",
                                                          "custom_tags", "driver_node_type_id")},
               "cluster_id": row["cluster_id"], "cluster_name": row["cluster_name"], "state": row["state"],
               "state_message": row["state_message"], "start_time": row["start_time"],
               "cluster_source": row["cluster_source"], "creator_user_name": "", "spark_context_id": 0}
        out.setdefault("num_workers", 0)
        if row["terminated_time"]:
            out["terminated_time"] = row["terminated_time"]
        if row["spark_port"] and row["state"] == "RUNNING":
            out["driver"] = {"host_private_ip": "127.0.0.1", "private_ip": "127.0.0.1"}
        return out

    def end_orphans(self, message: str) -> None:
        """After a crash: ends the drivers and the launcher a dead workspace left running, and records it."""
        end_processes_under(self.launcher_dir)
        for row in self.db.query("SELECT * FROM clusters WHERE state IN ('PENDING', 'RUNNING', 'TERMINATING')"):
            end_processes_under(self.dirs.clusters / row["cluster_id"])  # driver, pip
            shutil.rmtree(self.dirs.clusters / row["cluster_id"] / "env", ignore_errors=True)
            self._set(row["cluster_id"], state="TERMINATED", state_message=message, terminated_time=_ms())

    def stop_all(self) -> None:
        with self._lock:
            live, launcher, self._launcher = list(self._live.values()), self._launcher, None
        for cluster in live:
            self.terminate(cluster, "The workspace stopped")
        if launcher is not None:
            kill_group(launcher.process.pid, grace=2.0, child=launcher.process)


def _ms() -> int:
    return int(time.time() * 1000)
