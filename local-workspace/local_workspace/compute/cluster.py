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
import venv
from pathlib import Path
from contextlib import contextmanager
from typing import Callable, Iterator

from local_workspace.compute.launcher import Zygote, start_task
from local_workspace.compute.mounts import Mounts
from local_workspace.compute.processes import end_processes_under, kill_group
from local_workspace.compute.runtime_rules import runtime_refusal
from local_workspace.compute.runtimes import Runtime, RuntimeBuildError, runtime_for
from local_workspace.compute.runtimes import environment as runtime_environment
from local_workspace.compute.runtimes import site_packages, uv_command
from local_workspace.compute.wheel_install import fast_wheels
from local_workspace.config import WorkspaceDirs
from local_workspace.errors import ResourceDoesNotExist
from local_workspace.store import Database, dumps

HERE = Path(__file__).resolve().parent
CLUSTER_MAIN = HERE / "cluster_main.py"
TASK_MAIN = HERE / "task_main.py"
RUNTIME_PATH = HERE / "runtime_path"  # the `dbruntime` package every cluster process can import
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


def runtime_libraries(runtime: Runtime | None) -> list[str]:
    """The folders of the runtime's libraries: its own environment (runtimes.py, built on first
    need), or the workspace's for a spark_version the table does not know."""
    if runtime is None:
        return runtime_site_packages()
    try:
        return [str(site_packages(runtime_environment(runtime)))]
    except RuntimeBuildError as exc:
        raise ClusterError(str(exc)) from None


def make_environment(env_dir: Path, runtime: Runtime | None = None) -> None:
    """A fresh virtualenv that sees the runtime's libraries: a cluster's, or the warm launcher's."""
    libraries = runtime_libraries(runtime)
    try:
        # What `python -m venv --without-pip` makes, over this interpreter's base Python, without
        # starting one more interpreter for it (0.08 CPU-s at every cluster start).
        venv.EnvBuilder(symlinks=True, with_pip=False).create(env_dir)
    except (OSError, ValueError, subprocess.CalledProcessError) as exc:
        raise ClusterError(f"Could not create the cluster's Python environment: {exc}") from None
    (site_packages(env_dir) / "_runtime_libraries.pth").write_text("\n".join([*libraries, str(RUNTIME_PATH)]) + "\n")


