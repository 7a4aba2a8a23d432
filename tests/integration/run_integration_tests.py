"""Runs the integration tests with pytest: a spark_python_task on Databricks, or locally.

    python tests/integration/run_integration_tests.py --env staging \
        dbfs:/Volumes/.../tests/integration/test_initial_train_register.py

dbx hands a `file://` test file over as a `dbfs:/` URI; the cluster sees it at `/Volumes/...`
(a Unity Catalog volume) or `/dbfs/...` (the DBFS root of a legacy workspace). Without
--env-file and --conf-file the jobs read the configs inside the project's wheel.

Settings reach the tests through TELCO_CHURN_IT_* environment variables (see the test module).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="local", help="environment of conf/environments.yml")
    parser.add_argument("--env-file", help="environments YAML (default: the checkout's)")
    parser.add_argument("--conf-file", action="append", default=[], help="a job config (repeatable)")
    parser.add_argument("--engine", help="Spark engine (default: databricks on a cluster, sail elsewhere)")
    parser.add_argument("--workspace-dir", help="local lakehouse folder (default: a new temporary one)")
    parser.add_argument("tests", nargs="*", help="test files (default: this folder)")
    return parser.parse_args(argv)


def cluster_path(uri: str) -> str:
    """`dbfs:/Volumes/x` -> `/Volumes/x`, `dbfs:/x` -> `/dbfs/x`; any other path as it is."""
    if not uri.startswith("dbfs:/"):
        return uri
    inner = uri[len("dbfs:"):]
    return inner if inner.startswith("/Volumes/") else "/dbfs" + inner


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ["TELCO_CHURN_IT_ENV"] = args.env
    if args.env_file:
        os.environ["TELCO_CHURN_IT_ENV_FILE"] = args.env_file
    if args.conf_file:
        os.environ["TELCO_CHURN_IT_CONF_FILES"] = os.pathsep.join(args.conf_file)
    if args.engine:
        os.environ["TELCO_CHURN_ENGINE"] = args.engine
    if args.workspace_dir:
        os.environ["TELCO_CHURN_IT_WORKSPACE"] = args.workspace_dir
    tests = [cluster_path(t) for t in args.tests] or [str(Path(__file__).resolve().parent)]
    # On Databricks the files sit on /dbfs (FUSE): write no bytecode or pytest cache there.
    sys.dont_write_bytecode = True
    import pytest

    return int(pytest.main([*tests, "-v", "-p", "no:cacheprovider", "--rootdir", str(Path(tests[0]).parent)]))


if __name__ == "__main__":
    # Exit only on failure: a script task that ends normally is a success on every runtime.
    exit_code = main()
    if exit_code:
        sys.exit(exit_code)
