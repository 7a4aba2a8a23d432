"""The real Databricks clients: Feature Engineering (Unity Catalog) or Feature Store
(workspace). Imported only on Databricks: constructing either client needs a workspace."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telco_churn.feature_store.base import (
    PREDICTION, PROBABILITY, SCORE_STRUCT, FeatureLookup, FeatureStore, TrainingSet,
)
from telco_churn.lakehouse.catalog import CatalogLakehouse

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


class DatabricksTrainingSet(TrainingSet):
    def __init__(self, raw: Any, lookups: list[FeatureLookup], label: str):
        super().__init__(lookups, label)
        self.raw = raw

    def load_df(self) -> "DataFrame":
        return self.raw.load_df()


class DatabricksFeatureStore(FeatureStore):
    def __init__(self, spark, unity_catalog: bool):
        self.spark = spark
        self.lakehouse = CatalogLakehouse(spark)
        if unity_catalog:
            from databricks.feature_engineering import FeatureEngineeringClient, FeatureLookup as RawLookup

            self.client = FeatureEngineeringClient()
        else:
            from databricks.feature_store import FeatureLookup as RawLookup, FeatureStoreClient

            self.client = FeatureStoreClient()
        self._raw_lookup = RawLookup

    def _create_table(self, name, df, primary_keys, description) -> None:
        if self.lakehouse.exists(name):
            # One Delta commit that keeps the table: its primary-key constraint (Unity Catalog)
            # and description. The client's write_table(mode="merge") would keep rows of keys
            # that are gone; a schema-overwriting overwrite would drop the constraint.
            self.lakehouse.replace_rows(df, name)
        else:
            self.client.create_table(name=name, primary_keys=primary_keys, df=df, description=description)

    def read_table(self, name: str) -> "DataFrame":
        return self.client.read_table(name=name)

    def drop_table(self, name: str) -> bool:
        if not self.lakehouse.exists(name):
            return False
        self.client.drop_table(name=name)
        return True

    def create_training_set(self, df, feature_lookups, label, exclude_columns) -> DatabricksTrainingSet:
        raw_lookups = [
            self._raw_lookup(table_name=lk.table_name, lookup_key=list(lk.lookup_key),
                             feature_names=None if lk.feature_names is None else list(lk.feature_names))
            for lk in feature_lookups
        ]
        raw = self.client.create_training_set(
            df=df, feature_lookups=raw_lookups, label=label, exclude_columns=exclude_columns)
        return DatabricksTrainingSet(raw, feature_lookups, label)

    def log_model(self, model, artifact_path, *, training_set, registered_model_name,
                  input_example=None, signature=None) -> int | None:
        import mlflow

        # The client infers the input schema from the training set and prefers an inferred
        # example to a given signature; only the output schema (class + probability) is ours.
        self.client.log_model(
            model=model, artifact_path=artifact_path, flavor=mlflow.pyfunc,
            training_set=training_set.raw, registered_model_name=registered_model_name,
            infer_input_example=True, output_schema=signature.outputs if signature is not None else None,
        )
        if registered_model_name is None:
            return None
        versions = mlflow.MlflowClient().search_model_versions(f"name='{registered_model_name}'")
        run_id = mlflow.active_run().info.run_id
        return max(int(v.version) for v in versions if v.run_id == run_id)

    def score_batch(self, model_uri: str, df: "DataFrame") -> "DataFrame":
        scored = self.client.score_batch(model_uri=model_uri, df=df, result_type=SCORE_STRUCT)
        return scored.withColumnRenamed(PREDICTION, "_score").select(
            "*", f"_score.{PREDICTION}", f"_score.{PROBABILITY}").drop("_score")
