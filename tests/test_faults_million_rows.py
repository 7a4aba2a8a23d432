"""1,000,000 customers: data-ingest takes them (the engine reads the file), and a SIGKILL in the
middle of feature-table-creation's writes leaves readable tables that the next job refuses to mix."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from telco_churn.errors import DataValidationError
from telco_churn.pipelines.promotion import Decision
from telco_churn.paths import PACKAGE_DIR
from telco_churn.resample import resample_to_csv

ROWS = 1_000_000
TABLES = ("bronze", "features", "labels", "reference")
# One worker for the module under pytest-xdist: its fixture (a 1M-row ingest) is built once.
pytestmark = pytest.mark.xdist_group(name="faults_million_rows")


@pytest.fixture(scope="module")
def million(runtime, built_sample, tmp_path_factory):
    """Every table built from the 800-row sample and a model in Staging; then data-ingest of 1M customers.

    The sandbox, the rows data-ingest reported, and the bronze version before it.
    """
    from tests.conftest import Sandbox

    box = Sandbox(runtime, "million_rows")
    box.copy_built(built_sample)
    box.job("model-train", "--set", "model_params.n_estimators=5", "--set", "promote_to=Staging")
    path = tmp_path_factory.mktemp("million") / "customers_1m.csv"
    resample_to_csv(path, ROWS, seed=7)
    before = box.delta_version("bronze")
    return box, box.job("data-ingest", "--set", f"source={path}", "--set", "mode=overwrite"), before


def test_data_ingest_of_a_million_rows(million):
    box, rows, before = million
    assert rows == ROWS
    assert box.delta_version("bronze") == before + 1  # one commit
    assert box.runtime.lakehouse.read(box.table("bronze")).count() == ROWS


def job_process(box, script: str, *args: str) -> subprocess.Popen:
    """The job in a process of its own on the shared lakehouse, as a scheduler would start it."""
    command = [sys.executable, str(PACKAGE_DIR / "jobs" / script), *box.env_args, *args,
               "--engine", "sail", "--workspace-dir", str(box.runtime.workspace_dir)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def commits(box, key: str) -> int:
    return len(list((box.runtime.lakehouse.path_for(box.table(key)) / "_delta_log").glob("*.json")))


def kill_when_changed(process: subprocess.Popen, measure, timeout: float = 120) -> None:
    """SIGKILLs process as soon as measure() returns something new; fails if the job ends first."""
    start, deadline = measure(), time.monotonic() + timeout
    while measure() == start:
        assert process.poll() is None, f"the job ended before it was killed: {process.stderr.read()[-2000:]}"
        assert time.monotonic() < deadline, "nothing changed to kill after"
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(30) == -signal.SIGKILL


def test_sigkill_between_feature_table_writes_leaves_tables_the_next_jobs_refuse_to_mix(million):
    box, _, _ = million
    before = {key: box.delta_version(key) for key in TABLES}
    # Killed right after the feature table's commit, before the labels' and the reference's.
    kill_when_changed(job_process(box, "feature_table_creator_job.py"), lambda: commits(box, "features"))

    # Every table reads at a committed version: the features new and whole, the others as they were.
    after = {key: box.delta_version(key) for key in TABLES}
    assert after == {**before, "features": before["features"] + 1}
    assert box.runtime.lakehouse.read(box.table("features")).count() == ROWS
    assert box.runtime.lakehouse.read(box.table("labels")).count() < 800

    # The labels (800 old customers) have no features now: training on them would mean null features.
    registered = len(box.registry().versions())
    with pytest.raises(DataValidationError, match=r"labels vs features: \d+ label key\(s\) with no row in .*"
                       r"the tables come from different feature-table-creation runs"):
        box.job("model-train", "--set", "model_params.n_estimators=5")
    assert len(box.registry().versions()) == registered
    # Nor does model-deployment compare models on the old reference customers' missing features.
    with pytest.raises(DataValidationError, match=r"keys vs features: \d+ key\(s\) have no row in feature table .*"
                       r"the tables come from different feature-table-creation runs"):
        box.job("model-deployment")
    assert [v.stage for v in box.registry().versions()] == ["Staging"]

    # The rerun rebuilds all three from bronze, and they agree again.
    result = box.job("feature-table-creation")
    assert result.features == ROWS and result.labels + result.reference == ROWS
    assert {key: box.delta_version(key) for key in TABLES} == {
        "bronze": before["bronze"], **{k: after[k] + 1 for k in ("features", "labels", "reference")}}
    # On the rebuilt tables the jobs that load models pick the good version again: deployment
    # compares the Staging model on the new reference customers, inference scores every customer.
    deployed = box.job("model-deployment")
    assert deployed.decision is Decision.PROMOTE_FIRST and [v.stage for v in box.registry().versions()] == ["Production"]
    scored = box.job("model-inference-batch")
    assert (scored.rows, scored.model_version) == (ROWS, deployed.candidate_version)
