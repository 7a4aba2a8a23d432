"""feature-table-creation job: Build the feature table and the labels and reference tables."""

from telco_churn.config.jobs import FeatureTableConfig
from telco_churn.workload import JobContext, Workload


class FeatureTableCreatorJob(Workload[FeatureTableConfig]):
    name = "feature-table-creation"
    conf_name = "feature_table_creation.yml"
    config_model = FeatureTableConfig
    uses_mlflow = False  # Delta tables only

    def run(self, context: JobContext):
        from telco_churn.pipelines.feature_table_creation import FeatureTableCreator

        return FeatureTableCreator(self.conf, context).run()


entrypoint = FeatureTableCreatorJob.entrypoint


if __name__ == "__main__":  # spark_python_task: exits non-zero on failure, returns on success
    entrypoint()
