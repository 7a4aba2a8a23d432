"""model-monitoring job: Profile and compare the inference log per window; decide whether to retrain."""

from telco_churn.config.jobs import ModelMonitoringConfig
from telco_churn.workload import JobContext, Workload


class ModelMonitoringJob(Workload[ModelMonitoringConfig]):
    name = "model-monitoring"
    conf_name = "model_monitoring.yml"
    config_model = ModelMonitoringConfig

    def run(self, context: JobContext):
        from telco_churn.pipelines.model_monitoring import ModelMonitoring

        return ModelMonitoring(self.conf, context).run()


entrypoint = ModelMonitoringJob.entrypoint


if __name__ == "__main__":  # spark_python_task: exits non-zero on failure, returns on success
    entrypoint()
