"""The real dbx 0.8.19 against the local workspace: every PROD- workflow deployed and the initial
train-register chain launched (the wheel dbx built runs on local clusters); then the README's
release and "Run now" flow: the deploy steps of .github/workflows/onrelease.yml verbatim, the
manual promotions with the README's command, and `databricks jobs run-now` of the train,
deployment and inference jobs. One module (one test worker): the release flow needs the chain's
version 1.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from databricks.sdk.service import jobs

from telco_churn.deployment.spec import load_deployment
from tests.workspace.conftest import INITIAL
from tests.workspace.harness import REPO, databricks_cli
from tests.workspace.parity import assert_parses

ARTIFACTS = "dbfs:/Shared/telco-churn/prod/dbx/artifacts/"


def test_dbx_launch_trace_of_the_initial_chain_succeeds(deployed_prod, workspace):
    _, launched = deployed_prod
    assert launched.returncode == 0, launched.stdout[-4000:] + launched.stderr[-4000:]
    client = workspace.sdk().api_client
    job = client.do("GET", "/api/2.1/jobs/list", query={"name": INITIAL})["jobs"][0]
    run = client.do("GET", "/api/2.1/jobs/runs/list", query={"job_id": job["job_id"]})["runs"][-1]  # its first run
    assert run["state"]["result_state"] == "SUCCESS"
    assert_parses(jobs.Run, run)
    assert [t["task_key"] for t in sorted(run["tasks"], key=lambda t: t["start_time"])] == [
        "demo-setup", "data-ingest", "feature-table-creation", "model-train"]
    # One shared job cluster for the four tasks, as on Databricks.
    assert len({t["cluster_instance"]["cluster_id"] for t in run["tasks"]}) == 1
    train = next(t for t in run["tasks"] if t["task_key"] == "model-train")
    logs = client.do("GET", "/api/2.1/jobs/runs/get-output", query={"run_id": train["run_id"]})["logs"]
    # The engine recognised the cluster, and the task ran with its deployment environment's settings.
    assert "Engine: connect" in logs and "Spark Connect cluster sc://127.0.0.1:" in logs
    assert "env=prod" in logs and "Registered telco_churn_prod version 1" in logs


def _deployed_jobs(workspace) -> dict[str, dict]:
    client = workspace.sdk().api_client
    listed = client.do("GET", "/api/2.1/jobs/list", query={"limit": 100, "expand_tasks": "true"})["jobs"]
    return {j["settings"]["name"]: client.do("GET", "/api/2.1/jobs/get", query={"job_id": j["job_id"]}) for j in listed}


def _expected_argument(argument: str, deployed_value: str) -> bool:
    """dbx hands file:fuse:// files to jobs as /dbfs/ paths, file:// ones as dbfs:/ paths."""
    if argument.startswith("file:fuse://"):
        relative = argument[len("file:fuse://"):]
        return deployed_value.startswith("/dbfs/" + ARTIFACTS[len("dbfs:/"):]) and deployed_value.endswith(
            f"/artifacts/{relative}")
    if argument.startswith("file://"):
        return deployed_value.startswith(ARTIFACTS) and deployed_value.endswith(f"/artifacts/{argument[7:]}")
    return argument == deployed_value


