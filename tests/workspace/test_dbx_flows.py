"""The documented flow with the legacy settings (`platform: legacy`, .dbx/project.legacy.json) on a
legacy workspace, with the real dbx 0.8.19: every PROD- workflow deployed and the initial
train-register chain launched (the wheel dbx built runs on local clusters), and promotion by
stage with the README's command. The release steps and `databricks jobs run-now` are tested on a
uc workspace (test_dbx_flow_uc.py). One module (one test worker): promotion needs the chain's
version 1.
"""

from __future__ import annotations

import pytest
from databricks.sdk.service import jobs

from telco_churn.deployment.spec import load_deployment
from tests.workspace.conftest import INITIAL
from tests.workspace.flows import TELCO_CHURN, ok
from tests.workspace.harness import REPO
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
    """dbx hands file:// files to jobs as dbfs:/ paths under its artifact location."""
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
                if value.startswith("dbfs:/"):
                    # The path reaches the very file dbx uploaded from the project it deployed.
                    uploaded = dbfs_root / value[len("dbfs:/"):]
                    assert uploaded.read_bytes() == (project / argument[len("file://"):]).read_bytes()


@pytest.fixture
def mlflow_client(workspace, monkeypatch):
    """An MLflow client of the workspace's tracking server and registry (tracking URI databricks)."""
    from mlflow import MlflowClient

    monkeypatch.setenv("DATABRICKS_HOST", workspace.url)
    monkeypatch.setenv("DATABRICKS_TOKEN", workspace.token)
    return MlflowClient(tracking_uri="databricks", registry_uri="databricks")


def test_promotion_by_stage_with_the_readme_command(deployed_prod, workspace, project, mlflow_client):
    """The legacy settings' end of the flow: version 1 of the chain to Production with the README's
    command, in the workspace registry (stages). The release steps and the run-nows run on a uc
    workspace (test_dbx_flow_uc.py); test_ui_run_now runs the train job from the Jobs page here."""
    assert deployed_prod[1].returncode == 0, "the initial chain must have registered version 1"
    promote = [TELCO_CHURN, "promote", "--env", "prod", "--engine", "databricks"]
    ok(workspace.run([*promote, "--version", "1", "--stage", "Production"], cwd=project))
    assert mlflow_client.get_model_version("telco_churn_prod", "1").current_stage == "Production"
    # Back to where the initial chain left it: test_ui_run_now promotes version 1 in the MLflow UI.
    ok(workspace.run([*promote, "--version", "1", "--stage", "None"], cwd=project))
    assert mlflow_client.get_model_version("telco_churn_prod", "1").current_stage == "None"
