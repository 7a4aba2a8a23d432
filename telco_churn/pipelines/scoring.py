"""Scoring keys with a registered model, refusing keys that have no features."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telco_churn.errors import DataValidationError
from telco_churn.feature_store.base import FeatureLookup
from telco_churn.workload import JobContext

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def score_keys(ctx: JobContext, model_uri: str, keys: "DataFrame", what: str) -> "DataFrame":
    """keys plus prediction and probability; raises, naming the count, if any key lacks features."""
    lookups = [FeatureLookup(ctx.env.table("features"), (ctx.env.id_column,))]
    missing = ctx.feature_store.count_keys_without_features(keys, lookups)
    if missing:
        raise DataValidationError(
            f"{what}: {missing} key(s) have no row in feature table {ctx.env.table('features')}; "
            "rebuild the feature table or remove those keys. Nothing was written.")
    return ctx.feature_store.score_batch(model_uri, keys)
