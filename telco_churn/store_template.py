"""A new local MLflow store starts as a copy of a pre-migrated one.

MLflow creates a SQLite store by running its whole chain of schema migrations (about 1 s of CPU,
a tenth of the story). The result depends only on the MLflow version, so it is made once per
machine and version, kept in the user's cache folder, and copied into place for each new store.
The copy holds the schema and nothing else: MLflow adds its Default experiment on first use,
with that store's own artifact location, exactly as it does for a store it migrated itself.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

from telco_churn.logging_setup import get_logger

log = get_logger("tracking")


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "telco-churn"


def template_path() -> Path:
    import mlflow  # mlflow.__version__: a Databricks runtime has only the mlflow-skinny distribution

    return cache_dir() / f"mlflow-{mlflow.__version__}-store.db"


def _build_template(target: Path) -> None:
    """Runs MLflow's own migrations on a scratch store and moves it to target."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        db = Path(scratch) / "store.db"
        store = SqlAlchemyStore(f"sqlite:///{db}", Path(scratch).as_uri())
        store.engine.dispose()
        with sqlite3.connect(db) as conn:
            # The Default experiment carries the scratch store's artifact location; MLflow makes it
            # again, with the right one, when it opens the copy. The rest is the migrations' own.
            conn.execute("DELETE FROM experiments")
        os.replace(db, target)  # atomic: a concurrent process sees no template or a whole one


def seed_store(db: Path) -> None:
    """Puts a pre-migrated, empty store at db if there is none (never touches an existing one)."""
    if db.exists():
        return
    template = template_path()
    try:
        if not template.exists():
            _build_template(template)
        scratch = db.with_name(f".{db.name}.{os.getpid()}.tmp")
        shutil.copyfile(template, scratch)
        try:
            os.link(scratch, db)  # never replaces a store another process created meanwhile
        except FileExistsError:
            pass
        finally:
            scratch.unlink()
    except OSError as exc:  # a read-only home, a full disk: MLflow migrates a new store itself
        log.debug("No MLflow store template (%s); MLflow creates the store", exc)
