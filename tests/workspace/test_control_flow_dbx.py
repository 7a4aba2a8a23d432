"""The real dbx 0.8.19 deploys a condition_task, a run_job_task and a schedule unchanged, with
the workaround dbx users need for the other job's id (dbx has no `job://` reference): with that
job deployed first, its id is rendered into a Jinja deployment file. Condition and run-job tasks set
`deployment_config: {no_package: true}`, else dbx attaches the wheel to tasks that have no cluster."""

from __future__ import annotations

from databricks.sdk.service.jobs import Job, Task

from tests.workspace.harness import DBX_BIN

FILE = """
custom:
  cluster: &cluster
    spark_version: "17.3.x-cpu-ml-scala2.13"
    num_workers: 0
environments:
  dev:
    workflows:
      - name: "cf-dbx-monitoring"
        schedule: {quartz_cron_expression: "0 0 6 * * ?", timezone_id: "Europe/Paris", pause_status: "PAUSED"}
        tasks:
          - task_key: "monitor"
            new_cluster: *cluster
            python_wheel_task: {package_name: "telco_churn", entry_point: "telco-churn-model-train"}
          - task_key: "decide"
            depends_on: [{task_key: "monitor"}]
            deployment_config: {no_package: true}
            condition_task: {op: "EQUAL_TO", left: "{% raw %}{{tasks.monitor.values.retrain}}{% endraw %}", right: "true"}
          - task_key: "retrain"
            depends_on: [{task_key: "decide", outcome: "true"}]
            deployment_config: {no_package: true}
            run_job_task: {job_id: {{ env['RETRAINING_JOB_ID'] }}}
"""


def _deploy(workspace, project, name: str, **env: str):
    done = workspace.run([str(DBX_BIN / "dbx"), "deploy", name, "--deployment-file", "conf/control-flow.yml.j2",
                          "--environment", "dev"], cwd=project, extra_env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def _job(workspace, name: str) -> Job:
    found = [j for j in workspace.sdk().jobs.list(name=name)]
    assert len(found) == 1, found
    return workspace.sdk().jobs.get(found[0].job_id)


def test_dbx_deploys_condition_run_job_and_schedule_unchanged(workspace, project):
    (project / "conf" / "control-flow.yml.j2").write_text(FILE)
    child = workspace.sdk().jobs.create(name="cf-dbx-retraining", tasks=[Task.from_dict({  # deployed earlier
        "task_key": "train", "new_cluster": {"spark_version": "17.3.x-cpu-ml-scala2.13", "num_workers": 0},
        "spark_python_task": {"python_file": "dbfs:/nowhere.py"}})]).job_id
    _deploy(workspace, project, "cf-dbx-monitoring", RETRAINING_JOB_ID=str(child))

    settings = _job(workspace, "cf-dbx-monitoring").settings
    tasks = {t.task_key: t for t in settings.tasks}
    assert (settings.schedule.quartz_cron_expression, settings.schedule.timezone_id,
            settings.schedule.pause_status.value) == ("0 0 6 * * ?", "Europe/Paris", "PAUSED")
    condition = tasks["decide"].condition_task
    assert (condition.op.value, condition.left, condition.right) == ("EQUAL_TO", "{{tasks.monitor.values.retrain}}", "true")
    assert tasks["retrain"].run_job_task.job_id == child
    assert tasks["retrain"].depends_on[0].outcome == "true"
    assert not tasks["decide"].libraries and not tasks["retrain"].libraries
    assert tasks["monitor"].libraries[0].whl.endswith(".whl")
