"""A SIGKILL in the middle of model-train's registration leaves a usable registry, and the jobs that
load models ignore a version that is not READY or has lost its model files, and say so."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path

import mlflow
import pytest

from telco_churn.errors import TelcoChurnError
from telco_churn.pipelines.promotion import Decision
from tests.test_faults_million_rows import job_process, kill_when_changed

# One worker for the module under pytest-xdist: its tests share one registry, in this order.
pytestmark = pytest.mark.xdist_group(name="faults_model_versions")


def _model_files(box) -> int:
    experiment = mlflow.get_experiment_by_name(box.env.experiments.training)
    return len(list(Path(experiment.artifact_location.removeprefix("file://")).glob("**/MLmodel")))


def _production(box) -> list[int]:
    return [v.version for v in box.registry().versions() if v.stage == "Production"]


def test_sigkill_during_registration_then_every_job_still_picks_a_good_version(trained):
    registry = trained.registry()
    [first] = registry.versions()
    registry.assign(first.version, "Production")

    # Killed as soon as the model's files start to appear: while it is logged and registered.
    kill_when_changed(job_process(trained, "model_train_job.py", "--set", "model_params.n_estimators=20"),
                      lambda: _model_files(trained))

    # The registry still answers, and the killed run registered at most one version.
    versions = trained.registry().versions()
    assert [v.version for v in versions][:1] == [first.version] and len(versions) <= 2
    assert _production(trained) == [first.version]

    # The rerun registers a new version; deployment compares it and leaves one Production version.
    rerun = trained.job("model-train", "--set", "model_params.n_estimators=20", "--set", "promote_to=Staging")
    assert rerun.version == versions[-1].version + 1
    deployed = trained.job("model-deployment")
    assert deployed.candidate_version == rerun.version and deployed.current_version == first.version
    [production] = _production(trained)
    assert production == (rerun.version if deployed.decision.promotes else first.version)
    assert trained.job("model-inference-batch").model_version == production


def _set_status(box, version: int, status: str) -> None:
    database = box.runtime.workspace_dir / "mlflow" / "mlflow.db"
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE model_versions SET status = ? WHERE name = ? AND version = ?",
                           (status, box.env.registered_model_name, version))


def test_a_candidate_that_is_not_ready_is_ignored_and_said(trained, caplog):
    candidate = trained.job("model-train", "--set", "model_params.n_estimators=5", "--set", "promote_to=Staging").version
    _set_status(trained, candidate, "PENDING_REGISTRATION")  # as a registration cut short leaves it
    production = _production(trained)
    result = trained.job("model-deployment")
    assert result.decision is Decision.NO_CANDIDATE and _production(trained) == production
    assert f"v{candidate} (Staging) is ignored: its status is PENDING_REGISTRATION, not READY" in caplog.text


def _one_production(box) -> int:
    if not _production(box):  # run alone: the first test of the module promoted one
        box.registry().assign(box.registry().versions()[0].version, "Production")
    [production] = _production(box)
    return production


@contextmanager
def _without_model_files(box, version: int):
    """The version's MLmodel moved aside for the duration, as a half-written or pruned artifact leaves it."""
    files = Path(mlflow.MlflowClient().get_model_version_download_uri(
        box.env.registered_model_name, version).removeprefix("file://"))
    (files / "MLmodel").rename(files / "MLmodel.gone")
    try:
        yield
    finally:
        (files / "MLmodel.gone").rename(files / "MLmodel")


def test_a_production_version_without_model_files_is_ignored_and_inference_writes_nothing(trained):
    production = _one_production(trained)
    trained.job("model-inference-batch")
    version = trained.delta_version("predictions")
    with _without_model_files(trained, production):
        with pytest.raises(TelcoChurnError, match=rf"No usable version .* is in 'Production' \(.* v{production} "
                           r"\(Production\) is ignored: it has no model artifact \(MLmodel missing\)\)"):
            trained.job("model-inference-batch")
    assert trained.delta_version("predictions") == version


def test_inference_ignores_a_production_version_that_is_not_ready(trained):
    production = _one_production(trained)
    trained.job("model-inference-batch")
    version = trained.delta_version("predictions")
    _set_status(trained, production, "PENDING_REGISTRATION")
    try:
        with pytest.raises(TelcoChurnError, match=rf"v{production} \(Production\) is ignored: its status is "
                           "PENDING_REGISTRATION, not READY"):
            trained.job("model-inference-batch")
    finally:
        _set_status(trained, production, "READY")
    assert trained.delta_version("predictions") == version


def test_deployment_ignores_a_candidate_without_model_files(trained, caplog):
    candidate = trained.job("model-train", "--set", "model_params.n_estimators=5", "--set", "promote_to=Staging").version
    production = _production(trained)
    with _without_model_files(trained, candidate):
        result = trained.job("model-deployment")
    assert result.decision is Decision.NO_CANDIDATE and _production(trained) == production
    assert f"v{candidate} (Staging) is ignored: it has no model artifact (MLmodel missing)" in caplog.text
