"""The legacy `databricks` CLI 0.17.8 (the one dbx ships with), configured only by
`telco-churn workspace env`: fs, workspace, and jobs and runs with the Jobs API 2.0 and 2.1."""

from __future__ import annotations

import json
import time

from tests.workspace.harness import databricks_cli


def _ok(done) -> str:
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


def test_fs_mkdirs_cp_both_ways_and_ls(workspace, tmp_path):
    local = tmp_path / "blob.bin"
    local.write_bytes(bytes(range(256)) * 6000)  # 1.5 MB: more than one block
    _ok(databricks_cli(workspace, "fs", "mkdirs", "dbfs:/tests/cli"))
    _ok(databricks_cli(workspace, "fs", "cp", str(local), "dbfs:/tests/cli/blob.bin"))
    assert "blob.bin" in _ok(databricks_cli(workspace, "fs", "ls", "dbfs:/tests/cli")).split()
    back = tmp_path / "back.bin"
    _ok(databricks_cli(workspace, "fs", "cp", "dbfs:/tests/cli/blob.bin", str(back)))
    assert back.read_bytes() == local.read_bytes()
    assert (workspace.root / "dbfs" / "tests" / "cli" / "blob.bin").read_bytes() == local.read_bytes()


def test_workspace_import_ls_export(workspace, tmp_path):
    source = tmp_path / "notebook.py"
    source.write_text("# Databricks notebook source\nprint('from the legacy cli')\n")
    _ok(databricks_cli(workspace, "workspace", "mkdirs", "/Shared/cli"))
    _ok(databricks_cli(workspace, "workspace", "import", "--language", "PYTHON", str(source), "/Shared/cli/notebook"))
    listed = _ok(databricks_cli(workspace, "workspace", "ls", "--absolute", "/Shared/cli"))
    assert "/Shared/cli/notebook" in listed
    exported = tmp_path / "exported.py"
    _ok(databricks_cli(workspace, "workspace", "export", "/Shared/cli/notebook", str(exported)))
    assert exported.read_text() == source.read_text()


def test_jobs_and_runs_with_api_2_0_and_2_1(workspace, tmp_path):
    _ok(databricks_cli(workspace, "fs", "cp", "--overwrite", _script(tmp_path), "dbfs:/tests/cli/sleep.py"))
    spec = tmp_path / "job.json"  # a Jobs 2.0 single-task job, as the legacy CLI's users write them
    spec.write_text(json.dumps({"name": "legacy-cli-job", "new_cluster": {"spark_version": "17.3.x-cpu-ml-scala2.13",
                                "num_workers": 0}, "spark_python_task": {"python_file": "dbfs:/tests/cli/sleep.py"}}))
    job_id = json.loads(_ok(databricks_cli(workspace, "jobs", "create", "--json-file", str(spec))))["job_id"]
    listed = _ok(databricks_cli(workspace, "jobs", "list"))  # API 2.0
    assert f"{job_id}  legacy-cli-job" in listed
    run_20 = json.loads(_ok(databricks_cli(workspace, "jobs", "run-now", "--job-id", str(job_id))))["run_id"]
    runs = json.loads(_ok(databricks_cli(workspace, "runs", "list", "--job-id", str(job_id), "--output", "JSON")))
    assert [r["run_id"] for r in runs["runs"]] == [run_20]
    _ok(databricks_cli(workspace, "runs", "cancel", "--run-id", str(run_20)))
    assert workspace.wait_run(run_20)["state"]["result_state"] == "CANCELED"
    run_21 = json.loads(_ok(databricks_cli(workspace, "jobs", "run-now", "--version", "2.1", "--job-id", str(job_id))))["run_id"]
    deadline = time.monotonic() + 60
    while json.loads(_ok(databricks_cli(workspace, "runs", "get", "--version", "2.1", "--run-id", str(run_21))))[
            "state"]["life_cycle_state"] != "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.3)
    _ok(databricks_cli(workspace, "runs", "cancel", "--version", "2.1", "--run-id", str(run_21)))
    assert workspace.wait_run(run_21)["state"]["result_state"] == "CANCELED"


def _script(folder) -> str:
    path = folder / "sleep.py"
    path.write_text("import time\ntime.sleep(300)\n")
    return str(path)
