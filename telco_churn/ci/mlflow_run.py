"""An MLflow run of the workspace, read through databricks-sdk's experiments API."""

from __future__ import annotations

from telco_churn.ci.client import host_of
from telco_churn.ci.errors import CiError


def fetch_mlflow_run(client, run_id: str) -> dict:
    """ids, experiment name, params, metrics, status and URL of an MLflow run; CiError if unknown."""
    from databricks.sdk.errors import DatabricksError

    try:
        run = client.experiments.get_run(run_id).run
        experiment = client.experiments.get_experiment(run.info.experiment_id).experiment
    except DatabricksError as exc:
        raise CiError(f"MLflow run '{run_id}' (the notebook's exit value) is not a run of this workspace: {exc}") from None
    data = run.data
    return {
        "run_id": run.info.run_id, "run_name": run.info.run_name, "experiment_id": run.info.experiment_id,
        "experiment_name": experiment.name, "status": run.info.status.value if run.info.status else None,
        "params": {p.key: p.value for p in (data.params or [])},
        "metrics": {m.key: m.value for m in (data.metrics or [])},
        "run_url": f"{host_of(client)}/ml/experiments/{run.info.experiment_id}/runs/{run.info.run_id}",
    }
