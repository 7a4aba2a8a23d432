"""The shipped notebooks that no build runs, run for real on what `deployed_prod` and the release
flow left (the prod tables, a Production model): notebooks/score.py through `telco-churn ci trigger
score` with the wheel dbx built, then notebooks/explore.py beside the same conf and wheel."""

from __future__ import annotations

import re
import uuid

from databricks.sdk.service import compute, jobs

from telco_churn.ci.cluster_spec import load_cluster_spec
from tests.workspace.ci_cli import output, telco_churn_here

CUSTOMERS = 7043


def test_score_through_ci_trigger_then_explore_on_the_prod_tables(workspace, deployed_prod, project, monkeypatch, capsys):
    branch = f"feature/shipped-{uuid.uuid4().hex[:6]}"
    env = {"BRANCH_NAME": branch}
    (wheel,) = (project / "dist").glob("telco_churn-*.whl")  # built by deployed_prod's `dbx deploy`
    pushed = telco_churn_here(workspace, monkeypatch, capsys, "notebooks", "push", cwd=project, extra_env=env)
    assert pushed.returncode == 0, output(pushed)

    scored = telco_churn_here(workspace, monkeypatch, capsys, "ci", "trigger", "score", "--env", "prod",
                              "--wheel", str(wheel), "--project-dir", str(project), "--poll-seconds", "0.5",
                              cwd=project, extra_env=env)
    assert scored.returncode == 0, output(scored)
    # The notebook's exit value: the rows model-inference-batch scored with the Production model.
    assert f"SUCCESS, exit value '{CUSTOMERS}'" in scored.stdout
    assert f"'branch': '{branch}'" in scored.stdout

    # explore.py, from the folder the trigger ran score from: its conf/ beside it, the same wheel,
    # on the cluster of the shipped spec that the trigger used.
    cluster = load_cluster_spec(project / "conf" / "ci" / "notebook-cluster.json")["new_cluster"]
    folder = re.search(r"Run \d+: (\S+)/score with", scored.stdout)[1]
    library = re.search(rf"{re.escape(wheel.name)} -> (dbfs:\S+)", scored.stdout)[1]
    client = workspace.sdk()
    run = workspace.ended(client.jobs.submit(run_name="explore", tasks=[jobs.SubmitTask(
        task_key="explore", new_cluster=compute.ClusterSpec.from_dict(cluster),
        libraries=[compute.Library(whl=library)],
        notebook_task=jobs.NotebookTask(notebook_path=f"{folder}/explore", base_parameters={"env": "prod"}))]))
    logs = client.jobs.get_run_output(run.tasks[0].run_id)
    assert run.state.result_state == jobs.RunResultState.SUCCESS, (run.state.state_message, logs.error, logs.logs)
    summary = re.search(r"(\d+) customers, (\d+) features; churn rate (0\.\d+)", logs.logs)
    assert summary, logs.logs
    assert int(summary[1]) == CUSTOMERS and int(summary[2]) > 10
    assert 0.2 < float(summary[3]) < 0.35  # the Telco data's churn rate is 26.5%
    assert "tenure_years" in logs.logs and "churn_rate" in logs.logs  # the two display() tables
