"""The real dbx 0.8.19 deploys every PROD- workflow to the local workspace and launches the
initial train-register chain, which runs the wheel dbx built on local clusters."""

from __future__ import annotations

from telco_churn.deployment.spec import load_deployment
from tests.workspace.conftest import INITIAL
from tests.workspace.harness import REPO

ARTIFACTS = "dbfs:/Shared/telco-churn/prod/dbx/artifacts/"


def test_dbx_launch_trace_of_the_initial_chain_succeeds(deployed_prod, workspace):
    _, launched = deployed_prod
    assert launched.returncode == 0, launched.stdout[-4000:] + launched.stderr[-4000:]
    runs = workspace.sdk().api_client.do("GET", "/api/2.1/jobs/runs/list", query={"limit": 5})["runs"]
    run = next(r for r in runs if r["run_name"] == INITIAL)
    assert run["state"]["result_state"] == "SUCCESS"
    assert [t["task_key"] for t in sorted(run["tasks"], key=lambda t: t["start_time"])] == [
        "demo-setup", "data-ingest", "feature-table-creation", "model-train"]
    # One shared job cluster for the four tasks, as on Databricks.
    assert len({t["cluster_instance"]["cluster_id"] for t in run["tasks"]}) == 1


def _deployed_jobs(workspace) -> dict[str, dict]:
    client = workspace.sdk().api_client
    jobs = client.do("GET", "/api/2.1/jobs/list", query={"limit": 100, "expand_tasks": "true"})["jobs"]
    return {j["settings"]["name"]: client.do("GET", "/api/2.1/jobs/get", query={"job_id": j["job_id"]}) for j in jobs}


def _expected_argument(argument: str, deployed_value: str) -> bool:
    """dbx hands file:fuse:// files to jobs as /dbfs/ paths, file:// ones as dbfs:/ paths."""
    if argument.startswith("file:fuse://"):
        relative = argument[len("file:fuse://"):]
        return deployed_value.startswith("/dbfs/" + ARTIFACTS[len("dbfs:/"):]) and deployed_value.endswith(
            f"/artifacts/{relative}")
    if argument.startswith("file://"):
        return deployed_value.startswith(ARTIFACTS) and deployed_value.endswith(f"/artifacts/{argument[7:]}")
    return argument == deployed_value


def test_every_deployed_job_matches_deployment_yml(deployed_prod, workspace):
    spec = load_deployment(REPO / "conf" / "deployment.yml")
    expected = spec.workflows("prod")
    found = _deployed_jobs(workspace)
    assert set(expected) <= set(found)
    dbfs_root = workspace.root / "dbfs"
    for name, workflow in expected.items():
        settings = found[name]["settings"]
        tasks = {t["task_key"]: t for t in settings["tasks"]}
        assert set(tasks) == set(workflow.task_keys), name
        assert sorted(c["job_cluster_key"] for c in settings.get("job_clusters", [])) == sorted(workflow.job_cluster_keys)
        for task in workflow.tasks:
            deployed_task = tasks[task.key]
            assert sorted(d["task_key"] for d in deployed_task.get("depends_on", [])) == sorted(task.depends_on)
            assert deployed_task.get("job_cluster_key") == task.job_cluster_key
            wheels = [lib["whl"] for lib in deployed_task["libraries"] if "whl" in lib]
            assert len(wheels) == 1 and wheels[0].startswith(ARTIFACTS) and wheels[0].endswith(
                "/dist/telco_churn-0.1.0-py3-none-any.whl"), deployed_task["libraries"]
            body = deployed_task.get(task.task_type)
            params = body["parameters"]
            assert len(params) == len(task.arguments), (name, task.key)
            for argument, value in zip(task.arguments, params):
                assert _expected_argument(argument, value), (name, task.key, argument, value)
                if value.startswith("/dbfs/"):
                    # The FUSE path reaches the very file dbx uploaded from the checkout.
                    uploaded = dbfs_root / value[len("/dbfs/"):]
                    assert uploaded.read_bytes() == (REPO / argument[len("file:fuse://"):]).read_bytes()
