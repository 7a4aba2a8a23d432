"""Jobs control flow on the local workspace: task values set in a Python task through
`databricks.sdk.runtime`'s dbutils, a condition_task on `{{tasks.check.values.retrain}}`, a
run_job_task that starts a second job, a quartz schedule with pause_status, and the pages that
show them. The operators, the quartz parser and the settings checks are pure unit tests."""

from __future__ import annotations

import io
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from databricks.sdk.service.jobs import Run, RunOutput
from playwright.sync_api import expect

from local_workspace.errors import InvalidParameterValue
from local_workspace.services.jobs.conditions import ConditionError, evaluate, excluded
from local_workspace.services.jobs.quartz import QuartzCron, QuartzError
from local_workspace.services.jobs.settings import normalize
from tests.workspace.browser import logged_in_page

CLUSTER = {"spark_version": "17.3.x-cpu-ml-scala2.13", "num_workers": 0}
CHECK = b"""import sys
from databricks.sdk.runtime import dbutils
dbutils.jobs.taskValues.set("retrain", sys.argv[1] == "true")
dbutils.jobs.taskValues.set("why", {"metric": "psi", "column": "Contract"})
print("retrain:", dbutils.jobs.taskValues.get("check", "retrain"))
"""
CHILD = b"print('retraining, as asked')\n"
REPORT = b"""import sys
from databricks.sdk.runtime import dbutils
print("column from get:", dbutils.jobs.taskValues.get(taskKey="check", key="why")["column"])
print("why from the reference:", sys.argv[1])
"""


@pytest.fixture(scope="module")
def jobs(workspace):
    """(monitoring job id, retraining job id), on the session workspace."""
    client = workspace.sdk()
    client.dbfs.upload("/flow/check.py", io.BytesIO(CHECK), overwrite=True)
    client.dbfs.upload("/flow/child.py", io.BytesIO(CHILD), overwrite=True)
    client.dbfs.upload("/flow/report.py", io.BytesIO(REPORT), overwrite=True)
    api = client.api_client
    child = api.do("POST", "/api/2.1/jobs/create", body={"name": "retraining", "tasks": [
        {"task_key": "train", "new_cluster": CLUSTER, "spark_python_task": {"python_file": "dbfs:/flow/child.py"}}]})
    parent = api.do("POST", "/api/2.1/jobs/create", body={
        "name": "monitoring", "parameters": [{"name": "retrain", "default": "false"}], "tasks": [
            {"task_key": "check", "new_cluster": CLUSTER,
             "spark_python_task": {"python_file": "dbfs:/flow/check.py", "parameters": ["{{job.parameters.retrain}}"]}},
            {"task_key": "report", "depends_on": [{"task_key": "check"}], "new_cluster": CLUSTER,
             "spark_python_task": {"python_file": "dbfs:/flow/report.py", "parameters": ["{{tasks.check.values.why}}"]}},
            {"task_key": "decide", "depends_on": [{"task_key": "check"}],
             "condition_task": {"op": "EQUAL_TO", "left": "{{tasks.check.values.retrain}}", "right": "true"}},
            {"task_key": "retrain", "depends_on": [{"task_key": "decide", "outcome": "true"}],
             "run_job_task": {"job_id": child["job_id"]}}]})
    return parent["job_id"], child["job_id"]


def _run(workspace, job_id: int, retrain: str) -> Run:
    client = workspace.sdk()
    run_id = client.jobs.run_now(job_id, job_parameters={"retrain": retrain}).run_id
    workspace.wait_run(run_id)
    return client.jobs.get_run(run_id)


def test_a_true_condition_runs_the_other_job_and_the_run_page_shows_outcome_and_link(workspace, jobs, browser):
    parent_id, child_id = jobs
    run = _run(workspace, parent_id, "true")
    assert run.state.result_state.value == "SUCCESS", run.state
    tasks = {t.task_key: t for t in run.tasks}
    assert tasks["decide"].condition_task.outcome == "true"
    assert tasks["decide"].resolved_values.condition_task.left == "true"  # the task value, as JSON
    assert tasks["retrain"].state.result_state.value == "SUCCESS"
    logs = workspace.sdk().jobs.get_run_output(tasks["report"].run_id).logs
    assert "column from get: Contract" in logs
    assert 'why from the reference: {"metric": "psi", "column": "Contract"}' in logs
    output = RunOutput.from_dict(workspace.sdk().api_client.do(
        "GET", "/api/2.1/jobs/runs/get-output", query={"run_id": tasks["retrain"].run_id}))
    child = workspace.sdk().jobs.get_run(output.run_job_output.run_id)
    assert (child.job_id, child.trigger.value, child.state.result_state.value) == (child_id, "RUN_JOB_TASK", "SUCCESS")

    page = logged_in_page(browser, workspace, f"/runs/{run.run_id}")
    expect(page.locator('[data-task="decide"] .outcome')).to_have_text("Outcome: true")
    page.locator('.triggered[data-task="retrain"] a').click()
    page.wait_for_url(f"{workspace.url}/runs/{child.run_id}")
    page.goto(f"{workspace.url}/runs/{run.run_id}?task=check")
    expect(page.locator(".task-values")).to_contain_text('"column": "Contract"')


