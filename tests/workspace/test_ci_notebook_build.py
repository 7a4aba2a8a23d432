"""`telco-churn ci notebook-build` against the local workspace: the training notebook with the
project wheel, an impossible metric check, and a notebook that raises."""

from __future__ import annotations

import base64
import json
import re
import uuid

import pytest
from databricks.sdk.service import workspace as ws

from tests.workspace.ci_cli import output, telco_churn, telco_churn_here
from tests.workspace.harness import REPO

SPEC = REPO / "conf" / "ci" / "notebook-cluster.json"
# An MLflow run made through databricks-sdk, which starts far faster than mlflow on a cluster.
METRIC_NOTEBOOK = """# Databricks notebook source
import time
import uuid

from databricks.sdk import WorkspaceClient

dbutils.widgets.text("max_depth", "3")
client, now = WorkspaceClient(), int(time.time() * 1000)
experiment = client.experiments.create_experiment(f"/Shared/tests/notebook-build-{uuid.uuid4().hex[:6]}").experiment_id
run_id = client.experiments.create_run(experiment_id=experiment, start_time=now).run.info.run_id
client.experiments.log_param(run_id=run_id, key="max_depth", value=dbutils.widgets.get("max_depth"))
client.experiments.log_metric(run_id=run_id, key="roc_auc", value=0.75, timestamp=now)
dbutils.notebook.exit(run_id)
"""
RAISING_NOTEBOOK = """# Databricks notebook source
raise ValueError("the notebook broke on purpose")
"""


@pytest.fixture(scope="module")
def training_build(workspace, deployed_prod, tmp_path_factory):
    """The README's command on the shipped cluster spec and notebooks/train.py, as env dev on a
    branch of its own, reading the prod tables that deployed_prod wrote: (process, report, branch)."""
    scratch = tmp_path_factory.mktemp("notebook-build")
    branch = f"feature/nb-{uuid.uuid4().hex[:6]}"
    done = telco_churn(workspace, "ci", "notebook-build", "--cluster-spec", str(SPEC), "--scratch-dir", str(scratch),
                       "--report-file", str(scratch / "report.json"), "--param", "max_depth=6",
                       "--param", "database=telco_churn_prod", "--param", f"branch={branch}",
                       "--expect-metric", "roc_auc>=0.70", "--expect-param", "max_depth=6", "--poll-seconds", "0.5")
    return done, json.loads((scratch / "report.json").read_text()), branch


def test_training_notebook_build_succeeds_with_a_complete_report(workspace, training_build):
    done, report, _ = training_build
    assert done.returncode == 0, output(done)
    assert re.search(r"^0: Run \d+ waiting (PENDING|RUNNING)$", done.stdout, re.M)
    assert set(report) >= {"info", "arguments", "cluster_spec_file", "cluster_spec", "downloaded_files",
                           "uploaded_files", "databricks_job", "mlflow_run", "checks", "steps"}
    assert report["info"]["result_state"] == "SUCCESS" and report["info"]["start_time"] and report["info"]["end_time"]
    assert [s["status"] for s in report["steps"]] == ["ok"] * 8
    assert report["cluster_spec_file"] == str(SPEC)
    assert report["cluster_spec"]["libraries"][0]["whl"].endswith(".whl")
    assert any(f.endswith("/notebooks/train.py") for f in report["downloaded_files"])
    assert any(f.endswith("/train") for f in report["uploaded_files"])
    job = report["databricks_job"]
    assert job["state"]["result_state"] == "SUCCESS" and job["run_id"] and job["number_in_job"] and "job_id" in job
    assert [c["passed"] for c in report["checks"]] == [True, True]
    assert workspace.token not in json.dumps(report)
    # The run id of the report is a real run of the workspace's MLflow, trained with max_depth as passed.
    mlflow_run = report["mlflow_run"]
    assert mlflow_run["run_id"] == job["notebook_result"]
    stored = workspace.sdk().experiments.get_run(mlflow_run["run_id"]).run
    assert {p.key: p.value for p in stored.data.params}["max_depth"] == "6"
    assert stored.info.experiment_id == mlflow_run["experiment_id"]
    assert mlflow_run["metrics"]["test_roc_auc"] >= 0.70 and mlflow_run["run_url"].endswith(mlflow_run["run_id"])


def test_a_dev_run_logs_to_its_branch_experiment_and_a_prod_run_does_not(workspace, training_build):
    _, report, branch = training_build
    assert report["mlflow_run"]["experiment_name"] == f"/Shared/telco-churn/dev/{branch.replace('/', '-')}/model-train"
    names = [e.name for e in workspace.sdk().experiments.search_experiments(max_results=1000)]
    prod = sorted(n for n in names if n.startswith("/Shared/telco-churn/prod/"))
    # deployed_prod's model-train and model-deployment runs: the environment's own experiments only.
    assert "/Shared/telco-churn/prod/model-train" in prod
    assert all(n.count("/") == 4 for n in prod), prod


