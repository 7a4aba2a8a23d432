"""The README's manual step, by clicking in MLflow's own UI on the workspace: version 1 of
the deployed model to Production (with the "New model registry UI" switch off, which shows
stages), then checked through the registry API."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.workspace.browser import log_in, new_page

MODEL = "telco_churn_prod"


def _stages(workspace) -> dict[str, str]:
    found = workspace.sdk().api_client.do("GET", "/api/2.0/mlflow/model-versions/search",
                                          query={"filter": f"name='{MODEL}'", "max_results": 100})
    return {v["version"]: v["current_stage"] for v in found["model_versions"]}


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
