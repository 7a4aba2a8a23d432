"""MLflow tracking and registry: SQLite under the local workspace, or Databricks."""

from __future__ import annotations

import os
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from telco_churn.logging_setup import get_logger
from telco_churn.store_template import seed_store

log = get_logger("tracking")


@dataclass(frozen=True)
class TrackingStore:
    tracking_uri: str
    registry_uri: str
    artifact_root: Path | None = None  # local only; Databricks chooses artifact locations

    @property
    def is_local(self) -> bool:
        return self.artifact_root is not None

    @classmethod
    def local(cls, workspace_dir: Path) -> "TrackingStore":
        folder = Path(workspace_dir) / "mlflow"
        folder.mkdir(parents=True, exist_ok=True)
        seed_store(folder / "mlflow.db")
        uri = f"sqlite:///{folder / 'mlflow.db'}"
        return cls(uri, uri, folder / "artifacts")

    @classmethod
    def databricks(cls, unity_catalog: bool) -> "TrackingStore":
        return cls("databricks", "databricks-uc" if unity_catalog else "databricks")

    @classmethod
    def from_environment(cls, unity_catalog: bool) -> "TrackingStore":
        """The cluster's MLflow: $MLFLOW_TRACKING_URI (and $MLFLOW_REGISTRY_URI), as on Databricks."""
        uri = os.environ.get("MLFLOW_TRACKING_URI", "databricks")
        if uri == "databricks":
            return cls.databricks(unity_catalog)
        return cls(uri, os.environ.get("MLFLOW_REGISTRY_URI", uri))

    def activate(self) -> None:
        import mlflow

        mlflow.set_tracking_uri(self.tracking_uri)
        mlflow.set_registry_uri(self.registry_uri)

    def ensure_experiment(self, name: str) -> str:
        """The id of the active experiment called name, created if needed."""
        from mlflow import MlflowClient

        client = MlflowClient(self.tracking_uri, self.registry_uri)
        experiment = client.get_experiment_by_name(name)
        if experiment is not None and experiment.lifecycle_stage == "active":
            return experiment.experiment_id
        if experiment is not None:
            # Only possible on Databricks: local deletes free the name (see delete_experiment).
            client.restore_experiment(experiment.experiment_id)
            return experiment.experiment_id
        location = None
        if self.artifact_root is not None:
            slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")
            location = (self.artifact_root / f"{slug}-{uuid.uuid4().hex[:8]}").as_uri()
        else:
            self._make_parent_folder(name)
        return client.create_experiment(name, artifact_location=location)

    def _make_parent_folder(self, name: str) -> None:
        """Creates the workspace folder of experiment `name` (e.g. a branch's
        /Shared/telco-churn/dev/<branch>): Databricks creates an experiment only in a folder
        that exists (RESOURCE_DOES_NOT_EXIST otherwise). mkdirs is a no-op for an existing one."""
        from databricks.sdk import WorkspaceClient

        parent = name.rsplit("/", 1)[0]
        if not parent:
            return
        # "databricks://<profile>" names a profile of ~/.databrickscfg; plain "databricks" the default auth.
        profile = self.tracking_uri.partition("://")[2] or None
        WorkspaceClient(profile=profile).workspace.mkdirs(parent)

    def delete_experiment(self, name: str) -> bool:
        """Deletes the experiment called name; False if there was none."""
        from mlflow import MlflowClient

        client = MlflowClient(self.tracking_uri, self.registry_uri)
        experiment = client.get_experiment_by_name(name)
        if experiment is None or experiment.lifecycle_stage != "active":
            return False
        if self.is_local:
            # A deleted experiment keeps its name in a SQLite store, and restoring it would
            # bring its runs back; renaming first frees the name, as Databricks' trash does.
            client.rename_experiment(experiment.experiment_id, f"{name} (deleted {time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]})")
        client.delete_experiment(experiment.experiment_id)
        return True
