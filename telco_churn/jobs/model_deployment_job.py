"""model-deployment job: Compare the candidate model with the current one; promote or retire it."""

from telco_churn.config.jobs import ModelDeploymentConfig
from telco_churn.workload import JobContext, Workload


class ModelDeploymentJob(Workload[ModelDeploymentConfig]):
    name = "model-deployment"
    conf_name = "model_deployment.yml"
    config_model = ModelDeploymentConfig

    def run(self, context: JobContext):
        from telco_churn.pipelines.model_deployment import ModelDeployment

        return ModelDeployment(self.conf, context).run()


entrypoint = ModelDeploymentJob.entrypoint


if __name__ == "__main__":  # spark_python_task: exits non-zero on failure, returns on success
    entrypoint()
