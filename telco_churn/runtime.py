"""A job's connection to the platform: Spark engine, lakehouse, MLflow and feature store."""

from __future__ import annotations

import time
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from telco_churn.engine import Engine, resolve_engine, start_engine
from telco_churn.logging_setup import get_logger
from telco_churn.paths import local_workspace_dir
from telco_churn.tracking import TrackingStore

if TYPE_CHECKING:
    from telco_churn.config.environment import EnvSettings
    from telco_churn.feature_store.base import FeatureStore
    from telco_churn.lakehouse import Lakehouse

log = get_logger("runtime")


class Runtime:
    """One engine shared by every job run in this process; stop it with close().

    workspace_dir holds the local lakehouse and MLflow store (engines sail and classic); on a
    Spark Connect cluster it is the cluster's warehouse, and MLflow is the cluster's.
    """

    def __init__(self, engine: Engine, workspace_dir: Path | None):
        self.engine = engine
        self.workspace_dir = workspace_dir

    @property
    def _tables_dir(self) -> Path:
        return self.workspace_dir if self.engine.kind == "connect" else self.workspace_dir / "tables"

    @property
    def spark(self):
        return self.engine.spark

    @cached_property
    def lakehouse(self) -> "Lakehouse":
        if self.engine.kind == "databricks":
            from telco_churn.lakehouse.catalog import CatalogLakehouse

            return CatalogLakehouse(self.spark)
        from telco_churn.lakehouse.local import LocalLakehouse

        return LocalLakehouse(self.spark, self._tables_dir)

    def tracking(self, env: "EnvSettings") -> TrackingStore:
        if self.engine.kind == "databricks":
            return TrackingStore.databricks(unity_catalog=env.catalog is not None)
        if self.engine.kind == "connect":
            return TrackingStore.from_environment(unity_catalog=env.catalog is not None)
        return TrackingStore.local(self.workspace_dir)

    def feature_store(self, env: "EnvSettings") -> "FeatureStore":
        if self.engine.kind == "databricks":
            from telco_churn.feature_store.databricks import DatabricksFeatureStore

            return DatabricksFeatureStore(self.spark, unity_catalog=env.catalog is not None)
        from telco_churn.feature_store.local import LocalFeatureStore

        metadata = self._tables_dir / "_feature_store" if self.engine.kind == "connect" else self.workspace_dir / "feature_store"
        return LocalFeatureStore(self.lakehouse, metadata)

    def close(self) -> None:
        self.engine.stop()


def start_runtime(engine: str | None = None, workspace_dir: str | Path | None = None) -> Runtime:
    kind = resolve_engine(engine)
    started = time.perf_counter()
    running = start_engine(kind)
    if kind == "connect":
        from telco_churn.engine.connect import warehouse_dir

        folder = warehouse_dir()
    else:
        folder = None if kind == "databricks" else local_workspace_dir(workspace_dir)
    where = f", {running.description}" if running.description else (f", workspace {folder}" if folder else "")
    runtime = Runtime(running, folder)
    if folder is not None:
        runtime.lakehouse  # registers the tables already on disk, so spark.table(name) finds them
    log.info("Engine: %s (started in %.1f s%s)", kind, time.perf_counter() - started, where)
    return runtime


@contextmanager
def open_runtime(engine: str | None = None, workspace_dir: str | Path | None = None) -> Iterator[Runtime]:
    runtime = start_runtime(engine, workspace_dir)
    try:
        yield runtime
    finally:
        runtime.close()