def test_every_deployed_job_matches_deployment_yml(deployed_prod, workspace, project):
    spec = load_deployment(REPO / "conf" / "deployment.yml")
    expected = spec.workflows("prod")
    found = _deployed_jobs(workspace)
    assert set(expected) <= set(found)
    dbfs_root = workspace.root / "dbfs"
    for name, workflow in expected.items():
        assert_parses(jobs.Job, found[name])  # what dbx deployed reads back as the SDK's Job
        settings = found[name]["settings"]
        tasks = {t["task_key"]: t for t in settings["tasks"]}
        assert set(tasks) == set(workflow.task_keys), name
        assert sorted(c["job_cluster_key"] for c in settings.get("job_clusters", [])) == sorted(workflow.job_cluster_keys)
        deployed_clusters = {c["job_cluster_key"]: c["new_cluster"] for c in settings.get("job_clusters", [])}
        for cluster in workflow.raw.get("job_clusters") or []:
            deployed = deployed_clusters[cluster["job_cluster_key"]]
            for field, value in cluster["new_cluster"].items():  # runtime, node type, env vars...
                assert deployed.get(field) == value, (name, cluster["job_cluster_key"], field)
        for task in workflow.tasks:
            deployed_task = tasks[task.key]
            assert sorted(d["task_key"] for d in deployed_task.get("depends_on", [])) == sorted(task.depends_on)
            assert deployed_task.get("job_cluster_key") == task.job_cluster_key
            if task.task_type in ("condition_task", "run_job_task"):
                # deployment_config no_package: dbx attached no wheel, and its own field is gone.
                assert not deployed_task.get("libraries") and "deployment_config" not in deployed_task, deployed_task
                if task.task_type == "run_job_task":  # job://NAME resolved to the retraining job's id
                    assert isinstance(deployed_task["run_job_task"]["job_id"], int), deployed_task
                continue
            wheels = [lib["whl"] for lib in deployed_task["libraries"] if "whl" in lib]
            assert len(wheels) == 1 and wheels[0].startswith(ARTIFACTS) and wheels[0].endswith(
                "/dist/telco_churn-0.1.0-py3-none-any.whl"), deployed_task["libraries"]
            body = deployed_task.get(task.task_type)
            params = body["parameters"]
            assert len(params) == len(task.arguments), (name, task.key)
            for argument, value in zip(task.arguments, params):
                assert _expected_argument(argument, value), (name, task.key, argument, value)
                if value.startswith("/dbfs/"):
                    # The FUSE path reaches the very file dbx uploaded from the project it deployed.
                    uploaded = dbfs_root / value[len("/dbfs/"):]
                    assert uploaded.read_bytes() == (project / argument[len("file:fuse://"):]).read_bytes()


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


@pytest.fixture
def mlflow_client(workspace, monkeypatch):
    """An MLflow client of the workspace's tracking server and registry (tracking URI databricks)."""
    from mlflow import MlflowClient

    monkeypatch.setenv("DATABRICKS_HOST", workspace.url)
    monkeypatch.setenv("DATABRICKS_TOKEN", workspace.token)
    return MlflowClient(tracking_uri="databricks", registry_uri="databricks")


def _latest_runs(client, experiment: str, filter_string: str = "") -> list:
    found = client.get_experiment_by_name(experiment)
    return client.search_runs([found.experiment_id], filter_string, order_by=["attributes.start_time DESC"])


def _run_now(workspace, job_id: int, *extra: str) -> dict:
    out = _ok(databricks_cli(workspace, "jobs", "run-now", "--version", "2.1", "--job-id", str(job_id), *extra))
    run = workspace.wait_run(json.loads(out)["run_id"])
    assert run["state"]["result_state"] == "SUCCESS", json.dumps(run["state"]) + _task_errors(workspace, run)
    return run


def _task_errors(workspace, run) -> str:
    client = workspace.sdk().api_client
    outputs = [client.do("GET", "/api/2.1/jobs/runs/get-output", query={"run_id": t["run_id"]}) for t in run["tasks"]]
    return "\n".join(o.get("error_trace", o.get("logs", ""))[-3000:] for o in outputs)


def test_release_then_run_now_reaches_the_story_decision(deployed_prod, workspace, project, mlflow_client):
    assert deployed_prod[1].returncode == 0, "the initial chain must have registered version 1"
    for command in release_deploy_steps():
        _ok(workspace.run(["bash", "-e", "-c", command], cwd=project, extra_env=GITHUB_TAG_ENV))
    jobs = json.loads(_ok(databricks_cli(workspace, "jobs", "list", "--version", "2.1", "--output", "JSON")))["jobs"]
    job_ids = {j["settings"]["name"]: j["job_id"] for j in jobs}
    # dbx records each deployment as an MLflow run of its workspace_directory, with the --tags.
    releases = _latest_runs(mlflow_client, "/Shared/telco-churn/prod/dbx", f"tags.release = '{TAG}'")
    assert [r.data.tags["dbx_status"] for r in releases] == ["SUCCESS"] * len(release_deploy_steps())

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

    stages = {v.version: v.current_stage for v in mlflow_client.search_model_versions("name='telco_churn_prod'")}
    assert stages == {"1": "Archived", "2": "Production"}
    decision = _latest_runs(mlflow_client, "/Shared/telco-churn/prod/model-deployment")[0].data.tags["decision"]
    assert decision == "promote_candidate_better"  # the story's decision: depth 8 beats depth 4
    from deltalake import DeltaTable

    predictions = workspace.root / "dbfs/user/hive/warehouse/hive_metastore/telco_churn_prod/churn_predictions"
    assert DeltaTable(str(predictions)).to_pyarrow_table().num_rows == 7043
