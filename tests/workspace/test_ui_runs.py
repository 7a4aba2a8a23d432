"""In a browser: a run whose second task fails (Failed, the traceback one click away, then
Repair run after the config on DBFS is fixed), and Cancel run on a long task, with the
max_concurrent_runs refusal shown when Run now is pressed again meanwhile."""

from __future__ import annotations

import io

from playwright.sync_api import expect

from tests.workspace.browser import logged_in_page, run_id_of, snap, wait_run_ended

CLUSTER = {"spark_version": "17.3.x-cpu-ml-scala2.13", "num_workers": 0}
STEP = b"""import sys
config = dict(line.split("=", 1) for line in open(sys.argv[1]).read().split())
print("step", sys.argv[2], "with", config)
if config["mode"] != "good":
    raise ValueError(f"unknown mode {config['mode']!r} in {sys.argv[1]}")
"""
SLEEP = b"import time\nprint('sleeping', flush=True)\ntime.sleep(600)\n"


def _job(workspace, name: str, tasks: list[dict]) -> int:
    settings = {"name": name, "max_concurrent_runs": 1, "tasks": tasks,
                "job_clusters": [{"job_cluster_key": "shared", "new_cluster": CLUSTER}]}
    return workspace.sdk().api_client.do("POST", "/api/2.1/jobs/create", body=settings)["job_id"]


def _step(key: str, config: str, *depends: str) -> dict:
    return {"task_key": key, "job_cluster_key": "shared", "depends_on": [{"task_key": d} for d in depends],
            "spark_python_task": {"python_file": "dbfs:/ui-tests/step.py", "parameters": [config, key]}}


def _upload(workspace, path: str, content: bytes) -> None:
    workspace.sdk().dbfs.upload(path, io.BytesIO(content), overwrite=True)


def test_a_failed_task_shows_its_traceback_and_repair_reruns_it_and_its_dependants(workspace, browser):
    _upload(workspace, "/ui-tests/step.py", STEP)
    _upload(workspace, "/ui-tests/good.conf", b"mode=good")
    _upload(workspace, "/ui-tests/train.conf", b"mode=broken")
    job_id = _job(workspace, "ui-repairable", [
        _step("prepare", "/dbfs/ui-tests/good.conf"), _step("train", "/dbfs/ui-tests/train.conf", "prepare"),
        _step("publish", "/dbfs/ui-tests/good.conf", "train")])
    page = logged_in_page(browser, workspace, f"/jobs/{job_id}")
    page.get_by_role("button", name="Run now", exact=True).click()
    run_id = run_id_of(page)
    assert wait_run_ended(page) == "Failed"
    graph = page.locator(".graph")
    expect(graph.locator('[data-task="prepare"]')).to_contain_text("Succeeded")
    expect(graph.locator('[data-task="publish"]')).to_contain_text("Upstream failed")
    graph.locator('[data-task="train"]').click()
    output = page.locator("#task-output")
    expect(output.locator(".trace")).to_contain_text("Traceback (most recent call last)")
    expect(output.locator(".trace")).to_contain_text("ValueError: unknown mode 'broken'")
    expect(output.locator(".stdout")).to_contain_text("step train with")
    snap(page, "ui-run-failed")
    before = {t["task_key"]: t["run_id"] for t in _tasks(workspace, run_id)}

    _upload(workspace, "/ui-tests/train.conf", b"mode=good")  # the fix: a changed config file on DBFS
    page.get_by_role("button", name="Repair run").click()
    assert wait_run_ended(page) == "Succeeded"
    after = {t["task_key"]: t["run_id"] for t in _tasks(workspace, run_id)}
    assert after["prepare"] == before["prepare"]  # not run again
    assert after["train"] != before["train"] and after["publish"] != before["publish"]
    expect(page.get_by_role("button", name="Repair run")).to_have_count(0)


def test_cancel_run_ends_a_long_task_and_a_second_run_now_shows_the_refusal(workspace, browser):
    _upload(workspace, "/ui-tests/sleep.py", SLEEP)
    job_id = _job(workspace, "ui-long", [{"task_key": "sleep", "job_cluster_key": "shared",
                                          "spark_python_task": {"python_file": "dbfs:/ui-tests/sleep.py"}}])
    page = logged_in_page(browser, workspace, f"/jobs/{job_id}")
    page.get_by_role("button", name="Run now", exact=True).click()
    run_url = page.url
    expect(page.locator('[data-task="sleep"]')).to_contain_text("Running", timeout=60_000)

    page.goto(f"{workspace.url}/jobs/{job_id}")
    page.get_by_role("button", name="Run now", exact=True).click()  # over max_concurrent_runs: 1
    expect(page.locator("#run-state")).to_have_text("Skipped")
    expect(page.get_by_role("status")).to_contain_text("limit of 1 maximum concurrent runs has been reached")

    page.goto(run_url)
    page.get_by_role("button", name="Cancel run").click()
    assert wait_run_ended(page, 60) == "Canceled"
    run = workspace.sdk().api_client.do("GET", "/api/2.1/jobs/runs/get", query={"run_id": run_id_of(page)})
    assert run["state"]["result_state"] == "CANCELED"


def _tasks(workspace, run_id: int) -> list[dict]:
    return workspace.sdk().api_client.do("GET", "/api/2.1/jobs/runs/get", query={"run_id": run_id})["tasks"]
