"""Engine selection: one switch, Databricks detected, nothing Databricks-only imported locally."""

from __future__ import annotations

import subprocess
import sys

import pytest

from telco_churn.engine import resolve_engine


def test_auto_is_sail_off_databricks_and_databricks_on_a_cluster(monkeypatch):
    monkeypatch.delenv("TELCO_CHURN_ENGINE", raising=False)
    monkeypatch.delenv("DATABRICKS_RUNTIME_VERSION", raising=False)
    assert resolve_engine(None) == "sail"
    assert resolve_engine("auto") == "sail"
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "17.3")
    assert resolve_engine(None) == "databricks"
    assert resolve_engine("sail") == "sail"  # an explicit choice wins


def test_a_cluster_that_serves_its_session_over_spark_connect_is_used_whatever_its_runtime(monkeypatch):
    """An execution context has DATABRICKS_RUNTIME_VERSION (dbx reads it) and, on a cluster that
    serves Spark over Spark Connect, SPARK_REMOTE: the session's address decides."""
    monkeypatch.delenv("TELCO_CHURN_ENGINE", raising=False)
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "17.3")
    monkeypatch.setenv("SPARK_REMOTE", "sc://127.0.0.1:15002")
    assert resolve_engine(None) == "connect"
    monkeypatch.delenv("DATABRICKS_RUNTIME_VERSION")
    assert resolve_engine(None) == "connect"
    monkeypatch.setenv("TELCO_CHURN_ENGINE", "databricks")
    assert resolve_engine(None) == "databricks"


def test_environment_variable_is_the_switch(monkeypatch):
    monkeypatch.setenv("TELCO_CHURN_ENGINE", "classic")
    assert resolve_engine(None) == "classic"
    monkeypatch.setenv("TELCO_CHURN_ENGINE", "spark")
    with pytest.raises(ValueError, match="unknown engine 'spark'; valid: auto, sail, classic, databricks"):
        resolve_engine(None)


def test_databricks_clients_are_imported_only_when_chosen():
    code = (
        "import sys\n"
        "import telco_churn.jobs, telco_churn.cli, telco_churn.feature_store.databricks, telco_churn.engine.databricks\n"
        "print(sorted(m for m in sys.modules if m.startswith(('databricks', 'delta'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_local_workloads_use_the_local_feature_store(runtime, sandbox):
    from telco_churn.feature_store.local import LocalFeatureStore
    from telco_churn.lakehouse.local import LocalLakehouse

    assert runtime.engine.kind == "sail"
    assert isinstance(runtime.lakehouse, LocalLakehouse)
    assert isinstance(runtime.feature_store(sandbox.env), LocalFeatureStore)
    assert runtime.tracking(sandbox.env).tracking_uri.startswith("sqlite:///")


def test_sessions_we_open_skip_pyspark_call_site_capture(runtime):
    # Left on, every Column call captures its call site and retries a failed `import IPython`.
    from pyspark.errors.utils import is_debugging_enabled

    assert runtime.spark.conf.get("spark.python.sql.dataFrameDebugging.enabled") == "false"
    assert not is_debugging_enabled()
