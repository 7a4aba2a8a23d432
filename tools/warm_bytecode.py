"""Writes the bytecode of what the jobs, the local workspace, the tests and dbx import, once.

    python tools/warm_bytecode.py project     # in .venv (make install)
    .venv-dbx/bin/python tools/warm_bytecode.py dbx

Why: nothing is compiled at install (all of .venv is 10,000 modules, most never imported), so
Python compiles each module the first time a process imports it. The test suite starts dozens
of processes at once (workers, jobs, workspace servers, dbx), and each compiled the same modules
before any had written them: measured on a fresh clone, about 110 CPU-s more than a second run.
Importing the roots here compiles those modules once, in one process. A module left out is
compiled on first use, as before.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

ROOTS = {
    "project": [
        "mlflow.server", "mlflow.server.handlers", "mlflow.sklearn", "mlflow.pyfunc",
        "mlflow.store.tracking.sqlalchemy_store", "mlflow.store.model_registry.sqlalchemy_store",
        "sklearn.ensemble", "sklearn.pipeline", "sklearn.impute", "sklearn.preprocessing", "sklearn.compose",
        "sklearn.metrics", "sklearn.model_selection", "pyspark.sql.connect.session", "pysail.spark",
        "databricks.sdk", "pandas", "pyarrow.parquet", "deltalake", "playwright.sync_api", "pytest", "xdist",
        "pip._internal.cli.main", "pip._internal.commands.install", "check_jsonschema",
    ],
    # dbx imports its commands at start; `dbx deploy` builds the wheel with pip and setuptools.
    # setuptools first: once pip has imported the standard library's distutils, it refuses to load.
    "dbx": ["setuptools.build_meta", "dbx.cli", "databricks_cli.cli", "pip._internal.cli.main",
            "pip._internal.commands.wheel"],
}
# Every module of our own packages, where the environment has them.
OWN_PACKAGES = {"project": ["telco_churn", "local_workspace"], "dbx": []}


def _own_modules(package: str) -> list[str]:
    root = importlib.import_module(package)
    return [m.name for m in pkgutil.walk_packages(root.__path__, f"{package}.") if not m.name.endswith("__main__")]


def warm(environment: str) -> list[str]:
    """Imports the environment's roots; returns those that failed to import, with why."""
    names = list(ROOTS[environment])
    for package in OWN_PACKAGES[environment]:
        names += _own_modules(package)
    failed = []
    for name in names:
        try:
            importlib.import_module(name)
        except (Exception, SystemExit) as error:  # a warm-up: the module compiles on first use instead
            failed.append(f"{name}: {type(error).__name__}: {error}")
    return failed


if __name__ == "__main__":
    if sys.dont_write_bytecode:
        print("warm_bytecode: nothing written, as PYTHONDONTWRITEBYTECODE is set", file=sys.stderr)
        sys.exit(0)
    skipped = warm(sys.argv[1])
    for line in skipped:
        print(f"warm_bytecode: not imported, {line}", file=sys.stderr)
