"""runs/repair: only the failed tasks and their dependants run again, in a new repair attempt."""

from __future__ import annotations

import io

import pytest
from databricks.sdk.errors import DatabricksError
from databricks.sdk.service import compute, jobs

from tests.workspace.parity import assert_parses

CLUSTER = compute.ClusterSpec(spark_version="17.3.x-cpu-ml-scala2.13", num_workers=0)
CHECK = b"""import sys
setting = open(sys.argv[1]).read().strip()
if setting != "good":
    raise RuntimeError(f"bad setting: {setting}")
print("setting is good")
"""


def _task(key: str, *depends: str, params: list[str] | None = None) -> jobs.Task:
    return jobs.Task(task_key=key, job_cluster_key="shared", depends_on=[jobs.TaskDependency(d) for d in depends],
                     spark_python_task=jobs.SparkPythonTask(python_file="dbfs:/tests/repair/check.py",
                                                            parameters=params or ["/dbfs/tests/repair/always-good.txt"]))


def test_repair_reruns_only_the_failed_task_and_its_dependants(workspace):
    client = workspace.sdk()
    for name, content in (("check.py", CHECK), ("always-good.txt", b"good"), ("setting.txt", b"broken")):
        client.dbfs.upload(f"/tests/repair/{name}", io.BytesIO(content), overwrite=True)
    job = client.jobs.create(name="repairable", job_clusters=[jobs.JobCluster("shared", CLUSTER)], tasks=[
        _task("first"), _task("second", "first", params=["/dbfs/tests/repair/setting.txt"]), _task("third", "second"),
        _task("independent")])
    run_id = client.jobs.run_now(job.job_id).run_id
    failed = workspace.wait_run(run_id)
    states = {t["task_key"]: t["state"]["result_state"] for t in failed["tasks"]}
    assert failed["state"]["result_state"] == "FAILED"
    assert states == {"first": "SUCCESS", "second": "FAILED", "third": "UPSTREAM_FAILED", "independent": "SUCCESS"}
    with pytest.raises(DatabricksError, match="no failed task|still active|either"):
        client.jobs.repair_run(run_id, rerun_tasks=["second"], rerun_all_failed_tasks=True)

    client.dbfs.upload("/tests/repair/setting.txt", io.BytesIO(b"good"), overwrite=True)  # the fix
    repair = client.jobs.repair_run(run_id, rerun_all_failed_tasks=True, rerun_dependent_tasks=True)
    repaired = workspace.wait_run(run_id)
    assert repaired["state"]["result_state"] == "SUCCESS"
    before = {t["task_key"]: t["run_id"] for t in failed["tasks"]}
    after = {t["task_key"]: t["run_id"] for t in repaired["tasks"]}
    assert after["first"] == before["first"] and after["independent"] == before["independent"]  # not run again
    assert after["second"] != before["second"] and after["third"] != before["third"]
    history = repaired["repair_history"]
    assert [h["type"] for h in history] == ["ORIGINAL", "REPAIR"] and history[1]["id"] == repair.response.repair_id
    assert history[0]["state"]["result_state"] == "FAILED" and history[1]["state"]["result_state"] == "SUCCESS"
    assert sorted(history[1]["task_run_ids"]) == sorted([after["second"], after["third"]])
    assert_parses(jobs.Run, repaired)
    with pytest.raises(DatabricksError, match="no failed task"):
        client.jobs.repair_run(run_id, rerun_all_failed_tasks=True)
