"""Shared fixtures: one embedded Sail engine for the whole session, isolated names per test."""

from __future__ import annotations

import json
import re
import shutil
import sys
import uuid
from pathlib import Path

import pandas as pd
import pytest

from telco_churn.config.environment import load_environment
from telco_churn.jobs import JOBS
from telco_churn.paths import DATA_FILE, default_env_file
from telco_churn.runtime import open_runtime

SAMPLE_ROWS = 800
pytest_plugins = ["tests.xdist_groups"]

# pytest-xdist's workers run with a __main__ that has no file, which pyspark's Spark Connect
# client takes for a doctest run (pyspark.sql.connect.utils.check_dependencies) and exits.
_main = sys.modules["__main__"]
if getattr(_main, "__spec__", None) is None and not hasattr(_main, "__file__"):
    _main.__file__ = "<pytest worker>"


@pytest.fixture(scope="session")
def workspace(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("workspace")


@pytest.fixture(scope="session")
def runtime(workspace):
    with open_runtime(engine="sail", workspace_dir=workspace) as rt:
        yield rt


@pytest.fixture(scope="session")
def sample_csv(tmp_path_factory) -> Path:
    """The first SAMPLE_ROWS customers of the real data, as raw text."""
    path = tmp_path_factory.mktemp("data") / "sample.csv"
    raw = pd.read_csv(DATA_FILE, dtype=str, keep_default_na=False)
    raw.head(SAMPLE_ROWS).to_csv(path, index=False)
    return path


class Sandbox:
    """An environment of its own (database, model, experiments) inside the shared workspace."""

    def __init__(self, runtime, tag: str):
        self.runtime = runtime
        self.tag = f"{re.sub(r'[^a-z0-9]+', '_', tag.lower())[:30]}_{uuid.uuid4().hex[:6]}"
        overrides = [
            f"database=db_{self.tag}",
            f"model_name=model_{self.tag}",
            f"experiments.training=/tests/{self.tag}/train",
            f"experiments.deployment=/tests/{self.tag}/deploy",
        ]
        self.env_args = ["--env", "local", *[x for kv in overrides for x in ("--env-set", kv)]]
        self.env = load_environment(default_env_file(), "local", overrides)

    def job(self, name: str, *args: str, env_set: tuple[str, ...] = ()):
        """Runs a job on the shared engine and returns its result; raises on failure."""
        extra = [x for kv in env_set for x in ("--env-set", kv)]
        job = JOBS[name]([*self.env_args, *extra, *args], self.runtime)
        return job.launch()

    def main(self, name: str, *args: str) -> int:
        return JOBS[name].main([*self.env_args, *args], self.runtime)

    def table(self, key: str) -> str:
        return self.env.table(key)

    def read(self, key: str) -> pd.DataFrame:
        return self.runtime.lakehouse.read(self.table(key)).toPandas()

    def delta_version(self, key: str) -> int:
        from deltalake import DeltaTable

        return DeltaTable(str(self.runtime.lakehouse.path_for(self.table(key)))).version()

    def registry(self, style: str | None = None):
        from telco_churn.registry import ModelRegistry

        self.runtime.tracking(self.env).activate()
        return ModelRegistry(self.env.registered_model_name, style or self.env.model_registry)

    def build_features(self, csv: Path) -> None:
        self.job("data-ingest", "--set", f"source={csv}", "--set", "mode=overwrite")
        self.job("feature-table-creation")

    def copy_built(self, source: "Sandbox") -> None:
        """The tables source.build_features left, as copies under this sandbox's names: the Delta
        folders as they are (data-ingest's record in bronze's commit included) and the feature
        table's metadata, so that the jobs find what build_features would have left here."""
        from telco_churn.lakehouse.base import TableName

        lakehouse, store = self.runtime.lakehouse, self.runtime.feature_store(self.env)
        lakehouse.create_database(self.env.schema_name)
        for key in BUILT_TABLES:
            shutil.copytree(lakehouse.path_for(source.table(key)), lakehouse.path_for(self.table(key)))
            lakehouse._register(TableName.parse(self.table(key)))
        metadata = store.table_metadata(source.table("features")) | {"name": self.table("features")}
        store._metadata_path(self.table("features")).write_text(json.dumps(metadata, indent=2))


BUILT_TABLES = ("bronze", "features", "labels", "reference")


@pytest.fixture
def sandbox(runtime, request) -> Sandbox:
    return Sandbox(runtime, request.node.name)


@pytest.fixture(scope="session")
def built_sample(runtime, sample_csv) -> Sandbox:
    """Features built from the sample once per session; never written: tests get copies (copy_built)."""
    box = Sandbox(runtime, "built_sample")
    box.build_features(sample_csv)
    return box


@pytest.fixture(scope="module")
def trained(runtime, built_sample, request) -> Sandbox:
    """A sandbox with features built from the sample and one registered model version."""
    box = Sandbox(runtime, request.module.__name__.rsplit(".", 1)[-1])
    box.copy_built(built_sample)
    box.job("model-train", "--set", "model_params.n_estimators=20")
    return box


@pytest.fixture(scope="session")
def dbx_python() -> Path:
    """.venv-dbx/bin/python, with dbx and the legacy databricks CLI (requirements-dbx.txt)."""
    from tools.dbx_venv import ensure_dbx_venv

    return ensure_dbx_venv()
