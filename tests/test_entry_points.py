"""Each job starts three ways: console script, job file (spark_python_task) and the project CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from telco_churn.jobs import ENTRY_POINTS

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _ways(entry_point: str) -> list[list[str]]:
    job = ENTRY_POINTS[entry_point]
    module = sys.modules[job.__module__].__file__
    return [[str(BIN / entry_point)], [sys.executable, module], [str(BIN / "telco-churn"), "run", job.name]]


@pytest.mark.parametrize("entry_point", sorted(ENTRY_POINTS))
def test_every_way_reaches_the_job_and_fails_loudly_on_a_bad_config(entry_point, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("unexpected_key: 1\n")
    for command in _ways(entry_point):
        done = subprocess.run([*command, "--conf-file", str(bad), "--workspace-dir", str(tmp_path / "ws")],
                              capture_output=True, text=True, timeout=60, cwd=ROOT)
        assert done.returncode == 2, (command, done.stderr[-1500:])
        assert f"Invalid configuration in {bad}: " in done.stderr
        assert "key 'unexpected_key': unknown key" in done.stderr
    assert not (tmp_path / "ws").exists()


def test_console_script_runs_a_job_for_real(tmp_path):
    done = subprocess.run([str(BIN / "telco-churn-demo-setup"), "--workspace-dir", str(tmp_path / "ws")],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Engine: sail" in done.stderr
    assert "no registered model telco_churn_local" in done.stderr


def test_cli_lists_valid_jobs_for_an_unknown_one():
    done = subprocess.run([str(BIN / "telco-churn"), "run", "model-tain"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "unknown job 'model-tain'; valid: demo-setup, data-ingest" in done.stderr
