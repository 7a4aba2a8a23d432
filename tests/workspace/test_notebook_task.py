"""notebook_task on the local workspace: a source notebook run cell by cell, with widgets from
base_parameters, dbutils.fs, %pip, %run and %md cells, and its exit value in runs/get-output."""

from __future__ import annotations

import base64
import io

import pytest
from databricks.sdk.service import compute, jobs, workspace as ws

from tests.workspace.parity import assert_parses
from tests.workspace.wheels import make_wheel

CLUSTER = compute.ClusterSpec(spark_version="17.3.x-cpu-ml-scala2.13", num_workers=0)
HELPER = """# Databricks notebook source
GREETING = "hello from %run"
"""
NOTEBOOK = """# Databricks notebook source
# MAGIC %md
# MAGIC # A notebook with every kind of cell

# COMMAND ----------

dbutils.widgets.text("who", "nobody")
dbutils.widgets.text("times", "2")
who, times = dbutils.widgets.get("who"), int(dbutils.widgets.get("times"))

# COMMAND ----------

# MAGIC %run ./helper

# COMMAND ----------

# MAGIC %pip install /dbfs/tests/notebooks/nbextra-1.0-py3-none-any.whl

# COMMAND ----------

import nbextra

dbutils.fs.put("dbfs:/tests/notebooks/out/greeting.txt", GREETING, True)
listed = [f.name for f in dbutils.fs.ls("dbfs:/tests/notebooks/out")]
rows = spark.range(times).count()
dbutils.notebook.exit(f"{who}|{rows}|{nbextra.VALUE}|{listed}|{dbutils.fs.head('dbfs:/tests/notebooks/out/greeting.txt')}")

# COMMAND ----------

raise AssertionError("cells after dbutils.notebook.exit must not run")
"""


def _import(client, path: str, source: str) -> None:
    client.workspace.import_(path, content=base64.b64encode(source.encode()).decode(), format=ws.ImportFormat.SOURCE,
                             language=ws.Language.PYTHON, overwrite=True)


@pytest.fixture(scope="module")
def client(workspace, tmp_path_factory):
    client = workspace.sdk()
    client.workspace.mkdirs("/Shared/notebook-task")
    _import(client, "/Shared/notebook-task/helper", HELPER)
    _import(client, "/Shared/notebook-task/main", NOTEBOOK)
    wheel = make_wheel(tmp_path_factory.mktemp("nbwheel"), "nbextra", "VALUE = 'from %pip'\n", {})
    client.dbfs.upload("/tests/notebooks/nbextra-1.0-py3-none-any.whl", io.BytesIO(wheel.read_bytes()), overwrite=True)
    return client


def _submit(workspace, client, path: str, parameters: dict[str, str]) -> jobs.Run:
    return workspace.ended(client.jobs.submit(run_name="notebook", tasks=[jobs.SubmitTask(
        task_key="notebook", new_cluster=CLUSTER,
        notebook_task=jobs.NotebookTask(notebook_path=path, base_parameters=parameters))]))


def test_notebook_runs_with_widgets_magics_and_exit_value(workspace, client):
    run = _submit(workspace, client, "/Shared/notebook-task/main", {"who": "ci"})
    assert run.state.result_state == jobs.RunResultState.SUCCESS, run.state.state_message
    output = client.jobs.get_run_output(run.tasks[0].run_id)
    # base parameter `who` wins over its widget default; `times` keeps its default.
    assert output.notebook_output.result == "ci|2|from %pip|['greeting.txt']|hello from %run"
    assert_parses(jobs.RunOutput, client.api_client.do("GET", "/api/2.1/jobs/runs/get-output",
                                                       query={"run_id": run.tasks[0].run_id}))


def test_missing_notebook_fails_the_task_naming_the_path(workspace, client):
    waiter = client.jobs.submit(run_name="absent", tasks=[jobs.SubmitTask(
        task_key="notebook", new_cluster=CLUSTER, notebook_task=jobs.NotebookTask(notebook_path="/Shared/notebook-task/absent"))])
    run = workspace.wait_run(waiter.response.run_id)
    assert run["state"]["result_state"] == "FAILED"
    assert "notebook_path '/Shared/notebook-task/absent' does not exist" in run["state"]["state_message"]
