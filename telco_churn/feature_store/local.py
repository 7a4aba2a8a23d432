"""Feature store on the local lakehouse; the lookups travel inside the logged model."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from telco_churn.feature_store.base import (
    PREDICTION, PROBABILITY, FeatureLookup, FeatureStore, TrainingSet,
)

if TYPE_CHECKING:
    from mlflow.pyfunc import PythonModel
    from pyspark.sql import DataFrame

    from telco_churn.lakehouse.local import LocalLakehouse

SPEC_ARTIFACT = "feature_spec"


class LocalTrainingSet(TrainingSet):
    def __init__(self, df: "DataFrame", lookups: list[FeatureLookup], label: str, exclude: list[str], store: "LocalFeatureStore"):
        super().__init__(lookups, label)
        self._df, self._exclude, self._store = df, exclude, store

    def load_df(self) -> "DataFrame":
        joined = self._store.join_features(self._df, self.lookups)
        return joined.drop(*self._exclude)

    def feature_columns(self) -> list[str]:
        return [c for c in self.load_df().columns if c != self.label]


class LocalFeatureStore(FeatureStore):
    def __init__(self, lakehouse: "LocalLakehouse", metadata_dir: Path):
        self.lakehouse = lakehouse
        self.metadata_dir = Path(metadata_dir)

    def _metadata_path(self, name: str) -> Path:
        return self.metadata_dir / f"{name.lower()}.json"

    def _create_table(self, name: str, df: "DataFrame", primary_keys: list[str], description: str) -> None:
        self.lakehouse.write(df, name, "overwrite")
        self.metadata_dir.mkdir(parents=True, exist_ok=True)
        meta = {"name": name, "primary_keys": primary_keys, "description": description,
                "features": [c for c in df.columns if c not in primary_keys]}
        # Whole or not at all: a kill mid-write must not leave a truncated file for the next run.
        path = self._metadata_path(name)
        scratch = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            scratch.write_text(json.dumps(meta, indent=2))
            os.replace(scratch, path)
        finally:
            scratch.unlink(missing_ok=True)

    def table_metadata(self, name: str) -> dict[str, Any]:
        return json.loads(self._metadata_path(name).read_text())

    def read_table(self, name: str) -> "DataFrame":
        return self.lakehouse.read(name, hint="Run feature-table-creation first.")

    def drop_table(self, name: str) -> bool:
        self._metadata_path(name).unlink(missing_ok=True)
        return self.lakehouse.drop(name)

    def join_features(self, df: "DataFrame", lookups: list[FeatureLookup]) -> "DataFrame":
        # A left join, as on Databricks: a key without features keeps its row, with nulls.
        for lookup in lookups:
            keys = list(lookup.lookup_key)
            table = self.read_table(lookup.table_name)
            names = list(lookup.feature_names or [c for c in table.columns if c not in keys])
            df = df.join(table.select(*keys, *names), keys, "left")
        return df

    def create_training_set(self, df, feature_lookups, label, exclude_columns) -> LocalTrainingSet:
        return LocalTrainingSet(df, feature_lookups, label, exclude_columns, self)

    def log_model(self, model: "PythonModel", artifact_path: str, *, training_set: TrainingSet,
                  registered_model_name: str | None, input_example: Any = None, signature: Any = None) -> int | None:
        import mlflow

        from telco_churn.model.churn_classifier import pip_requirements

        spec = {"lookups": [lookup.to_dict() for lookup in training_set.lookups], "label": training_set.label}
        with tempfile.TemporaryDirectory() as tmp:
            spec_file = Path(tmp) / "feature_spec.json"
            spec_file.write_text(json.dumps(spec, indent=2))
            info = mlflow.pyfunc.log_model(
                name=artifact_path, python_model=model, artifacts={SPEC_ARTIFACT: str(spec_file)},
                signature=signature, input_example=input_example, registered_model_name=registered_model_name,
                pip_requirements=pip_requirements(),
            )
        return info.registered_model_version

    def score_batch(self, model_uri: str, df: "DataFrame") -> "DataFrame":
        import mlflow
        from pyspark.sql.types import DoubleType, IntegerType, StructField, StructType

        model_dir = Path(mlflow.artifacts.download_artifacts(artifact_uri=model_uri, dst_path=_scratch_dir()))
        spec = json.loads((model_dir / "artifacts" / "feature_spec.json").read_text())
        joined = self.join_features(df, [FeatureLookup.from_dict(d) for d in spec["lookups"]])
        schema = StructType(joined.schema.fields + [
            StructField(PREDICTION, IntegerType()), StructField(PROBABILITY, DoubleType())])
        return joined.mapInArrow(_predictor(str(model_dir)), schema)


# Rows per model call. Sail hands a UDF batches of at most 8192 rows (it ignores
# spark.sql.execution.arrow.maxRecordsPerBatch); larger ones let the model's threads share the work.
SCORE_BATCH_ROWS = 65_536


def _predictor(model_dir: str):
    # Arrow in, Arrow out: pyspark's per-column pandas conversion of mapInPandas cost more
    # than the scoring itself, and the feature columns now pass through without a copy.
    def predict(batches):
        import mlflow
        import pyarrow as pa

        # Loaded once per partition, not once per batch: loading costs more than scoring.
        model = mlflow.pyfunc.load_model(model_dir)
        schema = model.metadata.get_input_schema()
        wanted = schema.input_names() if schema is not None and schema.has_input_names() else None
        for batch in _rebatched(batches, SCORE_BATCH_ROWS):
            # Only the model's inputs become pandas; the key and any other column stay in Arrow.
            inputs = batch if wanted is None else batch.select([c for c in wanted if c in batch.schema.names])
            scores = model.predict(inputs.to_pandas())
            yield pa.RecordBatch.from_arrays(
                [*batch.columns, pa.array(scores[PREDICTION].to_numpy(), pa.int32()),
                 pa.array(scores[PROBABILITY].to_numpy(), pa.float64())],
                names=[*batch.schema.names, PREDICTION, PROBABILITY])

    return predict


def _rebatched(batches, rows: int):
    """The rows of batches regrouped into batches of about `rows` rows; none empty."""
    pending, count = [], 0
    for batch in batches:
        if batch.num_rows:
            pending.append(batch)
            count += batch.num_rows
        if count >= rows:
            yield _concat(pending)
            pending, count = [], 0
    if pending:
        yield _concat(pending)


def _concat(batches):
    import pyarrow as pa

    # pa.concat_batches needs pyarrow 19; the local extra allows 15.
    return pa.Table.from_batches(batches).combine_chunks().to_batches()[0]


def _scratch_dir() -> str:
    # Spark evaluates lazily, so the model must stay on disk until the process ends.
    folder = tempfile.mkdtemp(prefix="telco-churn-model-")
    atexit.register(shutil.rmtree, folder, True)
    return folder