@pytest.fixture(scope="module")
def self_contained(tmp_path_factory):
    """A folder with two notebooks that need no wheel, and a cluster spec per notebook."""
    folder = tmp_path_factory.mktemp("self-contained")
    (folder / "src").mkdir()
    (folder / "src" / "metric.py").write_text(METRIC_NOTEBOOK)
    (folder / "src" / "raising.py").write_text(RAISING_NOTEBOOK)
    for name in ("metric", "raising"):
        (folder / f"{name}.json").write_text(json.dumps({
            "new_cluster": {"spark_version": "15.4.x-cpu-ml-scala2.12", "num_workers": 0},
            "notebook_task": {"notebook_path": name}, "timeout_seconds": 600}))
    return folder


def _build(workspace, monkeypatch, capsys, folder, name: str, src_dir: str, *checks: str):
    report = folder / f"{name}-report.json"
    done = telco_churn_here(workspace, monkeypatch, capsys, "ci", "notebook-build", "--no-wheel", "--src-dir", src_dir,
                       "--src-files", f"{name}.py", "--dst-dir", f"/Shared/tests/notebook-build-{uuid.uuid4().hex[:6]}",
                       "--cluster-spec", str(folder / f"{name}.json"), "--scratch-dir", str(folder / f"scratch-{name}"),
                       "--report-file", str(report), "--poll-seconds", "0.5", *checks)
    return done, json.loads(report.read_text())


def test_an_impossible_metric_fails_and_the_report_names_the_check(workspace, self_contained, monkeypatch, capsys):
    # Fetched as from a raw git URL (file:// here).
    src = (self_contained / "src").as_uri()
    done, report = _build(workspace, monkeypatch, capsys, self_contained, "metric", src, "--expect-metric", "roc_auc>=0.7",
                          "--expect-metric", "roc_auc>=0.99", "--expect-param", "max_depth=3")
    assert done.returncode == 1, output(done)
    assert report["info"]["result_state"] == "FAILED"
    assert report["info"]["failed_step"] == "fetch MLflow run and check"
    assert "roc_auc>=0.99" in report["info"]["error"] and "roc_auc>=0.7," not in report["info"]["error"]
    assert [(c["check"], c["passed"]) for c in report["checks"]] == [
        ("roc_auc>=0.7", True), ("roc_auc>=0.99", False), ("max_depth=3", True)]
    assert report["checks"][1]["message"] == "roc_auc = 0.75 does not satisfy >= 0.99"
    assert report["databricks_job"]["state"]["result_state"] == "SUCCESS"
    assert report["mlflow_run"]["experiment_name"].startswith("/Shared/tests/notebook-build-")


def test_a_raising_notebook_fails_with_its_error_in_the_report(workspace, self_contained, monkeypatch, capsys):
    # Fetched from a workspace folder (exported), as a notebook kept in the workspace is.
    src = f"/Shared/tests/kept-{uuid.uuid4().hex[:6]}"
    client = workspace.sdk()
    client.workspace.mkdirs(src)
    client.workspace.import_(f"{src}/raising", content=base64.b64encode(RAISING_NOTEBOOK.encode()).decode(),
                             format=ws.ImportFormat.SOURCE, language=ws.Language.PYTHON)
    done, report = _build(workspace, monkeypatch, capsys, self_contained, "raising", src, "--expect-metric", "roc_auc>=0.5")
    assert report["downloaded_files"] == [str(self_contained / "scratch-raising" / "notebooks" / "raising.py")]
    assert done.returncode == 1, output(done)
    assert report["info"]["failed_step"] == "check run result"
    assert "ValueError: the notebook broke on purpose" in report["info"]["error"]
    job = report["databricks_job"]
    assert job["state"]["result_state"] == "FAILED"
    assert job["error"] == "ValueError: the notebook broke on purpose"
    assert "Traceback" in job["error_trace"]
    assert report["mlflow_run"] is None and report["checks"] == []
    assert [s["status"] for s in report["steps"]] == ["ok"] * 5 + ["failed", "skipped", "skipped"]


def test_bad_options_stop_before_the_workspace_is_touched(workspace, self_contained, monkeypatch, capsys):
    destination = f"/Shared/tests/never-{uuid.uuid4().hex[:6]}"
    done = telco_churn_here(workspace, monkeypatch, capsys, "ci", "notebook-build", "--no-wheel", "--src-dir", str(self_contained / "src"),
                       "--dst-dir", destination, "--cluster-spec", str(self_contained / "metric.json"),
                       "--expect-metric", "roc_auc~0.8")
    assert done.returncode == 2 and "--expect-metric 'roc_auc~0.8'" in done.stderr, output(done)
    broken = self_contained / "broken.json"
    broken.write_text(json.dumps({"new_cluster": {"spark_version": "x"}, "notebook_task": {}}))
    done = telco_churn_here(workspace, monkeypatch, capsys, "ci", "notebook-build", "--cluster-spec", str(broken), "--dst-dir", destination)
    assert done.returncode == 2 and f"cluster spec {broken}: key 'notebook_task.notebook_path'" in done.stderr, output(done)
    from databricks.sdk.errors import NotFound

    with pytest.raises(NotFound):
        workspace.sdk().workspace.get_status(destination)
