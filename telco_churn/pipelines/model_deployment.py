"""model-deployment: the candidate replaces the current model only if strictly better."""

from __future__ import annotations

from dataclasses import dataclass

from telco_churn.config.jobs import ModelDeploymentConfig
from telco_churn.contracts.report import ContractViolation, ValidationReport
from telco_churn.feature_store.base import PREDICTION, PROBABILITY
from telco_churn.pipelines.locking import taking_turns
from telco_churn.pipelines.model_versions import usable_version
from telco_churn.pipelines.promotion import Decision, decide
from telco_churn.pipelines.scoring import score_keys
from telco_churn.registry import ModelRegistry
from telco_churn.workload import JobContext


@dataclass(frozen=True)
class DeploymentResult:
    decision: Decision
    metric: str
    candidate_version: int | None = None
    current_version: int | None = None
    candidate_metric: float | None = None
    current_metric: float | None = None


class ModelDeployment:
    def __init__(self, conf: ModelDeploymentConfig, ctx: JobContext, registry: ModelRegistry | None = None):
        self.conf, self.ctx = conf, ctx
        self.registry = registry or ModelRegistry(ctx.env.registered_model_name, ctx.env.model_registry)
        self.reports: dict[str, ValidationReport] = {}  # the checks of each scoring, saved in the run

    def evaluate(self, version: int | str, reference) -> float:
        from telco_churn.pipelines.metrics import classification_metrics

        scored, report = score_keys(self.ctx, self.registry.version_uri(version), reference, "Reference table")
        self.reports[f"reference_v{version}"] = report
        env = self.ctx.env
        # Sorted by key: Spark returns rows in any order, and float sums depend on the order,
        # so the same model would otherwise score a hair differently from run to run.
        data = scored.select(env.id_column, env.label_column, PREDICTION, PROBABILITY).toPandas()
        data = data.sort_values(env.id_column, kind="stable").reset_index(drop=True)
        return classification_metrics(data[env.label_column], data)[self.conf.metric]

    def run(self) -> DeploymentResult:
        # Two deployments at once would each promote their own winner: they take turns, and the
        # second one then finds the registry as the first one left it.
        with taking_turns(self.ctx, f"registry {self.registry.name}"):
            return self._decide_and_apply()

    def _decide_and_apply(self) -> DeploymentResult:
        log, env, metric = self.ctx.logger, self.ctx.env, self.conf.metric
        candidate, _ = usable_version(self.registry, self.registry.role_label("candidate"), log)
        if candidate is None:
            log.info("No usable candidate model (%s) for %s: nothing to compare, nothing changed.",
                     self.registry.role_label("candidate"), self.registry.name)
            return DeploymentResult(Decision.NO_CANDIDATE, metric)
        current, _ = usable_version(self.registry, self.registry.role_label("current"), log)
        reference = self.ctx.lakehouse.read(env.table("reference"), hint="Run feature-table-creation first.").select(
            env.id_column, env.label_column)
        try:
            candidate_metric = self.evaluate(candidate.version, reference)
            current_metric = self.evaluate(current.version, reference) if current is not None else None
        except ContractViolation as failed:
            self._log_failed_run(failed.report)
            raise
        decision = decide(candidate_metric, current_metric, self.conf.higher_is_better)
        result = DeploymentResult(decision, metric, int(candidate.version),
                                  int(current.version) if current is not None else None, candidate_metric, current_metric)
        self._log_run(result)
        self._report(result)
        if self.conf.dry_run:
            log.info("Dry run: no stage or alias changed.")
        elif decision.promotes:
            self.registry.promote(candidate.version)
        else:
            self.registry.retire_candidate(candidate.version)
        return result

    def _log_failed_run(self, report: ValidationReport) -> None:
        """A run in the deployment experiment that shows why the comparison was refused."""
        import mlflow

        experiment_id = self.ctx.tracking.ensure_experiment(self.ctx.env.experiments.deployment)
        mlflow.start_run(experiment_id=experiment_id, run_name="model-deployment")
        try:
            mlflow.set_tags({"job": "model-deployment", "env": self.ctx.env.name, "decision": "refused_bad_input"})
            report.save_to_run("reference")
        finally:
            mlflow.end_run("FAILED")

    def _log_run(self, result: DeploymentResult) -> None:
        import mlflow

        experiment_id = self.ctx.tracking.ensure_experiment(self.ctx.env.experiments.deployment)
        with mlflow.start_run(experiment_id=experiment_id, run_name="model-deployment"):
            mlflow.set_tags({"job": "model-deployment", "env": self.ctx.env.name, "decision": result.decision.value,
                             "dry_run": str(self.conf.dry_run).lower()})
            mlflow.log_params({"metric": result.metric, "higher_is_better": self.conf.higher_is_better,
                               "registry_style": self.registry.style, "candidate_version": result.candidate_version,
                               "current_version": result.current_version})
            metrics = {f"candidate_{result.metric}": result.candidate_metric}
            if result.current_metric is not None:
                metrics[f"current_{result.metric}"] = result.current_metric
            mlflow.log_metrics(metrics)
            for name, report in self.reports.items():
                report.save_to_run(name)

    def _report(self, r: DeploymentResult) -> None:
        cand, cur = self.registry.role_label("candidate"), self.registry.role_label("current")
        current = f"{cur} v{r.current_version} {r.metric}={r.current_metric:.4f}" if r.current_version else f"no {cur} model"
        verdict = {
            Decision.PROMOTE_FIRST: f"no {cur} model yet: promoting v{r.candidate_version}",
            Decision.PROMOTE_BETTER: f"candidate is better: promoting v{r.candidate_version}, retiring v{r.current_version}",
            Decision.KEEP_CURRENT: f"candidate is not better: keeping v{r.current_version}, retiring v{r.candidate_version}",
        }[r.decision]
        self.ctx.logger.info("%s v%s %s=%.4f vs %s -> %s", cand, r.candidate_version, r.metric, r.candidate_metric, current, verdict)
