"""The token, path tricks, and the loopback-only bind."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
import requests
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import DatabricksError

from tests.workspace.harness import DBX_BIN, databricks_cli


def test_a_wrong_or_missing_token_gets_401_and_changes_nothing(workspace):
    intruder = WorkspaceClient(host=workspace.url, token="dapi-not-the-token")
    with pytest.raises(DatabricksError) as raised:
        intruder.dbfs.mkdirs("/tests/intruder")
    assert "Invalid access token" in str(raised.value)
    assert not (workspace.root / "dbfs" / "tests" / "intruder").exists()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {workspace.token}"}):
        answer = requests.post(f"{workspace.url}/api/2.1/jobs/create", json={"name": "x"}, headers=headers, timeout=30)
        assert answer.status_code == 401 and answer.json()["error_code"] == "UNAUTHENTICATED"
        answer = requests.get(f"{workspace.url}/api/2.0/mlflow/experiments/search?max_results=1", headers=headers, timeout=30)
        assert answer.status_code == 401
    assert "jobs" not in workspace.sdk().api_client.do("GET", "/api/2.1/jobs/list", query={"name": "x"})
    done = databricks_cli(workspace, "fs", "mkdirs", "dbfs:/tests/intruder-cli")
    assert done.returncode == 0  # sanity: the right token works through the CLI
    denied = workspace.run([str(DBX_BIN / "databricks"), "fs", "mkdirs", "dbfs:/tests/intruder-cli2"],
                           extra_env={"DATABRICKS_TOKEN": "wrong"})
    assert denied.returncode != 0 and "authentication" in (denied.stdout + denied.stderr).lower()
    assert not (workspace.root / "dbfs" / "tests" / "intruder-cli2").exists()


TRICKS = ["/../escape.txt", "/tests/../../escape.txt", "dbfs:/../escape.txt", "relative/escape.txt",
          "/tests/./escape.txt", "/dbfs/../escape.txt", "/tests/..\\..\\escape.txt"]


@pytest.mark.parametrize("path", TRICKS)
def test_dbfs_path_tricks_are_400_and_write_nothing(workspace, path):
    client = workspace.sdk().api_client
    with pytest.raises(DatabricksError) as raised:
        client.do("POST", "/api/2.0/dbfs/put", body={"path": path, "contents": "aGk=", "overwrite": True})
    assert raised.value.error_code == "INVALID_PARAMETER_VALUE"
    assert not (workspace.root / "escape.txt").exists() and not (workspace.root.parent / "escape.txt").exists()


@pytest.mark.parametrize("path", ["/Shared/../../escape", "/Shared/../../../escape", "Shared/escape", "/Users/./x"])
def test_workspace_path_tricks_are_400_and_write_nothing(workspace, path):
    client = workspace.sdk().api_client
    with pytest.raises(DatabricksError) as raised:
        client.do("POST", "/api/2.0/workspace/import", body={"path": path, "content": "aGk=", "format": "AUTO"})
    assert raised.value.error_code == "INVALID_PARAMETER_VALUE"
    assert not (workspace.root / "escape").exists() and not (workspace.root.parent / "escape").exists()


def test_raw_dbfs_endpoint_refuses_escapes(workspace):
    for path in ("/dbfs/%2e%2e/escape.txt", "/dbfs/a/%2E%2E/%2E%2E/escape.txt"):
        answer = requests.post(f"{workspace.url}{path}", data=b"x", timeout=30,
                               headers={"Authorization": f"Bearer {workspace.token}"})
        assert answer.status_code in (400, 404), answer.text
    assert not (workspace.root / "escape.txt").exists() and not (workspace.root.parent / "escape.txt").exists()


def _listening_addresses(port: int) -> set[str]:
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, _, state = line.split()[1], line.split()[2], line.split()[3]
            address, hex_port = local.split(":")
            if int(hex_port, 16) == port and state == "0A":  # LISTEN
                found.add(address)
    return found


def test_the_server_listens_on_loopback_only(workspace):
    assert _listening_addresses(workspace.port) == {"0100007F"}  # 127.0.0.1, nothing else


def test_the_token_file_is_private_and_the_token_is_in_no_log(workspace):
    mode = stat.S_IMODE((workspace.root / "token").stat().st_mode)
    assert mode == 0o600
    logs = [workspace.root.parent / f"{workspace.root.name}.log", *workspace.root.glob("runs/**/*")]
    for log in logs:
        if log.is_file():
            assert workspace.token not in log.read_text(errors="replace"), log


def test_a_task_printing_the_token_has_it_masked_in_its_output(workspace):
    client = workspace.sdk()
    client.dbfs.upload("/tests/leak.py", io.BytesIO(b"import os\nprint('token:', os.environ['DATABRICKS_TOKEN'])\n"),
                       overwrite=True)
    from databricks.sdk.service import compute, jobs

    waiter = client.jobs.submit(run_name="leak", tasks=[jobs.SubmitTask(
        task_key="leak", new_cluster=compute.ClusterSpec(spark_version="17.3.x-cpu-ml-scala2.13", num_workers=0),
        spark_python_task=jobs.SparkPythonTask(python_file="dbfs:/tests/leak.py"))])
    run = workspace.wait_run(waiter.run_id)
    output = client.jobs.get_run_output(run["tasks"][0]["run_id"])
    assert "token: [REDACTED]" in output.logs and workspace.token not in output.logs
