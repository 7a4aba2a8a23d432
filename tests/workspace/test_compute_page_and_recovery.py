"""The Compute page in a browser, and all-purpose clusters across a kill -9 of the workspace
(split from test_all_purpose_clusters.py to keep each module short)."""

from __future__ import annotations

import base64
import io
import os

from databricks.sdk.service.compute import EventType, State
from databricks.sdk.service.workspace import ImportFormat, Language
from playwright.sync_api import expect

from local_workspace.compute.processes import processes_under
from tests.workspace.browser import logged_in_page
from tests.workspace.harness import start_workspace
from tests.workspace.test_all_purpose_clusters import SPARK_VERSION, _wait_state


def test_compute_page_terminates_and_starts_a_cluster_and_a_run_links_to_it(workspace, browser):
    w = workspace.sdk()
    cluster_id = w.api_client.do("POST", "/api/2.1/clusters/create", body={
        "cluster_name": "ui-interactive", "spark_version": SPARK_VERSION, "num_workers": 0})["cluster_id"]
    page = logged_in_page(browser, workspace, "/compute")
    row = page.locator(f"#cluster-{cluster_id}")
    expect(row.locator(".state")).to_have_text("Running", timeout=120_000)
    refused = page.request.post(f"{workspace.url}/compute/{cluster_id}/terminate", form={"csrf": "x"}, max_redirects=0)
    assert refused.status == 403 and w.clusters.get(cluster_id).state == State.RUNNING
    row.get_by_role("button", name="Terminate").click()
    expect(row.locator(".state")).to_have_text("Terminated", timeout=60_000)
    row.get_by_role("button", name="Start").click()
    expect(row.locator(".state")).to_have_text("Running", timeout=120_000)

    w.dbfs.upload("/compute-ui/hello.py", io.BytesIO(b"print('hello from the cluster')\n"), overwrite=True)
    # A notebook task forks from the warm launcher: the mounts reach it there too.
    notebook = b"# Databricks notebook source\ndbutils.notebook.exit(open('/dbfs/compute-ui/hello.py').read())\n"
    w.workspace.mkdirs("/Shared/compute-ui")
    w.workspace.import_("/Shared/compute-ui/nb", content=base64.b64encode(notebook).decode(), language=Language.PYTHON,
                        format=ImportFormat.SOURCE, overwrite=True)
    run_id = w.api_client.do("POST", "/api/2.1/jobs/runs/submit", body={"run_name": "ui", "tasks": [
        {"task_key": "hello", "existing_cluster_id": cluster_id,
         "spark_python_task": {"python_file": "dbfs:/compute-ui/hello.py"}},
        {"task_key": "nb", "existing_cluster_id": cluster_id, "notebook_task": {"notebook_path": "/Shared/compute-ui/nb"}}]})["run_id"]
    run = workspace.wait_run(run_id)
    assert run["state"]["result_state"] == "SUCCESS", run["state"]
    notebook_task = next(t for t in run["tasks"] if t["task_key"] == "nb")
    output = w.api_client.do("GET", "/api/2.1/jobs/runs/get-output", query={"run_id": notebook_task["run_id"]})
    assert "hello from the cluster" in output["notebook_output"]["result"]
    page.goto(f"{workspace.url}/runs/{run_id}?task=hello")
    page.locator("#task-cluster").click()
    page.wait_for_url(f"{workspace.url}/compute?cluster={cluster_id}")
    w.clusters.permanent_delete(cluster_id)


def test_kill_9_of_the_workspace_leaves_clusters_terminated_and_no_process(tmp_path, monkeypatch):
    root = tmp_path / "crashing"
    running = start_workspace(root)
    try:
        cluster_id = running.sdk().api_client.do("POST", "/api/2.0/clusters/create", body={
            "cluster_name": "survivor", "spark_version": SPARK_VERSION, "num_workers": 0})["cluster_id"]
        driver_pid = _wait_state(running, cluster_id, "RUNNING") and running.sdk().api_client.do(
            "GET", "/api/2.0/clusters/get", query={"cluster_id": cluster_id})
        assert processes_under(root / "clusters" / cluster_id), driver_pid
        running.kill()
        # Restarted where the mounts cannot be made: the cluster says so once, at start, and runs.
        monkeypatch.setenv("LOCAL_WORKSPACE_MOUNTS", "off")
        running = start_workspace(root)
        found = running.sdk().clusters.get(cluster_id)
        assert found.state == State.TERMINATED
        assert processes_under(root / "clusters") == []
        running.sdk().clusters.start(cluster_id)
        _wait_state(running, cluster_id, "RUNNING")
        down = [e for e in running.sdk().clusters.events(cluster_id) if e.type == EventType.DBFS_DOWN]
        assert len(down) == 1 and "No /dbfs, /Workspace or /Volumes mounts" in down[0].details.driver_state_message
    finally:
        running.stop()
    assert processes_under(root / "clusters") == []
    assert os.path.isdir(root / "volumes")
