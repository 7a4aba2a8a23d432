"""The pages' pure parts, without a browser: state words, the task columns, the dialog's
parameters, session cookies, the login's redirect target and the /ml/ routes."""

from __future__ import annotations

import time

import pytest
from werkzeug.datastructures import MultiDict
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from local_workspace.errors import InvalidParameterValue
from local_workspace.ui import auth, views
from local_workspace.ui.mlflow_mount import mount, ui_route
from local_workspace.ui.pages import overrides_from
from local_workspace.ui.site import _local


@pytest.mark.parametrize("life, result, word", [
    ("PENDING", None, "Pending"), ("QUEUED", None, "Queued"), ("RUNNING", None, "Running"),
    ("TERMINATING", None, "Running"), ("TERMINATED", "SUCCESS", "Succeeded"), ("TERMINATED", "FAILED", "Failed"),
    ("TERMINATED", "CANCELED", "Canceled"), ("TERMINATED", "TIMEDOUT", "Timed out"),
    ("INTERNAL_ERROR", "FAILED", "Failed"), ("SKIPPED", "SKIPPED", "Skipped"),
    ("TERMINATED", "UPSTREAM_FAILED", "Upstream failed")])
def test_state_words(life, result, word):
    state = {"life_cycle_state": life, **({"result_state": result} if result else {})}
    assert views.state_word(state) == word
    assert views.state_class(state) == "state-" + word.lower().replace(" ", "-")


def test_tasks_sit_one_column_right_of_their_deepest_dependency():
    def task(key, *deps):
        return {"task_key": key, "depends_on": [{"task_key": d} for d in deps]}

    tasks = [task("report", "train", "prepare"), task("train", "prepare"), task("prepare"), task("other")]
    assert [[t["task_key"] for t in column] for column in views.columns(tasks)] == [
        ["prepare", "other"], ["train"], ["report"]]


def test_the_dialog_sends_python_params_or_job_parameters_and_refuses_anything_else():
    assert overrides_from(MultiDict({})) == {}
    assert overrides_from(MultiDict({"mode": "python_params", "python_params": '["--env", "prod"]'})) == {
        "python_params": ["--env", "prod"]}
    assert overrides_from(MultiDict({"mode": "job_parameters", "jp.depth": "6", "csrf": "x"})) == {
        "job_parameters": {"depth": "6"}}
    for bad in ('["--env", 6]', '{"a": 1}', "[unclosed", ""):
        with pytest.raises(InvalidParameterValue, match="JSON list of strings"):
            overrides_from(MultiDict({"mode": "python_params", "python_params": bad}))
    with pytest.raises(InvalidParameterValue, match="Unknown parameter mode"):
        overrides_from(MultiDict({"mode": "notebook_params"}))


def test_the_dialog_is_prefilled_from_the_job():
    wheel = {"task_key": "t",
             "python_wheel_task": {"package_name": "p", "entry_point": "e", "parameters": ["--env", "prod"]}}
    assert views.run_parameters({"tasks": [wheel]}) == ("python_params", '["--env", "prod"]')
    assert views.run_parameters({"tasks": [wheel], "parameters": [{"name": "depth", "default": "4"}]}) == (
        "job_parameters", [("depth", "4")])


def _request(cookie: str | None = None, form: dict | None = None) -> Request:
    headers = {"Cookie": f"{auth.SESSION_COOKIE}={cookie}"} if cookie else {}
    return Request(EnvironBuilder(method="POST", headers=headers, data=form or {}).get_environ())


def test_sessions_are_signed_expire_and_carry_their_own_csrf_token(monkeypatch):
    sessions = auth.Sessions("dapi-secret")
    session = sessions.new_session()
    assert "dapi-secret" not in session
    assert sessions.session_of(_request(session)) == session
    issued, nonce, signature = session.split(".")
    assert sessions.session_of(_request(f"{int(issued) + 1}.{nonce}.{signature}")) is None  # tampered
    assert auth.Sessions("dapi-other").session_of(_request(session)) is None  # another token
    assert sessions.csrf_ok(_request(session, {"csrf": sessions.csrf_token(session)}), session)
    assert not sessions.csrf_ok(_request(session, {"csrf": sessions.csrf_token(sessions.new_session())}), session)
    assert not sessions.csrf_ok(_request(session), session)
    assert not sessions.csrf_ok(_request(session, {"csrf": "jeton-défini"}), session)  # not ASCII: refused, no error
    assert sessions.session_of(_request(f"{issued}.{nonce}.é")) is None
    monkeypatch.setattr(time, "time", lambda: int(issued) + auth.SESSION_SECONDS + 1)
    assert sessions.session_of(_request(session)) is None  # expired


@pytest.mark.parametrize("target, kept", [
    ("/jobs/3", True), ("/ml/#/models", True), ("//elsewhere.example/x", False), ("/\\elsewhere.example", False),
    ("https://elsewhere.example/", False), ("/jobs\r\nSet-Cookie: x=1", False)])
def test_the_login_only_leads_to_a_page_of_this_site(target, kept):
    assert _local(target) == (target if kept else "/jobs")


def test_ml_paths_reach_mlflows_app_or_its_ui_routes():
    assert ui_route("/ml/experiments/1/runs/abc") == "/ml/#/experiments/1/runs/abc"
    assert ui_route("/ml/models/telco_churn_prod") == "/ml/#/models/telco_churn_prod"
    for served in ("/ml/", "/ml/static-files/static/js/main.js", "/ml/ajax-api/2.0/mlflow/experiments/search"):
        assert ui_route(served) is None
    environ = {"SCRIPT_NAME": "", "PATH_INFO": "/ml/ajax-api/2.0/mlflow/experiments/search"}
    mount(environ)
    assert environ == {"SCRIPT_NAME": "/ml", "PATH_INFO": "/ajax-api/2.0/mlflow/experiments/search"}
