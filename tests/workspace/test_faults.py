"""Bad input and faults: unknown ids, malformed bodies, broken wheels, failing entry points,
cancel, timeouts, and a workspace killed with SIGKILL in the middle of a run."""

from __future__ import annotations

import io
import os
import signal
import time

import pytest
import requests
from databricks.sdk.errors import ResourceDoesNotExist
from databricks.sdk.service import compute, jobs
from databricks.sdk.service.workspace import ExportFormat, ImportFormat, Language
from local_workspace.compute.processes import processes_under

from tests.workspace.harness import databricks_cli, start_workspace
from tests.workspace.wheels import make_wheel

# A legacy workspace's job cluster: runtime 15+ installs the wheels these tests put in the DBFS root
# only with this Spark conf (library_rules).
CLUSTER = compute.ClusterSpec(spark_version="17.3.x-cpu-ml-scala2.13", num_workers=0,
                              spark_conf={"spark.databricks.driver.dbfsLibraryInstallationAllowed": "true"})
SLEEPER = b"import time\nprint('sleeping', flush=True)\ntime.sleep(300)\n"
NOTEBOOK = b"# Databricks notebook source\nprint(1)\n"


def _post(workspace, path: str, body: bytes | str) -> requests.Response:
    return requests.post(f"{workspace.url}{path}", data=body, timeout=30,
                         headers={"Authorization": f"Bearer {workspace.token}", "Content-Type": "application/json"})


def test_unknown_job_and_run_ids_are_404_and_the_cli_shows_the_message(workspace):
    client = workspace.sdk()
    with pytest.raises(ResourceDoesNotExist, match="Job 424242 does not exist"):
        client.jobs.get(424242)
    with pytest.raises(ResourceDoesNotExist, match="Run 99999999 does not exist"):
        client.jobs.get_run(99999999)
    done = databricks_cli(workspace, "jobs", "get", "--job-id", "424242")
    assert done.returncode != 0
    assert "RESOURCE_DOES_NOT_EXIST" in done.stdout + done.stderr and "Job 424242 does not exist" in done.stdout + done.stderr
    done = databricks_cli(workspace, "runs", "get", "--run-id", "99999999", "--version", "2.1")
    assert done.returncode != 0 and "Run 99999999 does not exist" in done.stdout + done.stderr


def test_malformed_bodies_are_400_and_change_nothing(workspace):
    before = workspace.sdk().api_client.do("GET", "/api/2.1/jobs/list", query={"limit": 100}).get("jobs", [])
    bad_shape = _post(workspace, "/api/2.1/jobs/create", '{"name": "x", "tasks": "not a list"}')
    assert bad_shape.status_code == 400 and bad_shape.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert "tasks" in bad_shape.json()["message"]
    no_task_type = _post(workspace, "/api/2.1/jobs/create", '{"name": "x", "tasks": [{"task_key": "a", "new_cluster": {"spark_version": "x"}}]}')
    assert no_task_type.status_code == 400 and "Task a" in no_task_type.json()["message"]
    broken_json = _post(workspace, "/api/2.1/jobs/create", '{"name": ')
    assert broken_json.status_code == 400 and broken_json.json()["error_code"] == "MALFORMED_REQUEST"
    cycle = _post(workspace, "/api/2.1/jobs/create", '{"tasks": [{"task_key": "a", "depends_on": [{"task_key": "b"}], '
                  '"spark_python_task": {"python_file": "dbfs:/x.py"}, "new_cluster": {"spark_version": "x"}}, '
                  '{"task_key": "b", "depends_on": [{"task_key": "a"}], "spark_python_task": {"python_file": "dbfs:/x.py"}, '
                  '"new_cluster": {"spark_version": "x"}}]}')
    assert cycle.status_code == 400 and "cycle" in cycle.json()["message"]
    unknown = requests.get(f"{workspace.url}/api/2.0/no/such/endpoint", headers={"Authorization": f"Bearer {workspace.token}"}, timeout=30)
    assert unknown.status_code == 404 and unknown.json()["error_code"] == "ENDPOINT_NOT_FOUND"
    after = workspace.sdk().api_client.do("GET", "/api/2.1/jobs/list", query={"limit": 100}).get("jobs", [])
    assert after == before


