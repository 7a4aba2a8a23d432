"""model-inference-batch: score every input key with the current model, write predictions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from telco_churn.config.jobs import ModelInferenceConfig
from telco_churn.errors import DataValidationError, TelcoChurnError
from telco_churn.feature_store.base import PREDICTION, PROBABILITY
from telco_churn.pipelines.locking import taking_turns
from telco_churn.pipelines.model_versions import usable_version
from telco_churn.pipelines.scoring import write_scores
from telco_churn.registry import ModelRegistry
from telco_churn.workload import JobContext


@dataclass(frozen=True)
class InferenceResult:
    rows: int
    model_version: int
    table: str


class ModelInferenceBatch:
    def __init__(self, conf: ModelInferenceConfig, ctx: JobContext):
        self.conf, self.ctx = conf, ctx

    def run(self) -> InferenceResult:
        # Two runs at once would each write the predictions table; they take turns instead.
        with taking_turns(self.ctx, f"model-inference-batch {self.ctx.env.table('predictions')}"):
            return self._score_and_write()

    def _score_and_write(self) -> InferenceResult:
        from pyspark.sql import functions as F

        env = self.ctx.env
        registry = ModelRegistry(env.registered_model_name, env.model_registry)
        wanted = self.conf.model_stage if registry.style == "stages" else self.conf.model_alias
        version, ignored = usable_version(registry, wanted, self.ctx.logger)
        if version is None:
            raise TelcoChurnError(
                f"No usable version of model '{registry.name}' is in '{wanted}'"
                f"{f' ({ignored})' if ignored else ''}. Promote one first, e.g. "
                f"telco-churn promote --version 1 {'--stage' if registry.style == 'stages' else '--alias'} {wanted}. "
                "Nothing was written.")
        source = env.table("inference_input")
        keys = self.ctx.lakehouse.read(source).select(env.id_column)
        scored_at = self.conf.scored_at or datetime.now(timezone.utc)
        target = env.table("predictions")

        def write(scored) -> None:
            predictions = scored.select(
                env.id_column, PREDICTION, PROBABILITY,
                F.lit(registry.name).alias("model_name"),
                F.lit(int(version.version)).alias("model_version"),
                F.lit(scored_at).alias("scored_at"),
            )
            if self.conf.append_to_log:
                predictions = self._append_to_log(predictions)
            self.ctx.lakehouse.write(predictions, target, self.conf.mode)

        write_scores(self.ctx, registry.version_uri(version.version), keys, f"Inference input {source}", write)
        rows = keys.count()
        self.ctx.logger.info("Scored %d row(s) of %s with %s v%s (%s) -> %s (%s)",
                             rows, source, registry.name, version.version, wanted, target, self.conf.mode)
        return InferenceResult(rows, int(version.version), target)

    def _append_to_log(self, predictions):
        """Appends the scoring, with its batch id, to the inference log; the predictions read back from it.

        Reading back spares scoring the keys a second time (the model runs once per run).
        """
        from pyspark.sql import functions as F

        log = self.ctx.env.table("inference_log")
        batch_id = self.conf.batch_id or uuid.uuid4().hex
        lakehouse = self.ctx.lakehouse
        if lakehouse.exists(log) and lakehouse.read(log).filter(F.col("batch_id") == batch_id).limit(1).count():
            raise DataValidationError(f"Inference log {log} already holds batch_id '{batch_id}': choose another "
                                      "(or leave batch_id null for a new one). Nothing was written.")
        self.ctx.lakehouse.write(predictions.withColumn("batch_id", F.lit(batch_id)), log, "append")
        self.ctx.logger.info("Scoring appended to inference log %s as batch %s", log, batch_id)
        return self.ctx.lakehouse.read(log).filter(F.col("batch_id") == batch_id).drop("batch_id")
