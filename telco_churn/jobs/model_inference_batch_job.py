"""model-inference-batch job: Score the inference input with the current model and write predictions."""

from telco_churn.config.jobs import ModelInferenceConfig
from telco_churn.workload import JobContext, Workload


class ModelInferenceBatchJob(Workload[ModelInferenceConfig]):
    name = "model-inference-batch"
    conf_name = "model_inference_batch.yml"
    config_model = ModelInferenceConfig

    def run(self, context: JobContext):
        from telco_churn.pipelines.model_inference_batch import ModelInferenceBatch

        return ModelInferenceBatch(self.conf, context).run()


entrypoint = ModelInferenceBatchJob.entrypoint


if __name__ == "__main__":  # spark_python_task: exits non-zero on failure, returns on success
    entrypoint()
