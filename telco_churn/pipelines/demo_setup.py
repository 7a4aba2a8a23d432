"""demo-setup: removes what earlier demo runs left, step by step as configured."""

from __future__ import annotations

from telco_churn.config.jobs import DemoSetupConfig
from telco_churn.registry import ModelRegistry
from telco_churn.workload import JobContext


class DemoSetup:
    def __init__(self, conf: DemoSetupConfig, ctx: JobContext):
        self.conf, self.ctx = conf, ctx

    def run(self) -> list[str]:
        """One line per step, saying what was removed or that there was nothing."""
        env, conf = self.ctx.env, self.conf
        done: list[str] = []
        if conf.delete_model_versions:
            n = ModelRegistry(env.registered_model_name, env.model_registry).delete_all()
            done.append(f"deleted model {env.registered_model_name} ({n} version(s))" if n
                        else f"no registered model {env.registered_model_name}")
        if conf.delete_experiments:
            for name in (env.experiments.training, env.experiments.deployment):
                deleted = self.ctx.tracking.delete_experiment(name)
                done.append(f"deleted experiment {name}" if deleted else f"no experiment {name}")
        if conf.drop_feature_table:
            done.append(self._said(self.ctx.feature_store.drop_table(env.table("features")), "feature table", env.table("features")))
        tables = (["labels", "reference"] if conf.drop_labels_table else []) + (["predictions"] if conf.drop_predictions_table else [])
        tables += (["bronze"] if conf.drop_bronze_table else []) + (["late_labels"] if conf.drop_monitoring_tables else [])
        for key in tables:
            done.append(self._said(self.ctx.lakehouse.drop(env.table(key)), f"{key} table", env.table(key)))
        if conf.drop_monitoring_tables:
            from telco_churn.monitoring.tables import drift_name, profile_name

            log = env.table("inference_log")
            for name, what in ((log, "inference log"), (profile_name(log), "profile metrics"), (drift_name(log), "drift metrics")):
                done.append(self._said(self.ctx.lakehouse.drop(name), f"{what} table", name))
        for line in done:
            self.ctx.logger.info("demo-setup: %s", line)
        return done

    @staticmethod
    def _said(dropped: bool, what: str, name: str) -> str:
        return f"dropped {what} {name}" if dropped else f"no {what} {name}"
