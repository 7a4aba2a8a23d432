"""The jobs, by the console-script entry point that starts each one."""

from __future__ import annotations

from typing import Sequence

from telco_churn.jobs.demo_setup_job import DemoSetupJob
from telco_churn.jobs.data_ingest_job import DataIngestJob
from telco_churn.jobs.feature_table_creator_job import FeatureTableCreatorJob
from telco_churn.jobs.model_train_job import ModelTrainJob
from telco_churn.jobs.model_deployment_job import ModelDeploymentJob
from telco_churn.jobs.model_inference_batch_job import ModelInferenceBatchJob
from telco_churn.jobs.model_monitoring_job import ModelMonitoringJob
from telco_churn.workload import Workload

ENTRY_POINTS: dict[str, type[Workload]] = {
    "telco-churn-demo-setup": DemoSetupJob,
    "telco-churn-data-ingest": DataIngestJob,
    "telco-churn-feature-table-creation": FeatureTableCreatorJob,
    "telco-churn-model-train": ModelTrainJob,
    "telco-churn-model-deployment": ModelDeploymentJob,
    "telco-churn-model-inference-batch": ModelInferenceBatchJob,
    "telco-churn-model-monitoring": ModelMonitoringJob,
}
JOBS: dict[str, type[Workload]] = {job.name: job for job in ENTRY_POINTS.values()}


def run_entry_point(name: str, argv: Sequence[str], runtime=None) -> int:
    """Runs the job behind a console-script name in this process; its exit code."""
    if name not in ENTRY_POINTS:
        raise KeyError(f"unknown entry point '{name}'; valid: {', '.join(ENTRY_POINTS)}")
    return ENTRY_POINTS[name].main(list(argv), runtime)
