"""databricks-sdk's WorkspaceClient against the local workspace, with every response checked
against the SDK's own dataclasses."""

from __future__ import annotations

import base64
import io

import pytest
from databricks.sdk.service import compute, files, iam, jobs, workspace as ws

from tests.workspace.parity import assert_parses

CLUSTER = compute.ClusterSpec(spark_version="17.3.x-cpu-ml-scala2.13", num_workers=0)
SCRIPT = b"""import os, sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
print("rows", spark.range(5).count(), "args", sys.argv[1:], "greeting", os.environ.get("GREETING"))
spark.stop()
"""


@pytest.fixture(scope="module")
def client(workspace, monkeypatch_module):
    """The SDK configured only by `telco-churn workspace env` (host without port, via the proxy)."""
    from databricks.sdk import WorkspaceClient

    for name, value in workspace.env().items():
        if name.startswith(("DATABRICKS_", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy")):
            monkeypatch_module.setenv(name, value)
    return WorkspaceClient()


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_current_user(client):
    me = client.current_user.me()
    assert me.user_name and me.active
    assert_parses(iam.User, client.api_client.do("GET", "/api/2.0/preview/scim/v2/Me"))


def test_dbfs_upload_download_list(client):
    data = bytes(range(256)) * 9000  # 2.3 MB: the SDK streams it in 1 MB add-block calls
    client.dbfs.mkdirs("/tests/sdk")
    client.dbfs.upload("/tests/sdk/blob.bin", io.BytesIO(data), overwrite=True)
    assert client.dbfs.download("/tests/sdk/blob.bin").read() == data
    listed = client.dbfs.list("/tests/sdk")
    assert [(f.path, f.file_size, f.is_dir) for f in listed] == [("/tests/sdk/blob.bin", len(data), False)]
    raw = client.api_client.do("GET", "/api/2.0/dbfs/list", query={"path": "/tests/sdk"})
    assert_parses(files.ListStatusResponse, raw)
    assert_parses(files.FileInfo, client.api_client.do("GET", "/api/2.0/dbfs/get-status", query={"path": "/tests/sdk"}))
    read = client.api_client.do("GET", "/api/2.0/dbfs/read", query={"path": "/tests/sdk/blob.bin", "length": 10})
    assert_parses(files.ReadResponse, read)


def test_workspace_mkdirs_import_export_list(client):
    source = b"# Databricks notebook source\nprint('hello')\n"
    client.workspace.mkdirs("/Shared/sdk-tests")
    client.workspace.import_("/Shared/sdk-tests/notebook", content=base64.b64encode(source).decode(),
                             format=ws.ImportFormat.SOURCE, language=ws.Language.PYTHON, overwrite=True)
    exported = client.workspace.export("/Shared/sdk-tests/notebook", format=ws.ExportFormat.SOURCE)
    assert base64.b64decode(exported.content) == source
    objects = list(client.workspace.list("/Shared/sdk-tests"))
    assert [(o.path, o.object_type, o.language) for o in objects] == [
        ("/Shared/sdk-tests/notebook", ws.ObjectType.NOTEBOOK, ws.Language.PYTHON)]
    api = client.api_client
    assert_parses(ws.ListResponse, api.do("GET", "/api/2.0/workspace/list", query={"path": "/Shared/sdk-tests"}))
    assert_parses(ws.ObjectInfo, api.do("GET", "/api/2.0/workspace/get-status", query={"path": "/Shared/sdk-tests/notebook"}))
    assert_parses(ws.ExportResponse, api.do("GET", "/api/2.0/workspace/export", query={"path": "/Shared/sdk-tests/notebook"}))


@pytest.fixture(scope="module")
def script(client):
    client.dbfs.upload("/tests/sdk/hello.py", io.BytesIO(SCRIPT), overwrite=True)
    return "dbfs:/tests/sdk/hello.py"


def test_jobs_create_list_get_run_now(client, script):
    greeting = compute.ClusterSpec(spark_version="17.3.x-cpu-ml-scala2.13", num_workers=0, spark_env_vars={"GREETING": "hi"})
    created = client.jobs.create(name="sdk-hello", tasks=[
        jobs.Task(task_key="hello", new_cluster=CLUSTER,
                  spark_python_task=jobs.SparkPythonTask(python_file=script, parameters=["a", "b"])),
        jobs.Task(task_key="greet", new_cluster=greeting, spark_python_task=jobs.SparkPythonTask(python_file=script))])
    assert [j.job_id for j in client.jobs.list(name="sdk-hello")] == [created.job_id]
    assert [t.task_key for t in client.jobs.get(created.job_id).settings.tasks] == ["hello", "greet"]
    run = client.jobs.run_now(created.job_id).result()
    assert run.state.result_state == jobs.RunResultState.SUCCESS
    tasks = {t.task_key: t for t in run.tasks}
    assert all(t.state.result_state == jobs.RunResultState.SUCCESS for t in run.tasks)
    assert "rows 5 args ['a', 'b'] greeting None" in client.jobs.get_run_output(tasks["hello"].run_id).logs
    assert "greeting hi" in client.jobs.get_run_output(tasks["greet"].run_id).logs  # spark_env_vars
    # A new_cluster serves one task.
    assert tasks["hello"].cluster_instance.cluster_id != tasks["greet"].cluster_instance.cluster_id
    api = client.api_client
    assert_parses(jobs.Job, api.do("GET", "/api/2.2/jobs/get", query={"job_id": created.job_id}))
    assert_parses(jobs.ListJobsResponse, api.do("GET", "/api/2.2/jobs/list", query={"expand_tasks": "true"}))
    assert_parses(jobs.Run, api.do("GET", "/api/2.2/jobs/runs/get", query={"run_id": run.run_id}))
    assert_parses(jobs.ListRunsResponse, api.do("GET", "/api/2.2/jobs/runs/list", query={"job_id": created.job_id}))
    assert_parses(jobs.RunOutput, api.do("GET", "/api/2.2/jobs/runs/get-output", query={"run_id": run.tasks[0].run_id}))
    cluster_id = run.tasks[0].cluster_instance.cluster_id
    assert_parses(compute.ClusterDetails, api.do("GET", "/api/2.0/clusters/get", query={"cluster_id": cluster_id}))
    assert_parses(compute.ListClustersResponse, api.do("GET", "/api/2.0/clusters/list"))
    assert client.clusters.get(cluster_id).state == compute.State.TERMINATED


def test_jobs_submit_result(client, script):
    run = client.jobs.submit(run_name="sdk-submit", tasks=[jobs.SubmitTask(
        task_key="hello", new_cluster=CLUSTER, spark_python_task=jobs.SparkPythonTask(python_file=script))]).result()
    assert run.state.result_state == jobs.RunResultState.SUCCESS
    assert run.run_type == jobs.RunType.SUBMIT_RUN
    assert_parses(jobs.Run, client.api_client.do("GET", "/api/2.2/jobs/runs/get", query={"run_id": run.run_id}))
