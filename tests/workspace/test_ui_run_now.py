"""In a browser, on the deployed PROD- jobs (one dbx deployment for the module): log in, press
Run now on PROD-telco-churn-model-train, watch the run page reach Succeeded and find the new model
version in the registry; Run now with different parameters (`--set model_params.max_depth=6`, and
a branch, which a prod run ignores: it logs to the shared prod experiment); and the README's manual
step, by clicking in MLflow's own UI: version 1 to Production (with the "New model registry UI"
switch off, which shows stages), checked through the registry API."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.workspace.browser import job_id_named, log_in, logged_in_page, new_page, run_id_of, snap, wait_run_ended

TRAIN = "PROD-telco-churn-model-train"
INITIAL = "PROD-telco-churn-initial-model-train-register"
MODEL = "telco_churn_prod"


def _versions(workspace) -> list[dict]:
    found = workspace.sdk().api_client.do("GET", "/api/2.0/mlflow/model-versions/search",
                                          query={"filter": f"name='{MODEL}'", "max_results": 100})
    return sorted(found.get("model_versions", []), key=lambda v: int(v["version"]))


def _stages(workspace) -> dict[str, str]:
    return {v["version"]: v["current_stage"] for v in _versions(workspace)}


def _run_ids(workspace, job_id: int) -> list[int]:
    found = workspace.sdk().api_client.do("GET", "/api/2.1/jobs/runs/list", query={"job_id": job_id})
    return [r["run_id"] for r in found.get("runs", [])]


def _run_params_and_experiment(workspace, mlflow_run_id: str) -> tuple[dict[str, str], str]:
    """An MLflow run's params and the name of its experiment."""
    api = workspace.sdk().api_client
    run = api.do("GET", "/api/2.0/mlflow/runs/get", query={"run_id": mlflow_run_id})["run"]
    experiment = api.do("GET", "/api/2.0/mlflow/experiments/get", query={"experiment_id": run["info"]["experiment_id"]})
    return {p["key"]: p["value"] for p in run["data"].get("params", [])}, experiment["experiment"]["name"]


def test_run_now_in_the_jobs_page_trains_a_new_model_version(deployed_prod, workspace, browser):
    before = _versions(workspace)
    page = new_page(browser)
    log_in(page, workspace, "/jobs")
    rows = page.locator("#jobs tbody tr")
    snap(page, "ui-jobs")
    page.get_by_label("Filter by name").fill(TRAIN)
    visible = rows.filter(visible=True)
    expect(visible).to_have_count(1)
    assert rows.count() > 1  # the other PROD- jobs are only hidden
    visible.get_by_role("button", name="Run now").click()
    run_id = run_id_of(page)
    assert wait_run_ended(page) == "Succeeded"
    expect(page.locator('.graph [data-task="model-train"]')).to_contain_text("Succeeded")
    snap(page, "ui-run-succeeded")

    after = _versions(workspace)
    assert len(after) == len(before) + 1
    run = workspace.sdk().api_client.do("GET", "/api/2.1/jobs/runs/get", query={"run_id": run_id})
    assert run["job_id"] == job_id_named(workspace, TRAIN) and run["state"]["result_state"] == "SUCCESS"

    page.get_by_role("link", name=TRAIN).click()  # the breadcrumb: the job page, its runs newest first
    newest = page.locator("#runs tbody tr").first
    expect(newest).to_contain_text(str(run_id))
    expect(newest.locator("td").nth(3)).to_have_text("UI")
    expect(newest.locator("td").nth(4)).to_have_text("Succeeded")
    expect(page.locator('.graph [data-task="model-train"]')).to_contain_text("telco-churn-model-train")


def test_the_job_page_draws_the_tasks_in_depends_on_order(deployed_prod, workspace, browser):
    job_id = job_id_named(workspace, INITIAL)
    page = logged_in_page(browser, workspace, f"/jobs/{job_id}", viewport=(1600, 900))
    columns = page.locator(".graph .column")
    assert [columns.nth(i).locator(".task h3").all_inner_texts() for i in range(columns.count())] == [
        ["demo-setup"], ["data-ingest"], ["feature-table-creation"], ["model-train"]]
    model_train = page.locator('.graph [data-task="model-train"]')
    for fact in ("Python wheel", "telco_churn : telco-churn-model-train", "telco-churn-cluster (job cluster",
                 "whl: dbfs:/Shared/telco-churn/prod/dbx/artifacts/", "feature-table-creation"):
        expect(model_train).to_contain_text(fact)
    expect(page.locator("#runs tbody tr").first.locator("td").nth(3)).to_have_text("dbx")  # dbx launch
    snap(page, "ui-job")


def test_run_now_with_different_parameters_sets_max_depth(deployed_prod, workspace, browser):
    job_id = job_id_named(workspace, TRAIN)
    page = logged_in_page(browser, workspace, f"/jobs/{job_id}")
    page.get_by_role("button", name="Run now with different parameters").click()
    box = page.get_by_label("Parameters (a JSON list of strings, given to every Python task)")
    params = json.loads(box.input_value())
    assert params[:2] == ["--env", "prod"]  # prefilled with the task's parameters, as on Databricks
    # A branch set on a prod run: prod keeps its shared experiments (per-branch ones are for dev).
    box.fill(json.dumps([*params, "--env-set", "branch=feature/from-the-ui", "--set", "model_params.max_depth=6"]))
    page.get_by_role("button", name="Run", exact=True).click()
    run_id = run_id_of(page)
    assert wait_run_ended(page) == "Succeeded"

    run = workspace.sdk().api_client.do("GET", "/api/2.1/jobs/runs/get", query={"run_id": run_id})
    assert run["overriding_parameters"]["python_params"][-2:] == ["--set", "model_params.max_depth=6"]
    newest = _versions(workspace)[-1]
    params, experiment = _run_params_and_experiment(workspace, newest["run_id"])
    assert params["max_depth"] == "6"
    assert experiment == "/Shared/telco-churn/prod/model-train"


def test_bad_parameters_are_refused_and_start_nothing(deployed_prod, workspace, browser):
    job_id = job_id_named(workspace, TRAIN)
    runs_before = _run_ids(workspace, job_id)
    page = logged_in_page(browser, workspace, f"/jobs/{job_id}")
    page.get_by_role("button", name="Run now with different parameters").click()
    page.get_by_label("Parameters (a JSON list of strings, given to every Python task)").fill('["--env", 6')
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Parameters must be a JSON list of strings")
    assert _run_ids(workspace, job_id) == runs_before


def test_promote_version_1_to_production_in_the_mlflow_ui(deployed_prod, workspace, browser):
    assert "1" in _stages(workspace), "the initial chain registers version 1"
    page = new_page(browser, (1400, 900))
    log_in(page, workspace, "/jobs")
    page.get_by_role("link", name="MLflow").click()  # the header's link
    expect(page.get_by_role("link", name="Experiments", exact=True)).to_be_visible()  # MLflow's own UI
    page.evaluate(f"window.location.hash = '#/models/{MODEL}'")  # the model's page, without a reload
    page.get_by_role("switch", name="New model registry UI").click()
    page.get_by_role("button", name="Disable").click()
    page.get_by_role("link", name="Version 1", exact=True).click()
    page.locator(".mlflow-stage-transition-dropdown").click()
    page.get_by_role("menuitem").filter(has_text="Production").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("checkbox").check()  # archive the version now in Production
    dialog.get_by_role("button", name="OK").click()
    expect(dialog).to_be_hidden()

    stages = _stages(workspace)
    assert stages["1"] == "Production"
    assert [v for v, stage in stages.items() if stage == "Production"] == ["1"]
