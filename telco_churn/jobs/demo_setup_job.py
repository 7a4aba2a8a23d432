"""demo-setup job: Reset the demo: delete the model, experiments and tables, as configured."""

from telco_churn.config.jobs import DemoSetupConfig
from telco_churn.workload import JobContext, Workload


class DemoSetupJob(Workload[DemoSetupConfig]):
    name = "demo-setup"
    conf_name = "demo_setup.yml"
    config_model = DemoSetupConfig

    def run(self, context: JobContext):
        from telco_churn.pipelines.demo_setup import DemoSetup

        return DemoSetup(self.conf, context).run()


entrypoint = DemoSetupJob.entrypoint


if __name__ == "__main__":  # spark_python_task: exits non-zero on failure, returns on success
    entrypoint()
