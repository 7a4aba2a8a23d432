"""The README's release and "Run now" flow on the local workspace: the deploy steps of
.github/workflows/onrelease.yml verbatim, the manual promotions with the README's command,
and `databricks jobs run-now` of the train, deployment and inference jobs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from tests.workspace.harness import REPO, databricks_cli

TAG = "v0.1.0"
# What GitHub Actions sets for a push of a v* tag.
GITHUB_TAG_ENV = {"GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_EVENT_NAME": "push", "GITHUB_REF": f"refs/tags/{TAG}",
                  "GITHUB_REF_NAME": TAG, "GITHUB_REF_TYPE": "tag", "GITHUB_REPOSITORY": "example/telco-churn"}
TELCO_CHURN = str(Path(sys.executable).parent / "telco-churn")


def release_deploy_steps() -> list[str]:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "onrelease.yml").read_text())
    return [step["run"] for step in workflow["jobs"]["deploy"]["steps"] if "dbx deploy" in step.get("run", "")]


def _ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def _run_now(workspace, job_id: int, *extra: str) -> dict:
    out = _ok(databricks_cli(workspace, "jobs", "run-now", "--version", "2.1", "--job-id", str(job_id), *extra))
    run = workspace.wait_run(json.loads(out)["run_id"])
    assert run["state"]["result_state"] == "SUCCESS", json.dumps(run["state"]) + _task_errors(workspace, run)
    return run


def _task_errors(workspace, run) -> str:
    client = workspace.sdk().api_client
    outputs = [client.do("GET", "/api/2.1/jobs/runs/get-output", query={"run_id": t["run_id"]}) for t in run["tasks"]]
    return "\n".join(o.get("error_trace", o.get("logs", ""))[-3000:] for o in outputs)


def test_release_then_run_now_reaches_the_story_decision(deployed_prod, workspace, project):
    assert deployed_prod[1].returncode == 0, "the initial chain must have registered version 1"
    for command in release_deploy_steps():
        _ok(workspace.run(["bash", "-e", "-c", command], cwd=project, extra_env=GITHUB_TAG_ENV))
    jobs = json.loads(_ok(databricks_cli(workspace, "jobs", "list", "--version", "2.1", "--output", "JSON")))["jobs"]
    job_ids = {j["settings"]["name"]: j["job_id"] for j in jobs}
    for name in ("PROD-telco-churn-model-train", "PROD-telco-churn-model-deployment",
                 "PROD-telco-churn-model-inference-batch"):
        assert json.loads(_ok(databricks_cli(workspace, "jobs", "get", "--job-id", str(job_ids[name]))))[
            "settings"]["tags"] == {"release": TAG}

    promote = [TELCO_CHURN, "promote", "--env", "prod", "--engine", "databricks"]
    _ok(workspace.run([*promote, "--version", "1", "--stage", "Production"], cwd=project))
    # The pull request of the README's step 3 deepens the trees: run-now with those parameters.
    train = workspace.sdk().api_client.do("GET", "/api/2.1/jobs/get", query={"job_id": job_ids["PROD-telco-churn-model-train"]})
    params = train["settings"]["tasks"][0]["python_wheel_task"]["parameters"]
    _run_now(workspace, job_ids["PROD-telco-churn-model-train"], "--python-params",
             json.dumps([*params, "--set", "model_params.max_depth=8"]))
    _ok(workspace.run([*promote, "--version", "2", "--stage", "Staging"], cwd=project))
    _run_now(workspace, job_ids["PROD-telco-churn-model-deployment"])
    _run_now(workspace, job_ids["PROD-telco-churn-model-inference-batch"])

    models = _ok(workspace.run([TELCO_CHURN, "models", "--env", "prod", "--engine", "databricks"], cwd=project))
    assert "telco_churn_prod v1: stage Archived" in models and "telco_churn_prod v2: stage Production" in models
    decision = _ok(workspace.run([sys.executable, "-c", DECISION], cwd=project)).strip()
    assert decision == "promote_candidate_better"  # the story's decision: depth 8 beats depth 4
    from deltalake import DeltaTable

    predictions = workspace.root / "dbfs/user/hive/warehouse/hive_metastore/telco_churn_prod/churn_predictions"
    assert DeltaTable(str(predictions)).to_pyarrow_table().num_rows == 7043


DECISION = """
import mlflow
runs = mlflow.search_runs(experiment_names=["/Shared/telco-churn/prod/model-deployment"], order_by=["start_time DESC"])
print(runs["tags.decision"].iloc[0])
"""