class LocalCluster:
    def __init__(self, cluster_id: str, name: str, spec: dict, folder: Path, base_env: dict[str, str],
                 launcher: Zygote | Callable[[], Zygote | None] | None = None, mounts: Mounts | None = None):
        """`launcher`: the workspace's warm launcher, for tasks of packaged code; or what starts it
        at the cluster's first task."""
        self.cluster_id, self.name, self.spec, self.folder = cluster_id, name, spec, folder
        self.runtime = runtime_for(spec.get("spark_version"))  # None: the workspace's own libraries
        self._launcher = launcher
        self._launcher_lock = threading.Lock()
        self.mounts = mounts  # /dbfs, /Workspace, /Volumes for every process of this cluster
        self.last_activity = time.monotonic()  # for autotermination
        self.users = 0  # tasks and contexts running on it now
        self.env_dir = folder / "env"
        self.home = folder / "home"
        self.base_env = base_env
        self.process: subprocess.Popen | None = None
        self.spark_port: int | None = None
        self.installed: set[str] = set()
        self.lock = threading.Lock()
        self._users_lock = threading.Lock()

    @property
    def python(self) -> str:
        return str(self.env_dir / "bin" / "python")

    @property
    def launcher(self) -> Zygote | None:
        with self._launcher_lock:
            if callable(self._launcher):
                self._launcher = self._launcher()
            return self._launcher

    def start(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        (self.folder / "tmp").mkdir(exist_ok=True)
        make_environment(self.env_dir, self.runtime)
        port_file = self.folder / "spark_port"
        port_file.unlink(missing_ok=True)
        log_file = self.folder / "driver.log"
        self.process = self.start_process([self.python, str(CLUSTER_MAIN), str(port_file)], self.folder,
                                          log_file, log_file)
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
        Databricks, a requirement the runtime already satisfies is not installed again. Wheels
        whose every requirement is met skip pip's start-up (wheel_install.py).
        """
        with self.lock:
            todo = [s for s in specs if s not in self.installed]
            if not todo:
                return
            args = [arg for spec in todo for arg in (spec.split(" ", 1) if spec.startswith("-r ") else [spec])]
            command = [sys.executable, "-m", "pip", "--python", self.python, "install", "--disable-pip-version-check",
                       "--no-input", *args]
            env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
            wheels = fast_wheels(todo, [site_packages(self.env_dir), *runtime_libraries(self.runtime)])
            with log_file.open("ab") as log:
                done = None
                if wheels:  # every requirement met by the runtime: only the wheels' files to unpack
                    log.write(b"Requirements already satisfied by the cluster; installing the wheel(s) only\n")
                    log.flush()
                    done = subprocess.run([*uv_command(), "pip", "install", "--python", self.python, "--no-deps",
                                           "--offline", *wheels], stdout=log, stderr=subprocess.STDOUT, env=env)
                if done is None or done.returncode:
                    # Without the package index first: a cluster should not wait on it when it need not.
                    done = subprocess.run([*command, "--no-index"], stdout=log, stderr=subprocess.STDOUT, env=env)
                if done.returncode:
                    done = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, env=env)
            if done.returncode:
                tail = log_file.read_text(errors="replace").strip().splitlines()[-12:]
                raise LibraryError(f"{', '.join(todo)}. Error messages:\n" + "\n".join(tail))
            self.installed.update(todo)

    def _wrap(self, argv: list[str], cwd: Path) -> list[str]:
        return self.mounts.wrap(argv, cwd) if self.mounts is not None else list(argv)

    def start_process(self, argv: list[str], cwd: Path, stdout: Path, stderr: Path,
                      env_extra: dict[str, str] | None = None) -> subprocess.Popen:
        """Any process of this cluster (argv[0] an executable, e.g. self.python): the cluster's
        environment and mounts, in a session of its own (kill_group ends it with its children)."""
        self.touch()
        with stdout.open("ab") as out, stderr.open("ab") as err:
            return subprocess.Popen(self._wrap(argv, cwd), cwd=cwd, env=self.environment(env_extra), stdout=out,
                                    stderr=err, stdin=subprocess.DEVNULL, start_new_session=True)

    def start_task(self, argv: list[str], cwd: Path, stdout: Path, stderr: Path):
        """A task's process with the cluster's environment (forked warm when possible)."""
        self.touch()
        return start_task(self.launcher, self.python, argv, cwd, self.environment(), stdout, stderr,
                          prefix=self.env_dir, wrap=self._wrap)

    @contextmanager
    def hold(self) -> Iterator[None]:
        """While a task or context runs on the cluster: it is busy, never idle."""
        with self._users_lock:
            self.users += 1
        try:
            yield
        finally:
            with self._users_lock:
                self.users -= 1
            self.touch()

    def busy(self) -> bool:
        return self.users > 0

    def touch(self) -> None:
        """The cluster was used now (autotermination counts idle time from here)."""
        self.last_activity = time.monotonic()

    def terminate(self) -> None:
        if self.process is not None:
            kill_group(self.process.pid, child=self.process)
            self.process.wait(timeout=10)
        shutil.rmtree(self.env_dir, ignore_errors=True)


ACTIVE_STATES = ("PENDING", "RUNNING", "RESTARTING", "TERMINATING")
MOUNTS_MISSING = ("No /dbfs, /Workspace or /Volumes mounts on this cluster: {reason}. Only /dbfs paths given "
                  "as task parameters are translated.")


class ClusterManager:
    def __init__(self, db: Database, dirs: WorkspaceDirs, base_env: Callable[[], dict[str, str]],
                 min_runtime: tuple[int, int] | None = None, mounts: dict[str, Path] | None = None):
        """`mounts`: the mount table (mounts.mount_table) every cluster process sees, where it can."""
        self.db, self.dirs, self.base_env = db, dirs, base_env
        self.min_runtime = min_runtime  # the workspace profile's floor (runtime_rules)
        self.mounts = Mounts(mounts) if mounts is not None else None
        if self.mounts is not None and not self.mounts.active:
            logger.warning("Clusters run without mounts: %s", self.mounts.reason)
        self._live: dict[str, LocalCluster] = {}
        self._lock = threading.Lock()
        self._launchers: dict[str | None, Zygote] = {}  # one per runtime (None: the workspace's libraries)

    @property
    def launcher_dir(self) -> Path:
        return self.dirs.clusters / "launcher"

    def launcher_dir_of(self, runtime: Runtime | None) -> Path:
        return self.launcher_dir if runtime is None else self.dirs.clusters / f"launcher-{runtime.name}"

    def warm_launcher(self, runtime: Runtime | None = None) -> Zygote | None:
        """The workspace's warm launcher, started on first need (None if it cannot start).

        One for all clusters: it imports the runtime's libraries once (about 4 s of CPU), and each
        task of packaged code is forked from it into its cluster's environment, instead of a fresh
        interpreter importing them again. It starts while the first job cluster installs its
        libraries (an all-purpose cluster's, at its first task: see boot).
        It runs inside the workspace's mounts, so every task it forks sees them. A runtime of
        runtimes.py has its own: a task forks only from a launcher over the same libraries.
        """
        with self._lock:
            launcher = self._launchers.get(runtime.name if runtime else None)
            if launcher is not None and launcher.alive:
                return launcher
            folder = self.launcher_dir_of(runtime)
            python = folder / "env" / "bin" / "python"
            folder.mkdir(exist_ok=True)
            try:
                if not python.exists():
                    make_environment(folder / "env", runtime)
            except ClusterError as exc:
                logger.warning("No warm launcher, tasks start as fresh interpreters: %s", exc)
                return None
            for stale in ("launcher.sock", "launcher.sock.tmp"):
                (folder / stale).unlink(missing_ok=True)
            env = {"PATH": BASE_PATH, "HOME": str(folder), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
                   "TMPDIR": str(folder), "PYTHONUNBUFFERED": "1"}
            wrap = self.mounts.wrap if self.mounts is not None and self.mounts.active else None
            launcher = self._launchers[runtime.name if runtime else None] = Zygote(str(python), folder, env, wrap=wrap)
            return launcher

    def create_record(self, run_id: int | None, name: str, spec: dict, source: str) -> str:
        """A new cluster's id and folder, recorded PENDING."""
        cluster_id = f"{time.strftime('%m%d-%H%M%S')}-{secrets.token_hex(4)}"
        (self.dirs.clusters / cluster_id).mkdir(parents=True)
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO clusters (cluster_id, run_id, cluster_name, spec, state, start_time, cluster_source) "
                         "VALUES (?, ?, ?, ?, 'PENDING', ?, ?)", (cluster_id, run_id, name, dumps(spec), _ms(), source))
        self.event(cluster_id, "CREATING")
        return cluster_id

    def start(self, run_id: int | None, name: str, spec: dict, source: str = "JOB", warm: bool = False) -> LocalCluster:
        """A running job cluster; `warm`: its tasks fork from the workspace's warm launcher."""
        return self.boot(self.create_record(run_id, name, spec, source), warm=warm)

    def boot(self, cluster_id: str, warm: bool = True, launcher_at_first_task: bool = False) -> LocalCluster:
        """Starts the recorded cluster's driver (its row is PENDING or RESTARTING); RUNNING once it listens.

        `launcher_at_first_task`: the warm launcher (if not running already) starts when the cluster
        gets its first task, not now: an all-purpose cluster often runs only commands and
        `dbx execute`, which never fork from it, and its imports cost about 4 s of CPU.

        Every cluster, job or all-purpose, passes here: a runtime below the profile's floor ends
        TERMINATED with the refusal as its state_message, and raises ClusterError."""
        row = self.db.one("SELECT * FROM clusters WHERE cluster_id = ?", (cluster_id,))
        spec = json.loads(row["spec"])
        refused = runtime_refusal(spec, self.min_runtime)
        if refused:
            self._set(cluster_id, state="TERMINATED", state_message=refused, terminated_time=_ms(), pid=None)
            self.event(cluster_id, "TERMINATING", {"reason": {"code": "INVALID_ARGUMENT", "type": "CLIENT_ERROR"}})
            raise ClusterError(refused)
        runtime = runtime_for(spec.get("spark_version"))
        launcher = None if not warm else (lambda: self.warm_launcher(runtime)) if launcher_at_first_task else \
            self.warm_launcher(runtime)
        cluster = LocalCluster(cluster_id, row["cluster_name"], spec, self.dirs.clusters / cluster_id,
                               self.base_env(), launcher=launcher, mounts=self.mounts)
        with self._lock:
            self._live[cluster_id] = cluster
        self.event(cluster_id, "STARTING")
        if self.mounts is not None and not self.mounts.active:
            self.event(cluster_id, "DBFS_DOWN", {"driver_state_message": MOUNTS_MISSING.format(reason=self.mounts.reason)})
        try:
            cluster.start()
        except ClusterError as exc:
            self._set(cluster_id, state="TERMINATED", state_message=str(exc)[-1000:], terminated_time=_ms(), pid=None)
            self.event(cluster_id, "TERMINATING", {"reason": {"code": "SPARK_STARTUP_FAILURE", "type": "CLIENT_ERROR"}})
            with self._lock:
                self._live.pop(cluster_id, None)
            raise
        self._set(cluster_id, state="RUNNING", state_message="", pid=cluster.process.pid, spark_port=cluster.spark_port,
                  terminated_time=0)
        self.event(cluster_id, "RUNNING")
        return cluster

    def live(self, cluster_id: str) -> LocalCluster | None:
        with self._lock:
            return self._live.get(cluster_id)

    def live_clusters(self) -> list[LocalCluster]:
        with self._lock:
            return list(self._live.values())

    def terminate(self, cluster: LocalCluster, message: str = "Job run finished",
                  reason: str = "JOB_FINISHED") -> None:
        self._set(cluster.cluster_id, state="TERMINATING")
        self.event(cluster.cluster_id, "TERMINATING", {"reason": {"code": reason, "type": "SUCCESS"}})
        cluster.terminate()
        self._set(cluster.cluster_id, state="TERMINATED", state_message=message, terminated_time=_ms(), pid=None)
        with self._lock:
            self._live.pop(cluster.cluster_id, None)

    def set_state(self, cluster_id: str, **fields) -> None:
        self._set(cluster_id, **fields)

    def _set(self, cluster_id: str, **fields) -> None:
        columns = ", ".join(f"{k} = ?" for k in fields)
        with self.db.transaction() as conn:
            conn.execute(f"UPDATE clusters SET {columns} WHERE cluster_id = ?", (*fields.values(), cluster_id))

    def event(self, cluster_id: str, kind: str, details: dict | None = None) -> None:
        """One entry of the cluster's event log (clusters/events)."""
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO cluster_events (cluster_id, timestamp, type, details) VALUES (?, ?, ?, ?)",
                         (cluster_id, _ms(), kind, dumps(details or {})))

    def events(self, cluster_id: str) -> list[dict]:
        self.row(cluster_id)
        return [{"cluster_id": cluster_id, "timestamp": r["timestamp"], "type": r["type"], "details": json.loads(r["details"])}
                for r in self.db.query("SELECT * FROM cluster_events WHERE cluster_id = ? ORDER BY timestamp DESC, rowid DESC",
                                       (cluster_id,))]

    def row(self, cluster_id: str):
        row = self.db.one("SELECT * FROM clusters WHERE cluster_id = ?", (cluster_id,))
        if row is None:
            raise ResourceDoesNotExist(f"Cluster {cluster_id} does not exist")
        return row

    def get(self, cluster_id: str) -> dict:
        return self._render(self.row(cluster_id))

    def list(self) -> list[dict]:
        return [self._render(r) for r in self.db.query("SELECT * FROM clusters ORDER BY start_time DESC LIMIT 100")]

    def _render(self, row) -> dict:
        spec = json.loads(row["spec"])
        out = {**{k: v for k, v in spec.items() if k in SPEC_FIELDS},
               "cluster_id": row["cluster_id"], "cluster_name": row["cluster_name"], "state": row["state"],
               "state_message": row["state_message"], "start_time": row["start_time"],
               "cluster_source": row["cluster_source"], "creator_user_name": "", "spark_context_id": 0}
        out.setdefault("num_workers", 0)
        if row["cluster_source"] != "JOB":
            out.setdefault("autotermination_minutes", 0)
        if row["terminated_time"]:
            out["terminated_time"] = row["terminated_time"]
        if row["spark_port"] and row["state"] == "RUNNING":
            out["driver"] = {"host_private_ip": "127.0.0.1", "private_ip": "127.0.0.1"}
        return out

    def end_orphans(self, message: str) -> None:
        """After a crash: ends the drivers and the launcher a dead workspace left running, and records it."""
        for folder in self.dirs.clusters.glob("launcher*"):
            end_processes_under(folder)
        marks = ", ".join("?" * len(ACTIVE_STATES))
        for row in self.db.query(f"SELECT * FROM clusters WHERE state IN ({marks})", ACTIVE_STATES):
            end_processes_under(self.dirs.clusters / row["cluster_id"])  # driver, pip
            shutil.rmtree(self.dirs.clusters / row["cluster_id"] / "env", ignore_errors=True)
            self._set(row["cluster_id"], state="TERMINATED", state_message=message, terminated_time=_ms(), pid=None)
            self.event(row["cluster_id"], "TERMINATING", {"reason": {"code": "COMMUNICATION_LOST", "type": "SERVICE_FAULT"}})

    def stop_all(self) -> None:
        with self._lock:
            live, launchers, self._launchers = list(self._live.values()), list(self._launchers.values()), {}
        for cluster in live:
            self.terminate(cluster, "The workspace stopped", reason="USER_REQUEST")
        for launcher in launchers:
            kill_group(launcher.process.pid, grace=2.0, child=launcher.process)


# What a cluster's spec gives back in clusters/get (what the Clusters API calls ClusterDetails).
SPEC_FIELDS = ("spark_version", "node_type_id", "num_workers", "autoscale", "spark_env_vars", "spark_conf",
               "data_security_mode", "custom_tags", "driver_node_type_id", "autotermination_minutes",
               "single_user_name", "runtime_engine", "policy_id", "instance_pool_id", "driver_instance_pool_id",
               "enable_elastic_disk", "enable_local_disk_encryption", "init_scripts", "ssh_public_keys",
               "cluster_log_conf", "aws_attributes", "azure_attributes", "gcp_attributes", "docker_image",
               "kind", "is_single_node", "use_ml_runtime", "workload_type", "apply_policy_default_values")


def _ms() -> int:
    return int(time.time() * 1000)
