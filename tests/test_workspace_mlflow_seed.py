"""The local workspace's MLflow database is a copy of a migrated seed, and serves as a migrated one."""

from __future__ import annotations

import sqlite3

import pytest
from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore as RegistryStore
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

from local_workspace.services.mlflow.models import DEFAULT_ARTIFACT_ROOT
from local_workspace.services.mlflow.store_seed import seed_database, seed_path


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCAL_WORKSPACE_RUNTIMES", str(tmp_path / "cache" / "runtimes"))
    return tmp_path / "cache"


def test_a_new_database_is_the_seed_and_mlflow_opens_it_as_migrated(cache, tmp_path):
    db = tmp_path / "mlflow" / "mlflow.db"
    db.parent.mkdir()
    seed_database(db)
    assert db.is_file() and seed_path() == cache / "mlflow-stores" / seed_path().name
    with sqlite3.connect(seed_path()) as conn:  # the schema only: no experiment of the scratch store
        assert conn.execute("SELECT count(*) FROM experiments").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
    store = SqlAlchemyStore(f"sqlite:///{db}", DEFAULT_ARTIFACT_ROOT)
    default = store.get_experiment("0")  # made by MLflow on opening, with the workspace's location
    assert (default.name, default.artifact_location) == ("Default", f"{DEFAULT_ARTIFACT_ROOT}/0")
    experiment = store.create_experiment("/Shared/seeded")
    assert store.get_experiment(experiment).artifact_location == f"{DEFAULT_ARTIFACT_ROOT}/{experiment}"
    RegistryStore(f"sqlite:///{db}").create_registered_model("seeded")


def test_an_existing_database_is_never_replaced(cache, tmp_path):
    db = tmp_path / "mlflow.db"
    db.write_bytes(b"a workspace's own")
    seed_database(db)
    assert db.read_bytes() == b"a workspace's own"
    assert not seed_path().exists()
