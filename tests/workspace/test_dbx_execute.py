"""`dbx execute --cluster-name` on an all-purpose cluster, with the project's own deployment file
as a user runs it: the cluster (made with `w.clusters.create_and_wait`, then terminated) is started
by dbx; dbx uploads the wheel and the files the tasks reference through MLflow, installs the wheel
in an execution context from its /dbfs path, restarts Python (runtime 17.3) and runs the task's
entry point. The chain's data tasks run by `--task`, then model-train by `--job`, and the model
version it registers exists afterwards. Every execute after the first reuses the context kept in
.dbx/lock.json.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from databricks.sdk.service.compute import State

from tests.workspace.harness import dbx

CLUSTER = "dev-interactive"
CHAIN = "DEV-telco-churn-initial-model-train-register"
MODEL = "telco_churn_dev"  # the project copy runs on `legacy`: the workspace registry


@pytest.fixture(scope="module")
def terminated_cluster(workspace):
    w = workspace.sdk()
    details = w.clusters.create_and_wait(cluster_name=CLUSTER, spark_version="17.3.x-cpu-ml-scala2.13", num_workers=0,
                                         node_type_id="local", autotermination_minutes=120,
                                         timeout=timedelta(minutes=3))
    w.clusters.delete_and_wait(details.cluster_id, timeout=timedelta(minutes=2))
    yield details.cluster_id
    w.clusters.permanent_delete(details.cluster_id)


def _execute(workspace, project, *args: str) -> str:
    done = dbx(workspace, project, "execute", *args, "--cluster-name", CLUSTER, "--environment", "dev")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "Entrypoint execution finished" in done.stdout
    return done.stdout


def _versions(workspace) -> set[str]:
    return {v.version for v in workspace.sdk().model_registry.search_model_versions(filter=f"name='{MODEL}'")}


def test_dbx_execute_starts_the_cluster_runs_the_chain_and_model_train_reusing_its_context(
        workspace, project, terminated_cluster):
    w = workspace.sdk()
    assert w.clusters.get(terminated_cluster).state == State.TERMINATED
    before = _versions(workspace)

    first = _execute(workspace, project, CHAIN, "--task", "data-ingest")
    assert "Restarting Python" in first  # dbx's step at runtime 13 or higher
    assert w.clusters.get(terminated_cluster).state == State.RUNNING  # dbx started it
    context_id = json.loads((project / ".dbx" / "lock.json").read_text())["context_id"]

    second = _execute(workspace, project, CHAIN, "--task", "feature-table-creation", "--no-rebuild")
    trained = _execute(workspace, project, "--job", "DEV-telco-churn-model-train", "--no-rebuild")
    for later in (second, trained):
        assert "Existing context is active, using it" in later
    assert json.loads((project / ".dbx" / "lock.json").read_text())["context_id"] == context_id

    added = _versions(workspace) - before
    assert len(added) == 1, (before, added, trained[-3000:])
    version = w.model_registry.get_model_version(MODEL, added.pop())
    assert version.model_version.status.value == "READY"
