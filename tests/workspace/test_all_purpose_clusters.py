"""All-purpose clusters with real clients (databricks-sdk, the legacy CLI), a run on one by
existing_cluster_id, the Libraries API, and the /dbfs and /Workspace mounts its task sees."""

from __future__ import annotations

import base64
import io
import json
import time
from datetime import timedelta

import pytest
from databricks.sdk.service.compute import (ClusterDetails, ClusterLibraryStatuses, ClusterSource, EventType, Library,
                                            PythonPyPiLibrary, State)
from databricks.sdk.service.workspace import ImportFormat, Language

from local_workspace.compute.mounts import Mounts, mount_table
from local_workspace.config import WorkspaceDirs
from tests.workspace.harness import databricks_cli
from tests.workspace.wheels import make_wheel

SPARK_VERSION = "13.3.x-cpu-ml-scala2.12"
PROBE = r'''
import json, os, subprocess, sys
import probe_lib, yaml
seen = {"library": probe_lib.VALUE, "in": open("/dbfs/mounts/in.txt").read(), "notebook": open("/Workspace/Shared/mounts/nb").read(),
        "listed": sorted(os.listdir("/dbfs/mounts")), "env": os.environ.get("PROBE_VAR"),
        "shell": subprocess.run(["cat", "/dbfs/mounts/in.txt"], capture_output=True, text=True).stdout}
with open("/dbfs/mounts/out.txt", "w") as handle:
    handle.write("written by the task")
os.makedirs("/Volumes/main/default/probe", exist_ok=True)
with open("/Volumes/main/default/probe/v.txt", "w") as handle:
    handle.write("in a volume")
for target in ("/dbfs/../escaped.txt", "/dbfs/../../escaped.txt", "/Workspace/Shared/mounts/new.txt"):
    try:
        open(target, "w").write("x")
        seen[target] = "written"
    except OSError as exc:
        seen[target] = type(exc).__name__
print("SEEN " + json.dumps(seen))
'''


def _ok(done) -> str:
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


