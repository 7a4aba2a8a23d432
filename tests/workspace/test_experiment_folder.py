"""A branch's experiment goes into a workspace folder that nothing else creates: the job makes
it (Databricks creates an experiment only in an existing folder)."""

from __future__ import annotations

import uuid

from databricks.sdk.service.workspace import ObjectType

from local_workspace.cli import client_environment
from telco_churn.tracking import TrackingStore


def test_a_branch_experiment_gets_its_parent_folder(workspace, monkeypatch):
    for name, value in client_environment(workspace.root).items():
        monkeypatch.setenv(name, value)
    folder = f"/Shared/telco-churn/dev/branch-{uuid.uuid4().hex[:8]}"
    store = TrackingStore.databricks(unity_catalog=False)
    experiment_id = store.ensure_experiment(f"{folder}/model-train")
    assert workspace.sdk().workspace.get_status(folder).object_type == ObjectType.DIRECTORY
    # Once there, the experiment is found again; the folder is not made twice.
    assert store.ensure_experiment(f"{folder}/model-train") == experiment_id