def _submit_wheel(workspace, wheel_path: str, package: str, entry_point: str) -> jobs.Run:
    waiter = workspace.sdk().jobs.submit(run_name=f"wheel-{package}", tasks=[jobs.SubmitTask(
        task_key="main", new_cluster=CLUSTER, libraries=[compute.Library(whl=wheel_path)],
        python_wheel_task=jobs.PythonWheelTask(package_name=package, entry_point=entry_point))])
    return jobs.Run.from_dict(workspace.wait_run(waiter.run_id))


def test_a_wheel_that_cannot_be_installed_fails_the_run_with_a_clear_message(workspace):
    client = workspace.sdk()
    client.dbfs.upload("/tests/faults/broken-1.0-py3-none-any.whl", io.BytesIO(b"this is not a zip file"), overwrite=True)
    run = _submit_wheel(workspace, "dbfs:/tests/faults/broken-1.0-py3-none-any.whl", "broken", "main")
    assert run.state.life_cycle_state == jobs.RunLifeCycleState.INTERNAL_ERROR  # the SDK's waiter raises on it
    assert run.state.result_state == jobs.RunResultState.FAILED
    assert "Library installation failed" in run.state.state_message
    assert "broken-1.0-py3-none-any.whl" in run.state.state_message


def test_an_entry_point_that_raises_fails_with_its_traceback(workspace, tmp_path):
    client = workspace.sdk()
    wheel = make_wheel(tmp_path, "raiser", "def main():\n    raise ValueError('boom from the wheel')\n", {"raise-it": "raiser:main"})
    client.dbfs.upload(f"/tests/faults/{wheel.name}", io.BytesIO(wheel.read_bytes()), overwrite=True)
    run = _submit_wheel(workspace, f"dbfs:/tests/faults/{wheel.name}", "raiser", "raise-it")
    assert run.state.result_state == jobs.RunResultState.FAILED
    output = client.jobs.get_run_output(run.tasks[0].run_id)
    assert output.error == "ValueError: boom from the wheel"
    assert "Traceback (most recent call last)" in output.error_trace and "raiser/__init__.py" in output.error_trace


def _wait_running(client, run_id: int, timeout: float = 60) -> jobs.Run:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = client.jobs.get_run(run_id)
        if run.tasks[0].state.life_cycle_state == jobs.RunLifeCycleState.RUNNING:
            return run
        time.sleep(0.2)
    raise TimeoutError(f"run {run_id} did not start")


@pytest.fixture(scope="module")
def sleeper(workspace):
    workspace.sdk().dbfs.upload("/tests/faults/sleep.py", io.BytesIO(SLEEPER), overwrite=True)
    return jobs.SparkPythonTask(python_file="dbfs:/tests/faults/sleep.py")


def test_cancel_ends_the_run_and_leaves_no_process(workspace, sleeper):
    client = workspace.sdk()
    waiter = client.jobs.submit(run_name="to-cancel", tasks=[jobs.SubmitTask(task_key="sleep", new_cluster=CLUSTER,
                                                                             spark_python_task=sleeper)])
    run = _wait_running(client, waiter.run_id)
    assert processes_under(workspace.root / "clusters" / run.tasks[0].cluster_instance.cluster_id)
    client.jobs.cancel_run(waiter.run_id)
    ended = workspace.wait_run(waiter.run_id, timeout=60)
    assert ended["state"]["result_state"] == "CANCELED"
    assert ended["tasks"][0]["state"]["result_state"] == "CANCELED"
    assert processes_under(workspace.root / "runs" / str(waiter.run_id)) == []
    assert processes_under(workspace.root / "clusters" / run.tasks[0].cluster_instance.cluster_id) == []


def test_timeout_seconds_gives_timedout(workspace, sleeper):
    client = workspace.sdk()
    waiter = client.jobs.submit(run_name="to-time-out", timeout_seconds=3, tasks=[
        jobs.SubmitTask(task_key="sleep", new_cluster=CLUSTER, spark_python_task=sleeper)])
    ended = workspace.wait_run(waiter.run_id, timeout=60)
    assert ended["state"]["result_state"] == "TIMEDOUT"
    assert ended["tasks"][0]["state"]["result_state"] == "TIMEDOUT"
    assert processes_under(workspace.root / "runs" / str(waiter.run_id)) == []


