"""Compiles the bytecode of the libraries the jobs import, on every core, once per virtualenv.

A new virtualenv holds no .pyc files: the first story (or test session) compiles each module it
imports, one after the other in one process (about 15 CPU-seconds on this machine under load,
against 10 for the imports themselves). Here each group of libraries is imported in its own
process, side by side, so the compiling is spread over the cores; what is compiled is exactly
what the imports need, not every module installed (compiling all of site-packages cost 48 s of CPU).
A module missing from these lists is only compiled later, on first use, as before.

    python tools/compile_imports.py            # make install: what the jobs import
    python tools/compile_imports.py --tests    # make test, once: what the test session adds
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# What the jobs import on the local engine (the story's order: engine, MLflow store, training,
# monitoring), split so that the groups take about as long each. "+package": every file of it is
# compiled, for files that are loaded by path rather than imported (MLflow's schema migrations,
# which alembic reads whenever a process opens a store, to check that its schema is current).
GROUPS = (
    ("mlflow", "mlflow.pyfunc", "mlflow.sklearn", "mlflow.store.tracking.sqlalchemy_store",
     "mlflow.store.model_registry.sqlalchemy_store", "mlflow.store.tracking.sqlalchemy_workspace_store",
     "mlflow.store.model_registry.sqlalchemy_workspace_store", "+mlflow.store.db_migrations",
     "sqlalchemy.dialects.sqlite", "pydantic", "yaml"),
    ("pyspark.sql.connect.session", "pysail.spark", "pyarrow", "pandas", "sklearn.ensemble", "sklearn.pipeline",
     "sklearn.compose", "sklearn.preprocessing", "sklearn.model_selection", "sklearn.metrics", "sklearn.impute",
     "scipy.stats", "scipy.spatial.distance", "git", "opentelemetry.sdk.trace", "opentelemetry.sdk.metrics",
     "narwhals"),
)

# What the test session adds (`make test`, once per virtualenv): its three xdist workers collect
# every test module at the same moment, and the workspace servers they start import MLflow's
# server, so each would compile these again, side by side (about 520 modules).
TEST_GROUPS = (
    ("databricks.sdk", "google.auth", "cryptography.x509", "_pytest", "xdist", "execnet", "setuptools"),
    ("playwright.sync_api", "mlflow.server", "flask", "werkzeug", "jinja2", "anyio"),
)


def compile_imports(groups=GROUPS) -> None:
    """Imports each group of modules in a process of its own, all at once, writing their bytecode."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # writing it is the point
    # Run as a file, not `python -c`: pyspark looks for its home from argv[0].
    children = [subprocess.Popen([sys.executable, __file__, "--import", *group], env=env) for group in groups]
    # A failed import is not this step's business: the jobs report it where it matters, with its cause.
    for child in children:
        child.wait()


def main(argv: list[str]) -> int:
    if argv[:1] == ["--import"]:  # a child
        import compileall
        import importlib

        for name in argv[1:]:
            if name.startswith("+"):
                compileall.compile_dir(Path(importlib.import_module(name[1:]).__file__).parent, quiet=1)
            else:
                importlib.import_module(name)
    else:
        compile_imports(TEST_GROUPS if argv[:1] == ["--tests"] else GROUPS)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
