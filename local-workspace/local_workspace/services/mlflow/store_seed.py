"""The workspace's MLflow database starts as a copy of an empty, already migrated one.

MLflow makes a new SQLite database by running its whole chain of schema migrations: about 1.6 s
of CPU on the server's first MLflow request, for every new workspace. The migrated schema depends
only on the MLflow version, so it is migrated once per machine and version (by MLflow's own code)
in the cache folder shared with the runtimes, and each new workspace gets a copy. The copy holds
the schema only: the server adds the Default experiment when it opens it, as it does on a database
it migrated itself. (telco_churn has the same idea for its own stores; the workspace knows nothing
of it, and keeps its own cache.)
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

from local_workspace.compute.runtimes import cache_root

logger = logging.getLogger("local_workspace")


def seed_path() -> Path:
    import mlflow

    return cache_root().parent / "mlflow-stores" / f"mlflow-{mlflow.__version__}.db"


def _migrate(target: Path) -> None:
    """MLflow's migrations on a scratch database, moved to target once whole."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        db = Path(scratch) / "mlflow.db"
        SqlAlchemyStore(f"sqlite:///{db}", Path(scratch).as_uri()).engine.dispose()
        with sqlite3.connect(db) as conn:
            conn.execute("DELETE FROM experiments")  # the scratch's Default experiment and its location
        conn.close()
        os.replace(db, target)  # a concurrent caller sees no seed or a whole one


def seed_database(db: Path) -> None:
    """An empty migrated MLflow database at db, unless one is there (never replaced)."""
    if db.exists():
        return
    try:
        seed = seed_path()
        if not seed.exists():
            _migrate(seed)
        partial = db.with_name(f".{db.name}.{os.getpid()}.part")
        shutil.copyfile(seed, partial)
        try:
            os.link(partial, db)
        except FileExistsError:
            pass
        finally:
            partial.unlink()
    except OSError as exc:  # a read-only cache: MLflow migrates the new database itself
        logger.warning("MLflow's database is migrated in place (no seed: %s)", exc)
