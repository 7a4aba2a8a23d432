"""model-inference-batch: score every input key with the current model, write predictions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from telco_churn.config.jobs import ModelInferenceConfig
from telco_churn.errors import TelcoChurnError
from telco_churn.feature_store.base import PREDICTION, PROBABILITY
from telco_churn.pipelines.locking import taking_turns
from telco_churn.pipelines.model_versions import usable_version
from telco_churn.pipelines.scoring import score_keys
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
        scored, _ = score_keys(self.ctx, registry.version_uri(version.version), keys, f"Inference input {source}")
        predictions = scored.select(
            env.id_column, PREDICTION, PROBABILITY,
            F.lit(registry.name).alias("model_name"),
            F.lit(int(version.version)).alias("model_version"),
            F.lit(datetime.now(timezone.utc)).alias("scored_at"),
        )
        target = env.table("predictions")
        self.ctx.lakehouse.write(predictions, target, self.conf.mode)
        rows = keys.count()
        self.ctx.logger.info("Scored %d row(s) of %s with %s v%s (%s) -> %s (%s)",
                             rows, source, registry.name, version.version, wanted, target, self.conf.mode)
        return InferenceResult(rows, int(version.version), target)
