"""A new local MLflow store is a copy of a pre-migrated template, and behaves as a migrated one."""

from __future__ import annotations

import sqlite3

import mlflow
import pytest

from telco_churn import store_template
from telco_churn.tracking import TrackingStore


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    """One cache folder for the module: the template is built once, by whichever test comes first."""
    return tmp_path_factory.mktemp("xdg") / "cache"


@pytest.fixture
def cache(shared_cache, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared_cache))
    return shared_cache


def test_a_new_store_is_seeded_from_the_template_and_works(cache, tmp_path):
    store = TrackingStore.local(tmp_path / "ws")
    assert store_template.template_path().is_file()
    assert store_template.template_path().parent == cache / "telco-churn"
    client = mlflow.MlflowClient(store.tracking_uri, store.registry_uri)
    # MLflow made its Default experiment on first use, with this store's own location.
    default = client.get_experiment("0")
    assert default.name == "Default" and str(cache) not in default.artifact_location
    experiment = store.ensure_experiment("/Shared/seeded")
    run = client.create_run(experiment)
    client.log_metric(run.info.run_id, "roc_auc", 0.8)
    client.create_registered_model("seeded")
    assert client.get_run(run.info.run_id).data.metrics == {"roc_auc": 0.8}
    with sqlite3.connect(tmp_path / "ws" / "mlflow" / "mlflow.db") as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM experiments")}
    assert names == {"Default", "/Shared/seeded"}


def test_the_template_holds_no_experiment_of_the_store_that_built_it(cache, tmp_path):
    store_template.seed_store(tmp_path / "a.db")
    with sqlite3.connect(store_template.template_path()) as conn:
        assert conn.execute("SELECT count(*) FROM experiments").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)


def test_an_existing_store_is_never_replaced(cache, tmp_path):
    db = tmp_path / "mlflow.db"
    db.write_bytes(b"not a template")
    store_template.seed_store(db)
    assert db.read_bytes() == b"not a template"


def test_an_unwritable_cache_falls_back_to_mlflow_creating_the_store(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a file: no folder can be made under it
    store = TrackingStore.local(tmp_path / "ws")
    assert not (tmp_path / "ws" / "mlflow" / "mlflow.db").exists()
    assert mlflow.MlflowClient(store.tracking_uri).get_experiment("0").name == "Default"
