"""Chooses and starts the Spark engine: Databricks, embedded Sail, or classic local Spark."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

ENGINES = ("auto", "sail", "classic", "databricks")
ENGINE_ENV_VAR = "TELCO_CHURN_ENGINE"


@dataclass
class Engine:
    kind: str
    spark: "SparkSession"
    _stop: Callable[[], None] = field(repr=False)
    stopped: bool = False

    @property
    def is_local(self) -> bool:
        return self.kind in ("sail", "classic")

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self._stop()


def on_databricks() -> bool:
    return "DATABRICKS_RUNTIME_VERSION" in os.environ


def resolve_engine(requested: str | None) -> str:
    """The engine to use: the explicit choice, else $TELCO_CHURN_ENGINE, else by where we run."""
    kind = requested or os.environ.get(ENGINE_ENV_VAR) or "auto"
    if kind not in ENGINES:
        raise ValueError(f"unknown engine '{kind}'; valid: {', '.join(ENGINES)}")
    if kind == "auto":
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
    raise ValueError(f"cannot start engine '{kind}'")
