"""Libraries on all-purpose clusters (Libraries API 2.0): whl, pypi and requirements, each installed on
its own so that one that fails leaves the others, and the cluster, usable.

A library's status: PENDING (recorded; installed once the cluster runs) -> INSTALLING -> INSTALLED
or FAILED (with pip's error in messages); UNINSTALL_ON_RESTART after uninstall, gone at the next start.
A cluster's environment is made afresh at each start, so its libraries are installed again then.
"""

from __future__ import annotations

import json
import threading

from local_workspace.compute.all_purpose import AllPurposeClusters
from local_workspace.compute.cluster import ClusterManager, LibraryError, LocalCluster
from local_workspace.compute.dbfs_fuse import FuseView
from local_workspace.errors import InvalidParameterValue
from local_workspace.store import dumps

KINDS = ("whl", "pypi", "requirements")


def check_library(library: object) -> dict:
    """A library object as the API takes it; 400 naming what is wrong."""
    if not isinstance(library, dict) or len(library) != 1:
        raise InvalidParameterValue("Each library is an object with one kind, e.g. {\"whl\": \"dbfs:/...\"} or "
                                    "{\"pypi\": {\"package\": \"...\"}}")
    kind, value = next(iter(library.items()))
    if kind not in KINDS:
        raise InvalidParameterValue(f"{kind} libraries are not supported by this local workspace; use whl, pypi "
                                    "or requirements")
    if kind == "pypi" and not (isinstance(value, dict) and isinstance(value.get("package"), str) and value["package"]):
        raise InvalidParameterValue("A pypi library needs a package")
    if kind != "pypi" and not (isinstance(value, str) and value):
        raise InvalidParameterValue(f"A {kind} library needs a path")
    return {kind: value}


class ClusterLibraries:
    def __init__(self, manager: ClusterManager, all_purpose: AllPurposeClusters, fuse: FuseView):
        self.manager, self.all_purpose, self.fuse = manager, all_purpose, fuse
        all_purpose.on_start = self.install_attached

    def install(self, cluster_id: str, libraries: object) -> None:
        row = self.all_purpose.checked_row(cluster_id)
        if not isinstance(libraries, list) or not libraries:
            raise InvalidParameterValue("libraries must be a non-empty list")
        checked = [check_library(library) for library in libraries]
        with self.manager.db.transaction() as conn:
            last = conn.execute("SELECT COALESCE(MAX(position), 0) AS n FROM cluster_libraries WHERE cluster_id = ?",
                                (cluster_id,)).fetchone()["n"]
            for position, library in enumerate(checked, start=last + 1):
                conn.execute("INSERT INTO cluster_libraries (cluster_id, library, status, messages, position) "
                             "VALUES (?, ?, 'PENDING', '[]', ?) ON CONFLICT (cluster_id, library) DO UPDATE SET "
                             "status = CASE WHEN status = 'INSTALLED' THEN status ELSE 'PENDING' END, messages = '[]'",
                             (cluster_id, dumps(library), position))
        live = self.manager.live(cluster_id)
        if row["state"] == "RUNNING" and live is not None:
            threading.Thread(target=self.install_attached, args=(live, False), name=f"libraries-{cluster_id}", daemon=True).start()

    def uninstall(self, cluster_id: str, libraries: object) -> None:
        self.all_purpose.checked_row(cluster_id)
        if not isinstance(libraries, list):
            raise InvalidParameterValue("libraries must be a list")
        with self.manager.db.transaction() as conn:
            for library in libraries:
                conn.execute("UPDATE cluster_libraries SET status = 'UNINSTALL_ON_RESTART' WHERE cluster_id = ? "
                             "AND library = ?", (cluster_id, dumps(check_library(library))))

    def install_attached(self, cluster: LocalCluster, fresh: bool = True) -> None:
        """Installs the cluster's pending libraries, one by one; `fresh`: it has just started, with a
        new environment, so all of them (and those uninstalled are dropped)."""
        if fresh:
            with self.manager.db.transaction() as conn:
                conn.execute("DELETE FROM cluster_libraries WHERE cluster_id = ? AND status = 'UNINSTALL_ON_RESTART'",
                             (cluster.cluster_id,))
        rows = self.manager.db.query("SELECT library, status FROM cluster_libraries WHERE cluster_id = ? "
                                     "ORDER BY position", (cluster.cluster_id,))
        log_file = cluster.folder / "libraries.log"
        for row in rows:
            library = json.loads(row["library"])
            if row["status"] == "UNINSTALL_ON_RESTART":
                continue
            try:
                specs = self.fuse.library_specs([library])
            except ValueError as exc:
                self._set(cluster.cluster_id, row["library"], "FAILED", [str(exc)])
                continue
            if all(spec in cluster.installed for spec in specs):
                self._set(cluster.cluster_id, row["library"], "INSTALLED", [])
                continue
            self._set(cluster.cluster_id, row["library"], "INSTALLING", [])
            try:
                cluster.install(specs, log_file)
            except LibraryError as exc:
                self._set(cluster.cluster_id, row["library"], "FAILED",
                          [f"Library installation attempted on the driver node of cluster {cluster.cluster_id} and "
                           f"failed. Error message: {exc}"])
                continue
            self._set(cluster.cluster_id, row["library"], "INSTALLED", [])

    def _set(self, cluster_id: str, library: str, status: str, messages: list[str]) -> None:
        with self.manager.db.transaction() as conn:
            conn.execute("UPDATE cluster_libraries SET status = ?, messages = ? WHERE cluster_id = ? AND library = ?",
                         (status, json.dumps(messages), cluster_id, library))

    def cluster_status(self, cluster_id: str) -> dict:
        self.all_purpose.checked_row(cluster_id)
        rows = self.manager.db.query("SELECT * FROM cluster_libraries WHERE cluster_id = ? ORDER BY position",
                                     (cluster_id,))
        statuses = []
        for row in rows:
            status = {"library": json.loads(row["library"]), "status": row["status"],
                      "is_library_for_all_clusters": False}
            if json.loads(row["messages"]):
                status["messages"] = json.loads(row["messages"])
            statuses.append(status)
        return {"cluster_id": cluster_id, **({"library_statuses": statuses} if statuses else {})}

    def all_statuses(self) -> dict:
        ids = [r["cluster_id"] for r in self.manager.db.query(
            "SELECT DISTINCT cluster_id FROM cluster_libraries ORDER BY cluster_id")]
        return {"statuses": [self.cluster_status(cluster_id) for cluster_id in ids]} if ids else {}
