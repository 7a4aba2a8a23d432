"""MLflow, served by MLflow's own server code over the workspace's store.

Runs, experiments and the registry live in SQLite under <dir>/mlflow; artifacts live on DBFS
(the default artifact root is dbfs:/databricks/mlflow-artifacts), which clients reach through
the DBFS API as on Databricks. The server itself reads them straight from disk.
"""

from __future__ import annotations

import os
import posixpath
import threading
from pathlib import Path
from typing import Callable

from local_workspace.errors import InvalidParameterValue, ResourceDoesNotExist
from local_workspace.compute.lean_process import collector_paused
from local_workspace.services.mlflow.store_seed import seed_database

DEFAULT_ARTIFACT_ROOT = "dbfs:/databricks/mlflow-artifacts"
SQLITE = "sqlite:///"


class MlflowServer:
    """MLflow's Flask app for this workspace (one per process), imported and configured on the
    first MLflow request: a workspace that serves none starts without MLflow's imports (about
    3 s of CPU), and `workspace start` returns sooner."""

    def __init__(self, store_uri: str, dbfs_file: Callable[[str], Path]):
        self.store_uri, self.dbfs_file = store_uri, dbfs_file
        self._app = None
        self._lock = threading.Lock()

    def app(self):
        with self._lock:
            if self._app is None:
                with collector_paused():  # MLflow's imports
                    self._app = self._configure()
            return self._app

    def __call__(self, environ, start_response):
        return self.app()(environ, start_response)

    def _configure(self):
        from mlflow.server.constants import (
            ARTIFACT_ROOT_ENV_VAR, BACKEND_STORE_URI_ENV_VAR, REGISTRY_STORE_URI_ENV_VAR, SERVE_ARTIFACTS_ENV_VAR,
        )

        os.environ[BACKEND_STORE_URI_ENV_VAR] = self.store_uri
        os.environ[REGISTRY_STORE_URI_ENV_VAR] = self.store_uri
        os.environ[ARTIFACT_ROOT_ENV_VAR] = DEFAULT_ARTIFACT_ROOT
        os.environ[SERVE_ARTIFACTS_ENV_VAR] = "false"
        # The gateway checks the token and the Host header of every request itself.
        os.environ["MLFLOW_SERVER_DISABLE_SECURITY_MIDDLEWARE"] = "true"
        if self.store_uri.startswith(SQLITE):
            seed_database(Path(self.store_uri[len(SQLITE):]))
        _serve_dbfs_from_disk(self.dbfs_file)
        from mlflow.server import app

        return app

    def model_version_files(self, name: str, version: str, path: str) -> tuple[str, Path]:
        """(artifact root URI, local folder or file) of a registered model version's artifacts."""
        self.app()  # the stores below are the configured server's
        return _model_version_files(name, version, path, self.dbfs_file)


def _serve_dbfs_from_disk(dbfs_file: Callable[[str], Path]) -> None:
    """The server process opens dbfs:/ artifacts (for the UI) from the workspace's disk."""
    from mlflow.store.artifact.artifact_repository_registry import _artifact_repository_registry
    from mlflow.store.artifact.local_artifact_repo import LocalArtifactRepository

    def local_dbfs(artifact_uri: str, tracking_uri: str | None = None, registry_uri: str | None = None):
        return LocalArtifactRepository(dbfs_file(artifact_uri).as_uri(), tracking_uri=tracking_uri,
                                       registry_uri=registry_uri)

    _artifact_repository_registry.register("dbfs", local_dbfs)


def _model_version_files(name: str, version: str, path: str, dbfs_file: Callable[[str], Path]) -> tuple[str, Path]:
    from mlflow.exceptions import MlflowException
    from mlflow.server.handlers import _get_model_registry_store, _get_tracking_store

    if ".." in path.split("/"):
        raise InvalidParameterValue(f"path '{path}' must not contain '..'")
    try:
        source = _get_model_registry_store().get_model_version_download_uri(name, version)
    except MlflowException:
        raise ResourceDoesNotExist(f"Model version {name} v{version} does not exist") from None
    if source.startswith("models:/"):  # an MLflow 3 logged model: its own artifact location
        model_id = source[len("models:/"):].split("/", 1)[0]
        source = _get_tracking_store().get_logged_model(model_id).artifact_location
    elif source.startswith("runs:/"):
        run_id, _, sub = source[len("runs:/"):].partition("/")
        source = posixpath.join(_get_tracking_store().get_run(run_id).info.artifact_uri, sub)
    if not source.startswith("dbfs:"):
        raise InvalidParameterValue(f"Model version {name} v{version} has artifacts at {source}, not on DBFS")
    return source, dbfs_file(posixpath.join(source, path) if path else source)