def test_sigkill_of_the_workspace_mid_run_then_restart(tmp_path):
    root = tmp_path / "crashing"
    first = start_workspace(root)
    try:
        client = first.sdk()
        client.dbfs.upload("/tests/sleep.py", io.BytesIO(SLEEPER), overwrite=True)
        job = client.jobs.create(name="survives-a-crash", tasks=[jobs.Task(
            task_key="sleep", new_cluster=CLUSTER, spark_python_task=jobs.SparkPythonTask(python_file="dbfs:/tests/sleep.py"))])
        client.workspace.upload("/Shared/kept.py", io.BytesIO(NOTEBOOK), format=ImportFormat.SOURCE,
                                language=Language.PYTHON)
        experiment = client.api_client.do("POST", "/api/2.0/mlflow/experiments/create", body={"name": "/Shared/kept"})["experiment_id"]
        client.api_client.do("POST", "/api/2.0/mlflow/registered-models/create", body={"name": "kept_model"})
        run_id = client.jobs.run_now(job.job_id).run_id
        _wait_running(client, run_id)
        task_run = client.jobs.get_run(run_id).tasks[0].run_id
        deadline = time.monotonic() + 60
        while "sleeping" not in (client.jobs.get_run_output(task_run).logs or ""):
            assert time.monotonic() < deadline, "the task printed nothing"
            time.sleep(0.2)
        os.kill(first.process.pid, signal.SIGKILL)
        first.process.wait()
    finally:
        first.stop()
    second = start_workspace(root)
    try:
        client = second.sdk()
        run = client.jobs.get_run(run_id)
        assert run.state.life_cycle_state == jobs.RunLifeCycleState.INTERNAL_ERROR
        assert run.state.result_state == jobs.RunResultState.FAILED
        assert "workspace stopped while this run was in progress" in run.state.state_message
        assert client.jobs.get(job.job_id).settings.name == "survives-a-crash"
        assert client.dbfs.download("/tests/sleep.py").read() == SLEEPER
        # Everything stored before the crash: the run's logs, workspace files, MLflow and the registry.
        assert "sleeping" in client.jobs.get_run_output(task_run).logs
        assert client.workspace.download("/Shared/kept.py", format=ExportFormat.SOURCE).read() == NOTEBOOK
        api = client.api_client  # MLflow's REST API, on the restarted workspace's port
        found = api.do("GET", "/api/2.0/mlflow/experiments/get-by-name", query={"experiment_name": "/Shared/kept"})
        assert found["experiment"]["experiment_id"] == experiment
        assert api.do("GET", "/api/2.0/mlflow/registered-models/get", query={"name": "kept_model"})["registered_model"]
        assert processes_under(root / "runs") == [] and processes_under(root / "clusters") == []
        # The restarted workspace runs jobs again.
        client.dbfs.upload("/tests/quick.py", io.BytesIO(b"print('ok')\n"), overwrite=True)
        client.jobs.reset(job.job_id, jobs.JobSettings(name="survives-a-crash", tasks=[jobs.Task(
            task_key="quick", new_cluster=CLUSTER, spark_python_task=jobs.SparkPythonTask(python_file="dbfs:/tests/quick.py"))]))
        assert second.wait_run(client.jobs.run_now(job.job_id).run_id)["state"]["result_state"] == "SUCCESS"
    finally:
        second.stop()


def test_max_concurrent_runs_skips_or_queues_the_run_over_the_limit(workspace, sleeper):
    client = workspace.sdk()
    task = jobs.Task(task_key="sleep", new_cluster=CLUSTER, spark_python_task=sleeper)
    skipping = client.jobs.create(name="one-at-a-time", max_concurrent_runs=1, tasks=[task])
    first = client.jobs.run_now(skipping.job_id).run_id
    second = client.jobs.get_run(client.jobs.run_now(skipping.job_id).run_id)
    assert second.state.life_cycle_state == jobs.RunLifeCycleState.SKIPPED
    assert "maximum concurrent runs" in second.state.state_message
    queuing = client.jobs.create(name="queued", max_concurrent_runs=1, queue=jobs.QueueSettings(enabled=True), tasks=[task])
    third = client.jobs.run_now(queuing.job_id).run_id
    fourth = client.jobs.run_now(queuing.job_id).run_id
    assert client.jobs.get_run(fourth).state.life_cycle_state == jobs.RunLifeCycleState.QUEUED
    for run_id in (first, third):
        client.jobs.cancel_run(run_id)
    _wait_running(client, fourth)  # the queued run starts once the slot is free
    client.jobs.cancel_run(fourth)
    assert workspace.wait_run(fourth)["state"]["result_state"] == "CANCELED"
