"""The documented Databricks flow on a workspace as Databricks creates one today (profile uc), with
the project's default settings: `telco-churn artifact-volume` creates the volume of dbx's
artifact_location, `dbx deploy` and `dbx launch --trace` of the initial chain, promotion by alias,
the deploy steps of .github/workflows/onrelease.yml verbatim, `databricks jobs run-now` of the
train, deployment and inference jobs; the model lives at prod.telco_churn.telco_churn in the
Unity Catalog registry and MLflow's `databricks-uc` client loads its @champion.
One module (one test worker): each step needs the one before.
"""

from __future__ import annotations

import json

import pytest
from databricks.sdk.service import catalog, jobs

from tests.workspace.conftest import INITIAL
from tests.workspace.parity import assert_parses
from tests.workspace.flows import GITHUB_TAG_ENV, TAG, TELCO_CHURN, ok, release_deploy_steps, run_now, task_logs

MODEL = "prod.telco_churn.telco_churn"
VOLUME = "/Volumes/prod/telco_churn/artifacts/dbx/"


@pytest.fixture(scope="module")
def initial_chain(deployed_uc):
    """The README's first steps on a new workspace: the volume, then deploy and launch the chain
    (the session's uc deployment, shared with the modules of SHARED's uc group, which run after this one)."""
    created, deployed, launched = deployed_uc
    return ok(created), deployed, launched


def test_the_initial_chain_installs_its_wheel_from_the_volume_and_registers_in_unity_catalog(
        initial_chain, uc_workspace):
    created, deployed, launched = initial_chain
    assert "volume prod.telco_churn.artifacts" in created
    assert deployed.returncode == 0, deployed.stdout[-3000:] + deployed.stderr[-3000:]
    assert launched.returncode == 0, launched.stdout[-4000:] + launched.stderr[-4000:]
    client = uc_workspace.sdk()
    (job,) = client.jobs.list(name=INITIAL)
    settings = client.api_client.do("GET", "/api/2.1/jobs/get", query={"job_id": job.job_id})["settings"]
    for task in settings["tasks"]:
        # dbx writes the volume's dbfs:/Volumes/... URI; the configs come from inside the wheel.
        (library,) = task["libraries"]
        assert library["whl"].startswith("dbfs:" + VOLUME) and library["whl"].endswith(".whl"), library
        assert task["python_wheel_task"]["parameters"] == ["--env", "prod"]
    run = client.api_client.do("GET", "/api/2.1/jobs/runs/list", query={"job_id": job.job_id})["runs"][-1]
    assert_parses(jobs.Run, run)
    assert run["state"]["result_state"] == "SUCCESS"
    # The wheel really sits in the volume, where the Files API lists it.
    dist = [f.path for f in client.files.list_directory_contents(library["whl"][len("dbfs:"):].rsplit("/", 1)[0])]
    assert any(p.endswith(".whl") for p in dist), dist
    # The cluster's Spark catalogs are the workspace's Unity Catalog: the chain's tables are there.
    tables = {t.name: t for t in client.tables.list("prod", "telco_churn")}
    assert {"bronze_customers", "churn_features", "churn_labels", "churn_reference"} <= set(tables), sorted(tables)
    features = client.api_client.do("GET", "/api/2.1/unity-catalog/tables/prod.telco_churn.churn_features")
    assert_parses(catalog.TableInfo, features)
    assert features["table_type"] == "EXTERNAL" and features["data_source_format"] == "DELTA"
    model = client.registered_models.get(MODEL)
    assert model.full_name == MODEL
    assert [v.version for v in client.model_versions.list(MODEL)] == [1]


def test_release_then_run_now_moves_the_champion_alias(initial_chain, uc_workspace, uc_project, monkeypatch):
    assert initial_chain[2].returncode == 0, "the initial chain must have registered version 1"
    promote = [TELCO_CHURN, "promote", "--env", "prod", "--engine", "databricks"]
    ok(uc_workspace.run([*promote, "--version", "1", "--alias", "champion"], cwd=uc_project))
    for command in release_deploy_steps():
        ok(uc_workspace.run(["bash", "-e", "-c", command], cwd=uc_project, extra_env=GITHUB_TAG_ENV))
    client = uc_workspace.sdk()
    job_ids = {j.settings.name: j.job_id for j in client.jobs.list()}
    train = client.api_client.do("GET", "/api/2.1/jobs/get", query={"job_id": job_ids["PROD-telco-churn-model-train"]})
    params = train["settings"]["tasks"][0]["python_wheel_task"]["parameters"]
    run_now(uc_workspace, job_ids["PROD-telco-churn-model-train"], "--python-params",
             json.dumps([*params, "--set", "model_params.max_depth=8"]))
    ok(uc_workspace.run([*promote, "--version", "2", "--alias", "challenger"], cwd=uc_project))
    run_now(uc_workspace, job_ids["PROD-telco-churn-model-deployment"])
    inference = run_now(uc_workspace, job_ids["PROD-telco-churn-model-inference-batch"])
    logs = task_logs(uc_workspace, inference)
    assert f"Scored 7043 row(s) of prod.telco_churn.churn_features with {MODEL} v2" in logs, logs[-3000:]
    assert client.tables.get("prod.telco_churn.churn_predictions").storage_location

    # The story's decision (depth 8 beats depth 4) moved @champion to version 2.
    aliases = {a.alias_name: a.version_num for a in client.registered_models.get(MODEL, include_aliases=True).aliases}
    assert aliases["champion"] == 2, aliases
    monkeypatch.setenv("DATABRICKS_HOST", uc_workspace.url)
    monkeypatch.setenv("DATABRICKS_TOKEN", uc_workspace.token)
    import mlflow

    # dbx recorded the release's deployment as a run of its workspace_directory, with the --tags.
    tracking = mlflow.MlflowClient(tracking_uri="databricks")
    dbx_runs = tracking.search_runs([tracking.get_experiment_by_name("/Shared/telco-churn/prod/dbx").experiment_id],
                                    f"tags.release = '{TAG}'")
    assert [r.data.tags["dbx_status"] for r in dbx_runs] == ["SUCCESS"] * len(release_deploy_steps())

    # Both URIs, as a Databricks user sets them: with only the registry's, MLflow 3 resolves the
    # model's run on its default tracking store, a new mlflow.db in the working directory.
    mlflow.set_tracking_uri("databricks")
    mlflow.set_registry_uri("databricks-uc")
    try:
        champion = mlflow.pyfunc.load_model(f"models:/{MODEL}@champion")
    finally:
        mlflow.set_registry_uri(None)
        mlflow.set_tracking_uri(None)
    version = client.model_versions.get(MODEL, 2)
    assert champion.metadata.run_id == version.run_id