def _library_statuses(workspace, cluster_id: str, timeout: float = 120) -> dict[str, dict]:
    """The cluster's library statuses once none is PENDING or INSTALLING, by library kind and value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = workspace.sdk().api_client.do("GET", "/api/2.0/libraries/cluster-status", query={"cluster_id": cluster_id})
        statuses = found.get("library_statuses", [])
        if statuses and all(s["status"] not in ("PENDING", "INSTALLING") for s in statuses):
            return {json.dumps(s["library"], sort_keys=True): s for s in statuses}
        time.sleep(0.2)
    raise TimeoutError(f"libraries of {cluster_id} still installing: {statuses}")


def _wait_state(workspace, cluster_id: str, state: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = workspace.sdk().api_client.do("GET", "/api/2.0/clusters/get", query={"cluster_id": cluster_id})
        if found["state"] == state:
            return found
        time.sleep(0.2)
    raise TimeoutError(f"cluster {cluster_id} is {found['state']}, not {state}: {found.get('state_message')}")


def test_sdk_create_and_wait_then_delete_and_ensure_running(workspace):
    w = workspace.sdk()
    details = w.clusters.create_and_wait(cluster_name="sdk-interactive", spark_version=SPARK_VERSION, num_workers=0,
                                         autotermination_minutes=60, spark_env_vars={"PROBE_VAR": "sdk"},
                                         timeout=timedelta(minutes=3))
    assert details.state == State.RUNNING and details.cluster_source == ClusterSource.API
    raw = w.api_client.do("GET", "/api/2.1/clusters/get", query={"cluster_id": details.cluster_id})
    assert ClusterDetails.from_dict(raw).as_dict() == raw  # nothing the SDK would drop
    assert raw["spark_env_vars"] == {"PROBE_VAR": "sdk"} and raw["autotermination_minutes"] == 60
    listed = {c.cluster_id: c for c in w.clusters.list()}
    assert listed[details.cluster_id].cluster_source == ClusterSource.API

    w.clusters.delete_and_wait(details.cluster_id, timeout=timedelta(minutes=2))
    assert w.clusters.get(details.cluster_id).state == State.TERMINATED
    w.clusters.ensure_cluster_is_running(details.cluster_id)
    assert w.clusters.get(details.cluster_id).state == State.RUNNING
    kinds = [e.type for e in w.clusters.events(details.cluster_id)]
    assert {EventType.CREATING, EventType.RUNNING, EventType.TERMINATING} <= set(kinds)
    with pytest.raises(Exception, match="unexpected state Running"):
        w.clusters.start(details.cluster_id)
    # permanent-delete under an active run fails that run cleanly.
    w.dbfs.upload("/sdk-clusters/sleep.py", io.BytesIO(b"import time\nprint('up', flush=True)\ntime.sleep(600)\n"),
                  overwrite=True)
    run_id = w.api_client.do("POST", "/api/2.1/jobs/runs/submit", body={"run_name": "doomed", "tasks": [{
        "task_key": "sleep", "existing_cluster_id": details.cluster_id,
        "spark_python_task": {"python_file": "dbfs:/sdk-clusters/sleep.py"}}]})["run_id"]
    deadline = time.monotonic() + 60
    while w.jobs.get_run(run_id).tasks[0].state.life_cycle_state.value != "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.2)
    w.clusters.permanent_delete(details.cluster_id)
    assert details.cluster_id not in {c.cluster_id for c in w.clusters.list()}
    ended = workspace.wait_run(run_id, timeout=60)
    assert ended["state"]["result_state"] == "FAILED"
    assert f"Cluster {details.cluster_id} was permanently deleted" in ended["state"]["state_message"]


def test_legacy_cli_cluster_and_a_run_on_it_through_the_mounts(workspace, tmp_path):
    spec = tmp_path / "cluster.json"
    spec.write_text(json.dumps({"cluster_name": "cli-interactive", "spark_version": SPARK_VERSION, "num_workers": 0,
                                "spark_env_vars": {"PROBE_VAR": "from-the-cluster"}}))
    cluster_id = json.loads(_ok(databricks_cli(workspace, "clusters", "create", "--json-file", str(spec))))["cluster_id"]
    _wait_state(workspace, cluster_id, "RUNNING")
    assert cluster_id in _ok(databricks_cli(workspace, "clusters", "list"))
    _ok(databricks_cli(workspace, "clusters", "delete", "--cluster-id", cluster_id))
    _wait_state(workspace, cluster_id, "TERMINATED")
    _ok(databricks_cli(workspace, "clusters", "start", "--cluster-id", cluster_id))
    _wait_state(workspace, cluster_id, "RUNNING")

    # Libraries: one already in the runtime (installs offline), a wheel, and one that cannot install.
    wheel = make_wheel(tmp_path, "probe_lib", "VALUE = 'from the wheel'\n", {})
    bad = tmp_path / "bad_lib-1.0-py3-none-any.whl"
    bad.write_text("not a zip file")
    w = workspace.sdk()  # the SDK for what this test does not test, the CLI for what it does
    for local in (wheel, bad):
        w.dbfs.upload(f"/mounts/{local.name}", io.BytesIO(local.read_bytes()), overwrite=True)
    _ok(databricks_cli(workspace, "libraries", "install", "--cluster-id", cluster_id, "--pypi-package", "pyyaml"))
    _ok(databricks_cli(workspace, "libraries", "install", "--cluster-id", cluster_id,
                       "--whl", f"dbfs:/mounts/{wheel.name}"))
    w.libraries.install(cluster_id, [Library(whl=f"dbfs:/mounts/{bad.name}")])
    statuses = _library_statuses(workspace, cluster_id)
    assert statuses['{"pypi": {"package": "pyyaml"}}']["status"] == "INSTALLED"
    assert statuses[json.dumps({"whl": f"dbfs:/mounts/{wheel.name}"})]["status"] == "INSTALLED"
    failed = statuses[json.dumps({"whl": f"dbfs:/mounts/{bad.name}"})]
    assert failed["status"] == "FAILED" and "bad_lib" in failed["messages"][0], failed
    listed = json.loads(_ok(databricks_cli(workspace, "libraries", "cluster-status", "--cluster-id", cluster_id)))
    assert len(listed["library_statuses"]) == 3

    (tmp_path / "in.txt").write_text("put with fs cp")
    _ok(databricks_cli(workspace, "fs", "cp", "--overwrite", str(tmp_path / "in.txt"), "dbfs:/mounts/in.txt"))
    w.dbfs.upload("/mounts/probe.py", io.BytesIO(PROBE.encode()), overwrite=True)
    w.workspace.mkdirs("/Shared/mounts")
    w.workspace.import_("/Shared/mounts/nb", content=base64.b64encode(b"# Databricks notebook source\nprint('a notebook')\n").decode(),
                        language=Language.PYTHON, format=ImportFormat.SOURCE, overwrite=True)
    submit = tmp_path / "submit.json"
    submit.write_text(json.dumps({"run_name": "on an all-purpose cluster", "existing_cluster_id": cluster_id,
                                  "spark_python_task": {"python_file": "dbfs:/mounts/probe.py"}}))
    run_id = json.loads(_ok(databricks_cli(workspace, "runs", "submit", "--json-file", str(submit))))["run_id"]
    run = workspace.wait_run(run_id)
    output = workspace.sdk().api_client.do("GET", "/api/2.1/jobs/runs/get-output",
                                           query={"run_id": run["tasks"][0]["run_id"]})
    assert run["state"]["result_state"] == "SUCCESS", output
    assert run["tasks"][0]["cluster_instance"]["cluster_id"] == cluster_id
    seen = json.loads(output["logs"].split("SEEN ", 1)[1].splitlines()[0])
    assert seen["in"] == seen["shell"] == "put with fs cp"
    assert "a notebook" in seen["notebook"]
    assert seen["env"] == "from-the-cluster"
    assert seen["library"] == "from the wheel"  # the cluster's library, although another failed
    # `..` climbs to the cluster's read-only root, never beside the workspace folder; /Workspace is read-only.
    assert seen["/dbfs/../escaped.txt"] == seen["/dbfs/../../escaped.txt"] == "OSError"
    assert seen["/Workspace/Shared/mounts/new.txt"] == "OSError"
    assert not (workspace.root / "escaped.txt").exists() and not (workspace.root.parent / "escaped.txt").exists()
    assert _ok(databricks_cli(workspace, "fs", "cat", "dbfs:/mounts/out.txt")).strip() == "written by the task"
    assert (workspace.root / "volumes" / "main" / "default" / "probe" / "v.txt").read_text() == "in a volume"
    # The cluster outlives the run.
    assert _wait_state(workspace, cluster_id, "RUNNING")["cluster_source"] == "API"
    w.libraries.uninstall(cluster_id, [Library(pypi=PythonPyPiLibrary(package="pyyaml"))])
    raw = w.api_client.do("GET", "/api/2.0/libraries/cluster-status", query={"cluster_id": cluster_id})
    assert ClusterLibraryStatuses.from_dict(raw).as_dict() == raw
    assert {s["status"] for s in raw["library_statuses"]} == {"UNINSTALL_ON_RESTART", "INSTALLED", "FAILED"}
    everywhere = w.api_client.do("GET", "/api/2.0/libraries/all-cluster-statuses")
    assert cluster_id in {s["cluster_id"] for s in everywhere["statuses"]}
    w.clusters.permanent_delete(cluster_id)


def test_a_run_on_an_unknown_cluster_fails_with_its_message(workspace):
    w = workspace.sdk()
    run = w.api_client.do("POST", "/api/2.1/jobs/runs/submit", body={
        "run_name": "nowhere", "tasks": [{"task_key": "t", "existing_cluster_id": "0000-000000-nothere",
                                         "spark_python_task": {"python_file": "dbfs:/mounts/probe.py"}}]})
    ended = workspace.wait_run(run["run_id"])
    assert ended["state"]["result_state"] == "FAILED"
    assert "Cluster 0000-000000-nothere does not exist" in ended["state"]["state_message"]


def test_mounts_fall_back_when_switched_off(tmp_path, monkeypatch):
    dirs = WorkspaceDirs(tmp_path / "ws").create()
    assert Mounts(mount_table(dirs)).active
    monkeypatch.setenv("LOCAL_WORKSPACE_MOUNTS", "off")
    off = Mounts(mount_table(dirs))
    assert not off.active and "turned off" in off.reason
    assert off.wrap(["python", "x.py"]) == ["python", "x.py"]
    assert "/dbfs" not in mount_table(dirs, dbfs_root=False)
