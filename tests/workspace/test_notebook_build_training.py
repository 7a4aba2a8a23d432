"""`telco-churn ci notebook-build` of notebooks/train.py with the project wheel, on the shipped
cluster spec, as the README runs it, on a workspace as Databricks creates one today (profile uc):
the wheel goes to dev's artifact volume; and per-branch experiments on the workspace.

It reads the prod tables that `deployed_uc` (artifact-volume, dbx deploy and launch) wrote, and
registers a version of prod.telco_churn.telco_churn: the module sorts after test_dbx_flow_uc.py,
which counts the versions.
"""

from __future__ import annotations

import json
import re
import uuid

import pytest

from tests.workspace.ci_cli import output, telco_churn
from tests.workspace.harness import REPO

SPEC = REPO / "conf" / "ci" / "notebook-cluster.json"


@pytest.fixture(scope="module")
def training_build(uc_workspace, deployed_uc, uc_project, tmp_path_factory):
    """The README's command on the shipped cluster spec and notebooks/train.py, as env dev on a
    branch of its own, reading the prod tables that deployed_uc wrote: (process, report, branch)."""
    scratch = tmp_path_factory.mktemp("notebook-build")
    branch = f"feature/nb-{uuid.uuid4().hex[:6]}"
    done = telco_churn(uc_workspace, "ci", "notebook-build", "--cluster-spec", str(SPEC), "--scratch-dir", str(scratch),
                       "--report-file", str(scratch / "report.json"), "--param", "max_depth=6",
                       "--param", "catalog=prod", "--param", f"branch={branch}",
                       "--expect-metric", "roc_auc>=0.70", "--expect-param", "max_depth=6", "--poll-seconds", "0.5",
                       cwd=uc_project)  # the deployed copy: its .dbx/project.json gives dev's artifact volume
    return done, json.loads((scratch / "report.json").read_text()), branch


def test_training_notebook_build_succeeds_with_a_complete_report(uc_workspace, training_build):
    done, report, _ = training_build
    assert done.returncode == 0, output(done)
    assert re.search(r"^0: Run \d+ waiting (PENDING|RUNNING)$", done.stdout, re.M)
    assert set(report) >= {"info", "arguments", "cluster_spec_file", "cluster_spec", "downloaded_files",
                           "uploaded_files", "databricks_job", "mlflow_run", "checks", "steps"}
    assert report["info"]["result_state"] == "SUCCESS" and report["info"]["start_time"] and report["info"]["end_time"]
    assert [s["status"] for s in report["steps"]] == ["ok"] * 8
    assert report["cluster_spec_file"] == str(SPEC)
    (library,) = report["cluster_spec"]["libraries"]
    assert re.fullmatch(r"/Volumes/dev/telco_churn/artifacts/ci/[^/]+/telco_churn-[^/]+\.whl", library["whl"]), library
    assert library["whl"] in report["uploaded_files"]
    assert any(f.endswith("/notebooks/train.py") for f in report["downloaded_files"])
    assert any(f.endswith("/train") for f in report["uploaded_files"])
    job = report["databricks_job"]
    assert job["state"]["result_state"] == "SUCCESS" and job["run_id"] and job["number_in_job"] and "job_id" in job
    assert [c["passed"] for c in report["checks"]] == [True, True]
    assert uc_workspace.token not in json.dumps(report)
    # The run id of the report is a real run of the workspace's MLflow, trained with max_depth as passed.
    mlflow_run = report["mlflow_run"]
    assert mlflow_run["run_id"] == job["notebook_result"]
    stored = uc_workspace.sdk().experiments.get_run(mlflow_run["run_id"]).run
    assert {p.key: p.value for p in stored.data.params}["max_depth"] == "6"
    assert stored.info.experiment_id == mlflow_run["experiment_id"]
    assert mlflow_run["metrics"]["test_roc_auc"] >= 0.70 and mlflow_run["run_url"].endswith(mlflow_run["run_id"])


def test_a_dev_run_logs_to_its_branch_experiment_and_prod_keeps_its_own(uc_workspace, training_build):
    _, report, branch = training_build
    assert report["mlflow_run"]["experiment_name"] == f"/Shared/telco-churn/dev/{branch.replace('/', '-')}/model-train"
    names = [e.name for e in uc_workspace.sdk().experiments.search_experiments(max_results=1000)]
    prod = sorted(n for n in names if n.startswith("/Shared/telco-churn/prod/"))
    # deployed_prod's model-train and model-deployment runs: the environment's own experiments only.
    # (A prod run given a branch: test_ui_run_now's run with different parameters.)
    assert "/Shared/telco-churn/prod/model-train" in prod
    assert all(n.count("/") == 4 for n in prod), prod
