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
    """One engine shared by every job run in this process; stop it with close()."""

    def __init__(self, engine: Engine, workspace_dir: Path | None):
        self.engine = engine
        self.workspace_dir = workspace_dir

    @property
    def spark(self):
        return self.engine.spark

    @cached_property
    def lakehouse(self) -> "Lakehouse":
        if self.engine.kind == "databricks":
            from telco_churn.lakehouse.catalog import CatalogLakehouse

            return CatalogLakehouse(self.spark)
        from telco_churn.lakehouse.local import LocalLakehouse

        return LocalLakehouse(self.spark, self.workspace_dir / "tables")

    def tracking(self, env: "EnvSettings") -> TrackingStore:
        if self.engine.kind == "databricks":
            return TrackingStore.databricks(unity_catalog=env.catalog is not None)
        return TrackingStore.local(self.workspace_dir)

    def feature_store(self, env: "EnvSettings") -> "FeatureStore":
        if self.engine.kind == "databricks":
            from telco_churn.feature_store.databricks import DatabricksFeatureStore

            return DatabricksFeatureStore(self.spark, unity_catalog=env.catalog is not None)
        from telco_churn.feature_store.local import LocalFeatureStore

        return LocalFeatureStore(self.lakehouse, self.workspace_dir / "feature_store")

    def close(self) -> None:
        self.engine.stop()


def start_runtime(engine: str | None = None, workspace_dir: str | Path | None = None) -> Runtime:
    kind = resolve_engine(engine)
    started = time.perf_counter()
    running = start_engine(kind)
    folder = None if kind == "databricks" else local_workspace_dir(workspace_dir)
    where = f", workspace {folder}" if folder else ""
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
