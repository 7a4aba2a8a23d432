"""model-train job: Train, log and register the churn model."""

from telco_churn.config.jobs import ModelTrainConfig
from telco_churn.workload import JobContext, Workload


class ModelTrainJob(Workload[ModelTrainConfig]):
    name = "model-train"
    conf_name = "model_train.yml"
    config_model = ModelTrainConfig

    def run(self, context: JobContext):
        from telco_churn.pipelines.model_train import ModelTrainer

        return ModelTrainer(self.conf, context).run()


entrypoint = ModelTrainJob.entrypoint


if __name__ == "__main__":  # spark_python_task: exits non-zero on failure, returns on success
    entrypoint()
