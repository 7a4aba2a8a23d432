"""data-ingest job: Create the bronze customers table from the packaged IBM Telco CSV."""

from telco_churn.config.jobs import DataIngestConfig
from telco_churn.workload import JobContext, Workload


class DataIngestJob(Workload[DataIngestConfig]):
    name = "data-ingest"
    conf_name = "data_ingest.yml"
    config_model = DataIngestConfig
    uses_mlflow = False  # Delta tables only

    def run(self, context: JobContext):
        from telco_churn.pipelines.data_ingest import DataIngest

        return DataIngest(self.conf, context).run()


entrypoint = DataIngestJob.entrypoint


if __name__ == "__main__":  # spark_python_task: exits non-zero on failure, returns on success
    entrypoint()
