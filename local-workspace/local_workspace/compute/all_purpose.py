"""All-purpose clusters: started by a person or the API, long-lived, shared by runs and commands.

Their life cycle (Clusters API 2.0/2.1): create, edit, start, restart, delete (terminate),
permanent-delete; PENDING -> RUNNING -> (RESTARTING) -> TERMINATING -> TERMINATED, or ERROR.
A background reaper terminates clusters idle longer than their autotermination_minutes.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from typing import Callable

from local_workspace.compute.cluster import ClusterError, ClusterManager, LocalCluster
from local_workspace.errors import InvalidParameterValue, InvalidState
from local_workspace.services.jobs.settings import check_cluster_spec
from local_workspace.store import dumps

STATE_WORDS = {"PENDING": "Pending", "RUNNING": "Running", "RESTARTING": "Restarting", "TERMINATING": "Terminating",
               "TERMINATED": "Terminated", "ERROR": "Error"}
REAP_EVERY = 10.0
START_WAIT = 300.0


class AllPurposeClusters:
    def __init__(self, manager: ClusterManager, on_start: Callable[[LocalCluster], None] | None = None):
        """`on_start`: called with each cluster once it runs (e.g. to install its libraries)."""
        self.manager = manager
        self.on_start = on_start
        # Called with (cluster_id, why) before a cluster ends under its users: e.g. fail the runs on it.
        self.on_terminate: list[Callable[[str, str], None]] = []
        self._stop = threading.Event()
        self._settling: set[str] = set()  # started, its libraries still installing
        self._reaper = threading.Thread(target=self._reap, name="cluster-reaper", daemon=True)
        self._reaper.start()

    # --- the API -------------------------------------------------------------------------------

    def create(self, spec: dict, source: str = "API") -> str:
        spec = self._checked(spec)
        cluster_id = self.manager.create_record(None, spec["cluster_name"], spec, source)
        self._in_background(lambda: self._boot(cluster_id))
        return cluster_id

    def edit(self, cluster_id: str, spec: dict) -> None:
        row = self.checked_row(cluster_id)
        if row["state"] not in ("RUNNING", "TERMINATED"):
            raise InvalidState(f"Cluster {cluster_id} is in unexpected state {STATE_WORDS[row['state']]}.")
        spec = self._checked(spec)
        self.manager.set_state(cluster_id, spec=dumps(spec), cluster_name=spec["cluster_name"])
        self.manager.event(cluster_id, "EDITED", {"previous_attributes": _attributes(json.loads(row["spec"])),
                                                  "attributes": _attributes(spec)})
        if row["state"] == "RUNNING":  # as on Databricks, a running cluster restarts with its new spec
            self.restart(cluster_id)

    def start(self, cluster_id: str) -> None:
        row = self.checked_row(cluster_id)
        if row["state"] != "TERMINATED":
            raise InvalidState(f"Cluster {cluster_id} is in unexpected state {STATE_WORDS[row['state']]}.")
        self.manager.set_state(cluster_id, state="PENDING", state_message="Starting the Spark driver",
                               start_time=_ms())
        self._in_background(lambda: self._boot(cluster_id))

    def restart(self, cluster_id: str) -> None:
        row = self.checked_row(cluster_id)
        if row["state"] != "RUNNING":
            raise InvalidState(f"Cluster {cluster_id} is in unexpected state {STATE_WORDS[row['state']]}.")
        self.manager.set_state(cluster_id, state="RESTARTING", state_message="Restarting the Spark driver")
        self.manager.event(cluster_id, "RESTARTING")
        for hook in self.on_terminate:
            hook(cluster_id, "was restarted")

        def restart() -> None:
            live = self.manager.live(cluster_id)
            if live is not None:
                live.terminate()
            self._boot(cluster_id)

        self._in_background(restart)

    def delete(self, cluster_id: str, message: str = "Terminated by the user", reason: str = "USER_REQUEST") -> None:
        """Terminates the cluster (Clusters API `delete`); it can be started again."""
        row = self.checked_row(cluster_id)
        if row["state"] in ("TERMINATING", "TERMINATED"):
            return
        self.manager.set_state(cluster_id, state="TERMINATING", state_message=message)
        for hook in self.on_terminate:
            hook(cluster_id, "was terminated")
        self._in_background(lambda: self._terminate(cluster_id, message, reason))

    def permanent_delete(self, cluster_id: str) -> None:
        self.checked_row(cluster_id)
        for hook in self.on_terminate:
            hook(cluster_id, "was permanently deleted")
        self._terminate(cluster_id, "Permanently deleted", "USER_REQUEST")
        with self.manager.db.transaction() as conn:
            for table in ("clusters", "cluster_events", "cluster_libraries"):
                conn.execute(f"DELETE FROM {table} WHERE cluster_id = ?", (cluster_id,))
        shutil.rmtree(self.manager.dirs.clusters / cluster_id, ignore_errors=True)

    # --- for runs and commands ----------------------------------------------------------------

    def ensure_running(self, cluster_id: str, timeout: float = START_WAIT) -> LocalCluster:
        """The running cluster, started first if it was terminated (as Databricks does for a run)."""
        self.checked_row(cluster_id)
        deadline, asked = time.monotonic() + timeout, False
        while True:
            row = self.manager.db.one("SELECT * FROM clusters WHERE cluster_id = ?", (cluster_id,))
            if row is None:
                raise ClusterError(f"Cluster {cluster_id} was permanently deleted")
            live = self.manager.live(cluster_id)
            if row["state"] == "RUNNING" and live is not None and cluster_id not in self._settling:
                return live
            if row["state"] == "TERMINATED" and not asked:
                asked = True
                try:
                    self.start(cluster_id)
                except InvalidState:
                    pass  # someone else started it meanwhile
            elif row["state"] in ("TERMINATED", "ERROR"):
                raise ClusterError(f"Cluster {cluster_id} could not start: {row['state_message']}")
            if time.monotonic() > deadline:
                raise ClusterError(f"Cluster {cluster_id} did not start within {timeout:.0f} s")
            time.sleep(0.1)

    def stop(self) -> None:
        self._stop.set()

    # --- inside ---------------------------------------------------------------------------------

    def _checked(self, spec: dict) -> dict:
        if not isinstance(spec, dict):
            raise InvalidParameterValue("The cluster spec must be an object")
        spec = {k: v for k, v in spec.items() if k not in ("cluster_id",)}
        check_cluster_spec(spec, "Cluster")
        minutes = spec.get("autotermination_minutes", 0)
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 0:
            raise InvalidParameterValue(f"autotermination_minutes must be 0 (never) or a number of minutes, "
                                        f"got {minutes!r}")
        spec.setdefault("cluster_name", "")
        if not isinstance(spec["cluster_name"], str):
            raise InvalidParameterValue("cluster_name must be a string")
        return spec

    def checked_row(self, cluster_id: str):
        if not isinstance(cluster_id, str) or not cluster_id:
            raise InvalidParameterValue("Missing required field: cluster_id")
        try:
            row = self.manager.row(cluster_id)
        except Exception:
            raise InvalidParameterValue(f"Cluster {cluster_id} does not exist") from None
        if row["cluster_source"] == "JOB":
            raise InvalidParameterValue(f"Cluster {cluster_id} was created by a job run and cannot be managed "
                                        "with the Clusters API")
        return row

    def _boot(self, cluster_id: str) -> None:
        self._settling.add(cluster_id)
        try:
            cluster = self.manager.boot(cluster_id, warm=True, launcher_at_first_task=True)
            if self.manager.db.one("SELECT 1 FROM clusters WHERE cluster_id = ?", (cluster_id,)) is None:
                cluster.terminate()  # permanently deleted while it started
                return
            if self.on_start is not None:
                self.on_start(cluster)
        except ClusterError:
            return  # recorded TERMINATED with its message
        finally:
            self._settling.discard(cluster_id)

    def _terminate(self, cluster_id: str, message: str, reason: str) -> None:
        live = self.manager.live(cluster_id)
        if live is not None:
            self.manager.terminate(live, message, reason)
        else:
            self.manager.set_state(cluster_id, state="TERMINATED", state_message=message, terminated_time=_ms(),
                                   pid=None)

    @staticmethod
    def _in_background(work: Callable[[], None]) -> None:
        threading.Thread(target=work, name="cluster-lifecycle", daemon=True).start()

    def _reap(self) -> None:
        """Terminates running all-purpose clusters idle longer than their autotermination_minutes."""
        while not self._stop.wait(REAP_EVERY):
            for cluster in self.manager.live_clusters():
                minutes = cluster.spec.get("autotermination_minutes") or 0
                if not minutes or cluster.busy():
                    continue
                if time.monotonic() - cluster.last_activity > minutes * 60:
                    try:
                        self.delete(cluster.cluster_id, f"Inactive cluster terminated (inactive for {minutes} minutes).",
                                    "INACTIVITY")
                    except Exception:  # noqa: BLE001 - a job cluster, or one gone meanwhile
                        pass


def _attributes(spec: dict) -> dict:
    return {k: v for k, v in spec.items() if k in ("cluster_name", "spark_version", "node_type_id", "num_workers",
                                                   "autotermination_minutes", "spark_env_vars", "spark_conf")}


def _ms() -> int:
    return int(time.time() * 1000)
