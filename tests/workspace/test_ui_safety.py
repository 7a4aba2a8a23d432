"""The pages' safety: the login and its cookie, CSRF tokens, escaping, no token or environment
value on a page, and 404 pages that lead back."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.workspace.browser import log_in, logged_in_page, new_page

XSS = "<script>alert(1)</script>"
ENV_VALUE = "env-value-never-shown-4711"


def _xss_job(workspace) -> int:
    cluster = {"spark_version": "17.3.x-cpu-ml-scala2.13", "num_workers": 0,
               "spark_env_vars": {"SOME_SETTING": ENV_VALUE}}
    task = {"task_key": "t", "new_cluster": cluster,
            "spark_python_task": {"python_file": "dbfs:/ui-tests/none.py", "parameters": [f"--name={XSS}"]}}
    return workspace.sdk().api_client.do("POST", "/api/2.1/jobs/create", body={
        "name": XSS, "tags": {"owner": "<b>x</b>"}, "tasks": [task]})["job_id"]


def test_login_sets_an_httponly_samesite_strict_cookie_and_a_wrong_token_gets_none(workspace, browser):
    page = new_page(browser)
    page.goto(f"{workspace.url}/jobs")
    expect(page).to_have_url(f"{workspace.url}/login?next=%2Fjobs")
    page.get_by_label("Workspace token").fill("dapi-wrong")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong token.")
    assert not [c for c in page.context.cookies() if c["name"] == "workspace_session"]

    page.get_by_label("Workspace token").fill(workspace.token)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{workspace.url}/jobs")
    session = next(c for c in page.context.cookies() if c["name"] == "workspace_session")
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    assert workspace.token not in session["value"]
    page.get_by_role("button", name="Log out").click()
    page.goto(f"{workspace.url}/jobs")
    assert "/login?next=" in page.url


def test_pages_without_the_cookie_go_to_the_login_and_posts_are_refused(workspace, browser):
    job_id = _xss_job(workspace)
    page = new_page(browser)
    for path in (f"/jobs/{job_id}", "/runs/1", "/", "/ml/"):
        page.goto(workspace.url + path)
        assert page.url.startswith(f"{workspace.url}/login?next="), path
    refused = page.request.post(f"{workspace.url}/jobs/{job_id}/run-now", form={"csrf": "x"}, max_redirects=0)
    assert refused.status == 401
    ajax = page.request.get(f"{workspace.url}/ml/ajax-api/2.0/mlflow/experiments/search?max_results=1")
    assert ajax.status == 401
    log_in(page, workspace, f"/jobs/{job_id}")  # after the login, the page first asked for
    assert _runs(workspace, job_id) == []


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(workspace, browser):
    job_id = _xss_job(workspace)
    page = logged_in_page(browser, workspace, f"/jobs/{job_id}")
    for form in ({}, {"csrf": "not-the-token"}):
        refused = page.request.post(f"{workspace.url}/jobs/{job_id}/run-now", form=form, max_redirects=0)
        assert refused.status == 403 and "CSRF" in refused.text()
    assert _runs(workspace, job_id) == []
    cross_site = page.request.post(f"{workspace.url}/ml/ajax-api/2.0/mlflow/registered-models/create",
                                   data={"name": "from-elsewhere"}, headers={"Origin": "http://elsewhere.example"})
    assert cross_site.status == 403
    found = workspace.sdk().api_client.do("GET", "/api/2.0/mlflow/registered-models/search",
                                          query={"filter": "name='from-elsewhere'"})
    assert not found.get("registered_models")


def test_a_script_job_name_renders_as_text_and_no_page_shows_a_token_or_environment_value(workspace, browser):
    job_id = _xss_job(workspace)
    page = logged_in_page(browser, workspace, "/jobs")
    alerts: list[str] = []
    page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
    run_id = workspace.sdk().api_client.do("POST", "/api/2.1/jobs/run-now", body={"job_id": job_id})["run_id"]
    workspace.wait_run(run_id)
    for path in ("/jobs", f"/jobs/{job_id}", f"/runs/{run_id}?task=t"):
        page.goto(workspace.url + path)
        expect(page.get_by_text(XSS).first).to_be_visible()
        html = page.content()
        assert "<script>alert" not in html and "<b>x</b>" not in html
        assert workspace.token not in html and ENV_VALUE not in html
    expect(page.get_by_role("heading", level=1)).to_contain_text("Failed")  # the missing file, said plainly
    assert alerts == []


def test_an_unknown_job_or_run_shows_a_404_page_that_links_back(workspace, browser):
    page = logged_in_page(browser, workspace, "/jobs")
    for path in ("/jobs/999999", "/runs/999999", "/jobs/not-a-number"):
        answer = page.goto(workspace.url + path)
        assert answer.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    page.get_by_role("link", name="All jobs").click()
    expect(page).to_have_url(f"{workspace.url}/jobs")


def _runs(workspace, job_id: int) -> list[dict]:
    return workspace.sdk().api_client.do("GET", "/api/2.1/jobs/runs/list", query={"job_id": job_id}).get("runs", [])
