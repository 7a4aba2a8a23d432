"""A task's process ends as a Python process does for its code: exit functions run, output written,
its exit code kept (a fresh interpreter skips only the teardown of its modules)."""

from __future__ import annotations

import io

from databricks.sdk.service import compute, jobs

SCRIPT = b"""import atexit, sys
atexit.register(lambda: print("exit functions ran"))
print("no newline at the end", end="")
sys.stderr.write("to stderr\\n")
sys.exit(3)
"""


def test_a_fresh_tasks_exit_functions_run_its_output_is_kept_and_its_code_is_the_result(workspace):
    client = workspace.sdk()
    client.dbfs.upload("/tests/exit/ends.py", io.BytesIO(SCRIPT), overwrite=True)
    waiter = client.jobs.submit(run_name="ends", tasks=[jobs.SubmitTask(
        task_key="ends", new_cluster=compute.ClusterSpec(spark_version="17.3.x-cpu-ml-scala2.13", num_workers=0),
        spark_python_task=jobs.SparkPythonTask(python_file="dbfs:/tests/exit/ends.py"))])
    run = workspace.wait_run(waiter.run_id)
    assert run["state"]["result_state"] == "FAILED"
    output = client.jobs.get_run_output(run["tasks"][0]["run_id"])
    assert "no newline at the end" in output.logs and "exit functions ran" in output.logs
    assert "Task exited with code 3" in output.error
