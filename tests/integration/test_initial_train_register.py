"""Integration test: the initial train-register chain leaves its tables and a registered model.

Runs on Databricks through run_integration_tests.py (STAGING-telco-churn-integration-test) and
locally in the test suite, where it uses the embedded Sail engine and a temporary lakehouse.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from telco_churn.config.environment import load_environment
from telco_churn.jobs import run_entry_point
from telco_churn.paths import default_env_file, default_job_conf
from telco_churn.registry import ModelRegistry
from telco_churn.runtime import open_runtime

# The tasks of PROD-telco-churn-initial-model-train-register, in order.
CHAIN = (
    ("telco-churn-demo-setup", "demo_setup.yml"),
    ("telco-churn-data-ingest", "data_ingest.yml"),
    ("telco-churn-feature-table-creation", "feature_table_creation.yml"),
    ("telco-churn-model-train", "model_train.yml"),
)
TABLES = ("bronze", "features", "labels", "reference")


def _env_name() -> str:
    return os.environ.get("TELCO_CHURN_IT_ENV", "local")


def _env_file() -> Path:
    return Path(os.environ.get("TELCO_CHURN_IT_ENV_FILE") or default_env_file())


def _conf_file(name: str) -> Path:
    given = [Path(p) for p in os.environ.get("TELCO_CHURN_IT_CONF_FILES", "").split(os.pathsep) if p]
    return next((p for p in given if p.name == name), None) or default_job_conf(name)


@pytest.fixture(scope="module")
def chain_run(tmp_path_factory):
    """Runs the chain once on one runtime; yields (runtime, exit code of each entry point)."""
    # A temporary lakehouse unless one is given: demo-setup resets the environment it runs in.
    workspace = os.environ.get("TELCO_CHURN_IT_WORKSPACE") or tmp_path_factory.mktemp("lakehouse")
    codes: dict[str, int] = {}
    with open_runtime(engine=os.environ.get("TELCO_CHURN_ENGINE"), workspace_dir=workspace) as runtime:
        for entry_point, conf in CHAIN:
            argv = ["--env", _env_name(), "--env-file", str(_env_file()), "--conf-file", str(_conf_file(conf))]
            codes[entry_point] = run_entry_point(entry_point, argv, runtime=runtime)
            if codes[entry_point] != 0:
                break  # as on Databricks: a failed task skips the tasks that depend on it
        yield runtime, codes


@pytest.fixture(scope="module")
def env():
    return load_environment(_env_file(), _env_name())


def test_every_task_succeeds(chain_run):
    _, codes = chain_run
    assert codes == {entry_point: 0 for entry_point, _ in CHAIN}


@pytest.mark.parametrize("table", TABLES)
def test_table_exists_and_has_rows(chain_run, env, table):
    runtime, codes = chain_run
    assert set(codes.values()) == {0}, f"the chain failed: {codes}"
    name = env.table(table)
    assert runtime.lakehouse.exists(name), f"table {name} was not created"
    assert runtime.lakehouse.read(name).limit(1).count() == 1, f"table {name} is empty"


def test_model_version_is_registered(chain_run, env):
    runtime, codes = chain_run
    assert set(codes.values()) == {0}, f"the chain failed: {codes}"
    from mlflow import MlflowClient

    store = runtime.tracking(env)
    registry = ModelRegistry(
        env.registered_model_name, env.model_registry, client=MlflowClient(store.tracking_uri, store.registry_uri)
    )
    versions = registry.versions()
    assert versions, f"no version of {env.registered_model_name} is registered"
    # demo-setup deleted earlier versions, so the chain registered exactly one.
    assert len(versions) == 1
    assert versions[0].run_id, "the registered version is not linked to a training run"
