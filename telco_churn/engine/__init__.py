"""Chooses and starts the Spark engine: Databricks, a Spark Connect cluster, embedded Sail, or
classic local Spark."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

ENGINES = ("auto", "sail", "classic", "databricks", "connect")
SPARK_REMOTE_VAR = "SPARK_REMOTE"  # set on a cluster that serves Spark over Spark Connect
ENGINE_ENV_VAR = "TELCO_CHURN_ENGINE"
# Spark Connect sessions we open (embedded Sail, a cluster's): without this, pyspark captures the
# Python call site of every DataFrame and Column call, and tries to import IPython each time;
# where IPython is absent that failed import searches sys.path again on every call. It was 16%
# of a job's CPU in our tests. It only adds the call site to server-side error context.
CONNECT_CLIENT_CONF = {"spark.python.sql.dataFrameDebugging.enabled": "false"}


@dataclass
class Engine:
    kind: str
    spark: "SparkSession"
    _stop: Callable[[], None] = field(repr=False)
    stopped: bool = False

    description: str = ""
    # False for Databricks Connect: the engine runs on a remote cluster, which cannot open a
    # path of this machine; files must then be read here and sent as data.
    sees_client_files: bool = True

    @property
    def is_local(self) -> bool:
        return self.kind in ("sail", "classic")

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self._stop()


def on_databricks() -> bool:
    """A Databricks runtime: the cluster says so (DATABRICKS_RUNTIME_VERSION), in tasks, notebooks
    and execution contexts alike."""
    return "DATABRICKS_RUNTIME_VERSION" in os.environ


def resolve_engine(requested: str | None) -> str:
    """The engine to use: the explicit choice, else $TELCO_CHURN_ENGINE, else the session the
    place we run on gives: a cluster that serves its Spark session over Spark Connect names it
    ($SPARK_REMOTE), whatever its runtime version; a Databricks runtime without that address
    has its session in-process; anywhere else, this machine's engine.

    The session's address decides, not the runtime version: a runtime version says which
    libraries a cluster has, not how its Spark is reached."""
    kind = requested or os.environ.get(ENGINE_ENV_VAR) or "auto"
    if kind not in ENGINES:
        raise ValueError(f"unknown engine '{kind}'; valid: {', '.join(ENGINES)}")
    if kind == "auto":
        if os.environ.get(SPARK_REMOTE_VAR):
            return "connect"
        return "databricks" if on_databricks() else "sail"
    return kind


def start_engine(kind: str) -> Engine:
    """Starts the engine `kind` (already resolved); modules are imported only when chosen."""
    if kind == "sail":
        from telco_churn.engine.sail import start_sail

        return start_sail()
    if kind == "classic":
        from telco_churn.engine.classic import start_classic

        return start_classic()
    if kind == "databricks":
        from telco_churn.engine.databricks import start_databricks

        return start_databricks()
    if kind == "connect":
        from telco_churn.engine.connect import start_connect

        return start_connect()
    raise ValueError(f"cannot start engine '{kind}'")