def test_a_false_condition_excludes_the_run_job_task_and_the_other_job_does_not_run(workspace, jobs):
    parent_id, child_id = jobs
    before = list(workspace.sdk().jobs.list_runs(job_id=child_id))
    run = _run(workspace, parent_id, "false")
    assert run.state.result_state.value == "SUCCESS", run.state
    tasks = {t.task_key: t for t in run.tasks}
    assert tasks["decide"].condition_task.outcome == "false"
    assert tasks["retrain"].state.result_state.value == "EXCLUDED"
    assert list(workspace.sdk().jobs.list_runs(job_id=child_id)) == before


def test_a_schedule_starts_runs_by_itself_and_pausing_stops_them(workspace, browser):
    client = workspace.sdk()
    schedule = {"quartz_cron_expression": "*/2 * * * * ?", "timezone_id": "Europe/Paris", "pause_status": "UNPAUSED"}
    job_id = client.api_client.do("POST", "/api/2.1/jobs/create", body={
        "name": "scheduled", "schedule": schedule, "tasks": [
            {"task_key": "tick", "condition_task": {"op": "GREATER_THAN", "left": "2", "right": "1"}}]})["job_id"]
    try:  # on the session workspace: a failed test must not leave a schedule ticking
        page = logged_in_page(browser, workspace, f"/jobs/{job_id}")
        expect(page.locator("#schedule")).to_contain_text("*/2 * * * * ?")
        expect(page.locator("#schedule .pause-status")).to_have_text("UNPAUSED")
        expect(page.locator("#schedule .next-run")).to_contain_text(datetime.now(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%d"))

        deadline = time.monotonic() + 20
        while len(runs := list(client.jobs.list_runs(job_id=job_id))) < 2 and time.monotonic() < deadline:
            time.sleep(0.3)
        assert len(runs) >= 2 and {r.trigger.value for r in runs} == {"PERIODIC"}

        client.api_client.do("POST", "/api/2.1/jobs/update", body={
            "job_id": job_id, "new_settings": {"schedule": {**schedule, "pause_status": "PAUSED"}}})
        time.sleep(0.5)  # a tick that read the settings just before the update may still start one
        paused_count = len(list(client.jobs.list_runs(job_id=job_id)))
        time.sleep(4.5)  # two periods of the cron: runs it would have started
        assert len(list(client.jobs.list_runs(job_id=job_id))) == paused_count
        page.reload()
        expect(page.locator("#schedule .pause-status")).to_have_text("PAUSED")
        expect(page.locator("#schedule .next-run")).to_have_text("none (paused)")
    finally:
        client.jobs.delete(job_id)


# --- pure unit tests ---------------------------------------------------------------------------

@pytest.mark.parametrize("op, left, right, expected", [
    ("EQUAL_TO", "true", "true", True), ("EQUAL_TO", "12.0", "12", False), ("NOT_EQUAL", "12.0", "12", True),
    ("NOT_EQUAL", "a", "a", False), ("GREATER_THAN", "10", "9", True), ("GREATER_THAN", "9", "10", False),
    ("GREATER_THAN_OR_EQUAL", "12.0", "12", True), ("GREATER_THAN_OR_EQUAL", "10.0", "12", False),
    ("LESS_THAN", "-1", "0.5", True), ("LESS_THAN", "2", "2", False), ("LESS_THAN_OR_EQUAL", "2", "2.0", True),
    ("LESS_THAN_OR_EQUAL", "3", "2", False),
])
def test_condition_operators(op, left, right, expected):
    assert evaluate(op, left, right) is expected


def test_an_ordering_operator_on_a_word_is_an_error_naming_the_operand():
    with pytest.raises(ConditionError, match="left operand 'high' is not a number"):
        evaluate("GREATER_THAN", "high", "1")


def test_only_the_matching_outcome_runs_and_exclusion_follows_run_if():
    task = {"task_key": "t", "depends_on": [{"task_key": "c", "outcome": "true"}]}
    assert not excluded(task, {"c": "SUCCESS"}, {"c": "true"})
    assert excluded(task, {"c": "SUCCESS"}, {"c": "false"})
    two = {"task_key": "u", "depends_on": [{"task_key": "t"}, {"task_key": "x"}]}
    assert excluded(two, {"t": "EXCLUDED", "x": "SUCCESS"}, {})
    assert not excluded({**two, "run_if": "ALL_DONE"}, {"t": "EXCLUDED", "x": "SUCCESS"}, {})


def test_quartz_next_times():
    at = datetime(2026, 12, 3, 11, 0, 1, tzinfo=timezone.utc)  # a Thursday
    assert QuartzCron("*/2 * * * * ?").next_after(at, "UTC") == datetime(2026, 12, 3, 11, 0, 2, tzinfo=timezone.utc)
    assert QuartzCron("0 0 6 ? * MON-FRI").next_after(at, "Europe/Paris").isoformat() == "2026-12-04T06:00:00+01:00"
    assert QuartzCron("0 30 2 ? * 1").next_after(at, "UTC").isoformat() == "2026-12-06T02:30:00+00:00"  # 1 = SUN
    for bad in ("* * * * *", "0 0 0 * * *", "0 61 * * * ?", "0 0 0 L * ?"):
        with pytest.raises(QuartzError):
            QuartzCron(bad)


@pytest.mark.parametrize("change, message", [
    ({"schedule": {"quartz_cron_expression": "0 0 * * *", "timezone_id": "UTC"}}, "Invalid Quartz Cron Expression"),
    ({"schedule": {"quartz_cron_expression": "0 0 0 * * ?", "timezone_id": "Mars/Olympus"}}, "Invalid timezone_id"),
    ({"tasks": [{"task_key": "c", "condition_task": {"op": "IS", "left": "1", "right": "1"}}]}, "op must be one of"),
    ({"tasks": [{"task_key": "c", "new_cluster": CLUSTER, "condition_task": {"op": "EQUAL_TO", "left": "1", "right": "1"}}]},
     "runs on no cluster"),
    ({"tasks": [{"task_key": "a", "new_cluster": CLUSTER, "spark_python_task": {"python_file": "x.py"}},
                {"task_key": "b", "depends_on": [{"task_key": "a", "outcome": "true"}], "run_job_task": {"job_id": 1}}]},
     "'a' is not a condition_task"),
])
def test_bad_control_flow_settings_are_refused_naming_the_key(change, message):
    settings = {"name": "j", "tasks": [{"task_key": "c", "condition_task": {"op": "EQUAL_TO", "left": "1", "right": "1"}}],
                **change}
    with pytest.raises(InvalidParameterValue, match=message):
        normalize(settings)


def test_task_values_are_json_and_at_most_48_kib(tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "local-workspace/local_workspace/compute/runtime_path"))
    from dbruntime.dbutils import TaskValues

    values = TaskValues({"task_key": "t", "file": str(tmp_path / "v.json"), "values": {"up": {"n": 3}}})
    values.set("ok", [1, "two"])
    assert (tmp_path / "v.json").read_text() == '{"ok": [1, "two"]}'
    assert values.get("up", "n") == 3 and values.get("up", "missing", default=7) == 7
    with pytest.raises(ValueError, match="limit is 48 KiB"):
        values.set("big", "x" * 49_152)
    with pytest.raises(TypeError, match="JSON"):
        values.set("odd", {1, 2})
    with pytest.raises(ValueError, match="Could not find task 'nowhere'"):
        values.get("nowhere", "n")
    assert TaskValues(None).get("t", "k", debugValue="d") == "d"
    with pytest.raises(TypeError, match="debugValue"):
        TaskValues(None).get("t", "k")


def test_a_task_key_with_a_hyphen_is_referenced_in_backticks():
    from local_workspace.compute.runner import resolve_references

    values = {"tasks.model-monitoring.values.retrain": "true", "job.id": 7}
    assert resolve_references("{{tasks.`model-monitoring`.values.retrain}}", values) == "true"
    assert resolve_references("job-{{ job.id }}", values) == "job-7"
    # Unescaped, the hyphen makes no reference: the text stays as written, as on Databricks.
    assert resolve_references("{{tasks.model-monitoring.values.retrain}}", values) == \
        "{{tasks.model-monitoring.values.retrain}}"
