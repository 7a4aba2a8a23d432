"""The project's own closed loop on the local workspace, deployed by the real dbx as `make deploy`
does (`deployed_prod`: the retraining workflow first, `resolve-job-refs`, then the resolved copy).

A normal window of the log (the real customers, scored by the deployed inference job's task)
leaves the condition false and the retraining job alone. A drifted window, made as a user makes
one (`telco-churn simulate-drift`, the batch landed in a volume, then ingested, featurized and
scored with the deployed jobs' own tasks), makes the condition true, and the run_job_task runs
the retraining workflow (which ingests the next simulated day from the volume) to success. The module runs after the rest of its xdist group (tests/xdist_groups.py): its retraining
may promote a new version.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import datetime, time, timedelta, timezone
from pathlib import Path

import pytest
from databricks.sdk.service.catalog import VolumeType
from databricks.sdk.service.jobs import JobCluster, Run, Task

from telco_churn.config.environment import load_environment
from tests.workspace.conftest import INITIAL

TELCO_CHURN = str(Path(sys.executable).parent / "telco-churn")
MONITORING, RETRAINING, INFERENCE, INGEST, FEATURES = (f"PROD-telco-churn-{name}" for name in (
    "model-monitoring", "retraining", "model-inference-batch", "data-ingest", "feature-table-creation"))
VOLUME = "/Volumes/prod/telco_churn/batches"  # where conf/deployment.yml's retraining workflow reads new batches
TODAY = datetime.now(timezone.utc).date()
NORMAL_DAY, DRIFT_DAY = TODAY - timedelta(days=10), TODAY - timedelta(days=2)
# One window each, so the rule is asked about the latest window alone (its M-of-N matrix is
# tests/test_retraining_rule.py's): the user's run-now override of the deployed config.
RULE = ["--set", "retraining.min_breaches=1", "--set", "retraining.of_last=1"]


def _noon(day) -> str:
    return datetime.combine(day, time(12), tzinfo=timezone.utc).isoformat()


def _window(day) -> str:
    return f"latest_window={day:%Y-%m-%d}T00:00:00Z"


@pytest.fixture(scope="module")
def loop(deployed_prod, workspace, project, tmp_path_factory):
    """(SDK client, job id by name) once the log holds, scored by the Production model, the real
    customers on NORMAL_DAY and simulated drifted ones on DRIFT_DAY, and the next batch of new
    customers waits in the volume that the retraining workflow reads."""
    assert deployed_prod[1].returncode == 0, f"{INITIAL} must have registered a version"
    client = workspace.sdk()
    _serve_a_model(workspace, project)
    ids = {name: next(iter(client.jobs.list(name=name))).job_id for name in (MONITORING, RETRAINING, INFERENCE, INGEST, FEATURES)}
    # Drifted customers as a user makes them: a day to score and a day of new labelled customers.
    folder = tmp_path_factory.mktemp("drift")
    simulated = subprocess.run([TELCO_CHURN, "simulate-drift", "--out", str(folder), "--days", "2",
                                "--rows-per-day", "300", "--start", f"{DRIFT_DAY:%Y-%m-%d}", "--shift-from-day", "0",
                                "--month-to-month", "0.9", "--fiber-optic", "0.8", "--charges-factor", "1.3",
                                "--label-delay-days", "0", "--seed", "7"], capture_output=True, text=True)
    assert simulated.returncode == 0, simulated.stderr[-2000:]
    scored, new = sorted(folder.glob("day=*/customers.csv"))
    # Landed as batches land on Databricks: in a Unity Catalog volume.
    if "prod" not in {c.name for c in client.catalogs.list()}:
        client.catalogs.create("prod")
    if "telco_churn" not in {s.name for s in client.schemas.list("prod")}:
        client.schemas.create("telco_churn", "prod")
    client.volumes.create("prod", "telco_churn", "batches", volume_type=VolumeType.MANAGED)
    client.files.upload(f"{VOLUME}/scored_day.csv", io.BytesIO(scored.read_bytes()))
    client.files.upload(f"{VOLUME}/new_customers.csv", io.BytesIO(new.read_bytes()))

    # With the deployed jobs' own tasks, in one run: the real customers scored on NORMAL_DAY; the
    # drifted customers added to bronze and featurized, their keys as a table of their own, and
    # scored on DRIFT_DAY, into the log.
    source = f"source={VOLUME}/scored_day.csv"
    steps = [_wheel_task(client, ids[INFERENCE], "score-normal", "--set", f"scored_at={_noon(NORMAL_DAY)}"),
             _wheel_task(client, ids[INGEST], "ingest", "--set", source, "--set", "mode=append", depends="score-normal"),
             _wheel_task(client, ids[INGEST], "keys", "--set", source, "--set", "mode=overwrite",
                         "--env-set", "tables.bronze=drifted_keys", depends="ingest"),
             _wheel_task(client, ids[FEATURES], "features", depends="keys"),
             _wheel_task(client, ids[INFERENCE], "score-drifted", "--env-set", "tables.inference_input=drifted_keys",
                         "--set", f"scored_at={_noon(DRIFT_DAY)}", depends="features")]
    _ok(workspace, _run_on_shared_clusters(client, "replayed days", steps))
    return client, ids


def _run_on_shared_clusters(client, name: str, steps: list[dict]) -> int:
    """The steps as one job run whose tasks share a job cluster per distinct cluster spec, as the
    deployed workflows share theirs: one cluster start, not one per task."""
    specs: dict[str, dict] = {}
    for step in steps:
        spec = step.pop("new_cluster")
        step["job_cluster_key"] = specs.setdefault(json.dumps(spec, sort_keys=True), {
            "job_cluster_key": f"replay-{len(specs)}", "new_cluster": spec})["job_cluster_key"]
    job_id = client.jobs.create(name=name, job_clusters=[JobCluster.from_dict(c) for c in specs.values()],
                                tasks=[Task.from_dict(s) for s in steps]).job_id
    return client.jobs.run_now(job_id).run_id


def _serve_a_model(workspace, project) -> None:
    """Run alone, the module finds the initial chain's version unpromoted: promoted as the README does.
    (Whether one serves is read from the registry with the SDK: no assertion needs `telco-churn models`.)"""
    env = load_environment(project / "conf" / "environments.yml", "prod")
    client, name = workspace.sdk(), env.registered_model_name
    if env.model_registry == "stages":
        versions = list(client.model_registry.search_model_versions(filter=f"name='{name}'"))
        if any(v.current_stage == "Production" for v in versions):
            return
        latest, how = max(int(v.version) for v in versions), ["--stage", "Production"]
    else:
        if any(a.alias_name == "champion" for a in client.registered_models.get(name, include_aliases=True).aliases or []):
            return
        latest, how = max(v.version for v in client.model_versions.list(name)), ["--alias", "champion"]
    done = subprocess.run([TELCO_CHURN, "promote", "--env", "prod", "--engine", "databricks", "--version", str(latest), *how],
                          cwd=project, env=workspace.env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def _wheel_task(client, job_id: int, key: str, *extra: str, depends: str | None = None) -> dict:
    """The deployed job's (only) wheel task with more arguments, on its job cluster's spec."""
    settings = client.jobs.get(job_id).settings
    task = settings.tasks[0]
    cluster = next(c.new_cluster for c in settings.job_clusters if c.job_cluster_key == task.job_cluster_key)
    wheel = task.python_wheel_task
    return {"task_key": key, "new_cluster": cluster.as_dict(), "libraries": [lib.as_dict() for lib in task.libraries],
            "python_wheel_task": {"package_name": wheel.package_name, "entry_point": wheel.entry_point,
                                  "parameters": [*wheel.parameters, *extra]},
            **({"depends_on": [{"task_key": depends}]} if depends else {})}


def _ok(workspace, run_id: int) -> Run:
    workspace.wait_run(run_id, timeout=600)
    run = workspace.sdk().jobs.get_run(run_id)
    if run.state.result_state.value != "SUCCESS":
        outputs = [workspace.sdk().jobs.get_run_output(t.run_id) for t in run.tasks]
        pytest.fail(f"run {run_id}: {run.state}\n" + "\n".join((o.error_trace or o.logs or "")[-3000:] for o in outputs))
    return run


def _monitor(workspace, client, ids, latest_day) -> Run:
    """The deployed monitoring workflow, run now over the windows that end on latest_day."""
    params = client.jobs.get(ids[MONITORING]).settings.tasks[0].python_wheel_task.parameters
    run_id = client.jobs.run_now(ids[MONITORING], python_params=[*params, "--set", _window(latest_day), *RULE]).run_id
    return _ok(workspace, run_id)


def test_a_normal_log_leaves_the_condition_false_and_retraining_alone(loop, workspace):
    client, ids = loop
    before = [r.run_id for r in client.jobs.list_runs(job_id=ids[RETRAINING])]

    tasks = {t.task_key: t for t in _monitor(workspace, client, ids, NORMAL_DAY).tasks}
    # The monitoring task's own value, not an unresolved reference, made the condition false.
    assert tasks["retrain-due"].resolved_values.condition_task.left == "false"
    assert tasks["retrain-due"].condition_task.outcome == "false"
    assert tasks["retrain"].state.result_state.value == "EXCLUDED"
    assert [r.run_id for r in client.jobs.list_runs(job_id=ids[RETRAINING])] == before


def test_a_drifted_log_makes_the_condition_true_and_runs_the_retraining_workflow(loop, workspace):
    client, ids = loop
    run = _monitor(workspace, client, ids, DRIFT_DAY)
    tasks = {t.task_key: t for t in run.tasks}
    assert tasks["retrain-due"].condition_task.outcome == "true", client.jobs.get_run_output(
        tasks["model-monitoring"].run_id).logs[-4000:]
    child = client.jobs.get_run(client.jobs.get_run_output(tasks["retrain"].run_id).run_job_output.run_id)
    assert (child.job_id, child.trigger.value, child.state.result_state.value) == (ids[RETRAINING], "RUN_JOB_TASK", "SUCCESS")
    assert sorted(t.task_key for t in child.tasks) == ["data-ingest", "feature-table-creation", "model-deployment",
                                                       "model-train"]
