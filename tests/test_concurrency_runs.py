"""Two runs of one job at once, in two real processes on one lakehouse: they take turns, and the
tables and the registry end consistent (never two Production versions)."""

from __future__ import annotations

import logging
import subprocess
import sys

import mlflow
import yaml

from telco_churn.paths import default_env_file
from telco_churn.pipelines.locking import turn_in
from tests.test_faults_million_rows import job_process

TABLES = ("features", "labels", "reference")


def _both(box, script: str, *args: str) -> list[str]:
    """Starts two runs together; the stderr of each, once both succeeded."""
    processes = [job_process(box, script, *args) for _ in range(2)]
    outputs = [p.communicate(timeout=300)[1] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], "\n".join(o[-3000:] for o in outputs)
    return outputs


def test_two_deployments_at_once_leave_one_production_version(trained):
    registry = trained.registry()
    [first] = registry.versions()
    registry.assign(first.version, "Production")
    candidate = trained.job("model-train", "--set", "model_params.n_estimators=5", "--set", "promote_to=Staging").version

    outputs = _both(trained, "model_deployment_job.py")

    stages = {v.version: v.stage for v in trained.registry().versions()}
    assert list(stages.values()).count("Production") == 1 and "Staging" not in stages.values()
    assert stages[candidate] in ("Production", "Archived")
    # One run compared and decided; the other waited, then found no candidate left.
    assert sum("No usable candidate model (Staging)" in o for o in outputs) == 1
    experiment = mlflow.get_experiment_by_name(trained.env.experiments.deployment)
    assert len(mlflow.search_runs([experiment.experiment_id])) == 1


def test_two_feature_table_creations_at_once_end_with_matching_tables(trained):
    before = {key: trained.delta_version(key) for key in TABLES}

    _both(trained, "feature_table_creator_job.py")

    # Each run committed all three tables, one run after the other.
    assert {key: trained.delta_version(key) for key in TABLES} == {key: v + 2 for key, v in before.items()}
    features, labels, reference = (set(trained.read(key).customerID) for key in TABLES)
    assert labels.isdisjoint(reference) and labels | reference == features
    assert len(features) == len(set(trained.read("bronze").customerID))


def test_a_promotion_by_hand_waits_for_the_registry_lock_of_a_deployment(trained, tmp_path):
    name = trained.env.registered_model_name
    conf = yaml.safe_load(default_env_file().read_text())
    conf["environments"]["lockcheck"] = {"platform": "legacy", "model_name": name}  # as the local env: stages
    env_file = tmp_path / "environments.yml"
    env_file.write_text(yaml.safe_dump(conf))
    version = trained.registry().versions()[0]
    command = [sys.executable, "-m", "telco_churn.cli", "promote", "--env", "lockcheck", "--env-file", str(env_file),
               "--engine", "sail", "--workspace-dir", str(trained.runtime.workspace_dir),
               "--version", str(version.version), "--stage", "Archived"]
    # The test holds the lock a model-deployment run holds while it compares and promotes.
    with turn_in(trained.runtime.workspace_dir, f"registry {name}", logging.getLogger("test")):
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        waited = ""
        while "waiting for it" not in waited:
            line = process.stderr.readline()
            assert line, f"promote ended without waiting: {waited[-2000:]}"
            waited += line
        assert process.poll() is None
        assert {v.version: v.stage for v in trained.registry().versions()}[version.version] == version.stage
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err[-2000:]
    assert f"v{version.version} -> stage Archived" in out
    assert {v.version: v.stage for v in trained.registry().versions()}[version.version] == "Archived"
