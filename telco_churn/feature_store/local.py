"""Feature store on the local lakehouse; the lookups travel inside the logged model."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from telco_churn.config.loader import load_yaml
from telco_churn.errors import DataValidationError
from telco_churn.feature_store.base import (
    FEATURE_CHECK_FAILED, PREDICTION, PROBABILITY, FeatureLookup, FeatureStore, TrainingSet,
)

if TYPE_CHECKING:
    from mlflow.pyfunc import PythonModel
    from pyspark.sql import DataFrame

    from telco_churn.lakehouse.local import LocalLakehouse

SPEC_ARTIFACT = "feature_spec"
# The file and format databricks-feature-engineering logs beside a model (FeatureSpec, version 11).
SPEC_FILE = "feature_spec.yaml"
SPEC_VERSION = 11


class LocalTrainingSet(TrainingSet):
    def __init__(self, df: "DataFrame", lookups: list[FeatureLookup], label: str, exclude: list[str], store: "LocalFeatureStore"):
        super().__init__(lookups, label)
        self._df, self._exclude, self._store = df, exclude, store

    def load_df(self) -> "DataFrame":
        joined = self._store.join_features(self._df, self.lookups)
        return joined.drop(*self._exclude)

    def feature_columns(self) -> list[str]:
        return [c for c in self.load_df().columns if c != self.label]

    def feature_spec(self) -> dict[str, Any]:
        """The training set as databricks-feature-engineering's feature_spec.yaml describes it:
        the input DataFrame's columns but the label (an excluded one only if it is a lookup key,
        marked `include: false`), then each looked-up feature, with Spark types."""
        keys = {k for lookup in self.lookups for k in lookup.lookup_key}
        source_types = {f.name: f.dataType.simpleString() for f in self._df.schema.fields}
        columns: list[dict[str, Any]] = []
        for name, data_type in source_types.items():
            if name == self.label or (name in self._exclude and name not in keys):
                continue
            entry: dict[str, Any] = {"source": "training_data", "data_type": data_type}
            if name in self._exclude:
                entry["include"] = False
            columns.append({name: entry})
        for lookup in self.lookups:
            table = self._store.read_table(lookup.table_name)
            types = {f.name: f.dataType.simpleString() for f in table.schema.fields}
            for name in lookup.feature_names or [c for c in table.columns if c not in lookup.lookup_key]:
                if name not in self._exclude:
                    columns.append({name: {"table_name": lookup.table_name, "feature_name": name,
                                           "lookup_key": list(lookup.lookup_key), "data_type": types[name],
                                           "source": "feature_store"}})
        for order, column in enumerate(columns):
            next(iter(column.values()))["topological_ordering"] = order
        tables = sorted({lookup.table_name for lookup in self.lookups})
        return {"input_columns": columns, "input_tables": [{t: {}} for t in tables],
                "serialization_version": SPEC_VERSION}


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
        """As the Feature Engineering client logs it: feature_spec.yaml beside the model, and a
        signature whose inputs are the spec's columns (lookup keys required, features optional);
        only the outputs of `signature` are used. The input example is the client's too: keys only."""
        import mlflow
        import yaml
        from mlflow.models import ModelSignature

        from telco_churn.model.churn_classifier import pip_requirements
        from telco_churn.package_map import shared_package_map

        spec = training_set.feature_spec()
        inputs = spec_input_schema(spec)
        with tempfile.TemporaryDirectory() as tmp, shared_package_map():
            spec_file = Path(tmp) / SPEC_FILE
            spec_file.write_text(yaml.safe_dump(spec, sort_keys=False))
            info = mlflow.pyfunc.log_model(
                name=artifact_path, python_model=model, artifacts={SPEC_ARTIFACT: str(spec_file)},
                signature=ModelSignature(inputs=inputs, outputs=signature.outputs if signature is not None else None),
                registered_model_name=registered_model_name, pip_requirements=pip_requirements(),
            )
        return info.registered_model_version

    def score_batch(self, model_uri: str, df: "DataFrame") -> "DataFrame":
        return self._score(model_uri, df, None)

    def score_batch_checked(self, model_uri: str, df: "DataFrame", features: list[str]) -> "DataFrame":
        return self._score(model_uri, df, features)

    def _score(self, model_uri: str, df: "DataFrame", checked: list[str] | None) -> "DataFrame":
        import mlflow
        from pyspark.sql.types import DoubleType, IntegerType, StructField, StructType

        model_dir = Path(mlflow.artifacts.download_artifacts(artifact_uri=model_uri, dst_path=_scratch_dir()))
        joined = self.join_features(df, spec_lookups(load_yaml((model_dir / "artifacts" / SPEC_FILE).read_text())))
        schema = StructType(joined.schema.fields + [
            StructField(PREDICTION, IntegerType()), StructField(PROBABILITY, DoubleType())])
        return joined.mapInArrow(_predictor(str(model_dir), checked), schema)


def spec_lookups(spec: dict[str, Any]) -> list[FeatureLookup]:
    """The feature lookups of a feature spec, one per table and key, in the spec's order."""
    found: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for column in spec["input_columns"]:
        (name, info), = column.items()
        if info["source"] == "feature_store":
            found.setdefault((info["table_name"], tuple(info["lookup_key"])), []).append(info["feature_name"])
    return [FeatureLookup(table, keys, tuple(names)) for (table, keys), names in found.items()]


# Spark SQL type -> MLflow type, as databricks-feature-engineering's signature_utils maps them.
_MLFLOW_TYPES = {"smallint": "integer", "int": "integer", "bigint": "long", "float": "float", "double": "double",
                 "boolean": "boolean", "date": "datetime", "timestamp": "datetime", "string": "string", "binary": "binary"}


def spec_input_schema(spec: dict[str, Any]):
    """The signature inputs the Feature Engineering client derives from a feature spec: the
    training data's columns (the lookup keys) required, the looked-up features optional."""
    from mlflow.types import ColSpec, DataType, Schema

    specs = []
    for column in spec["input_columns"]:
        (name, info), = column.items()
        required, mlflow_type = info["source"] == "training_data", _MLFLOW_TYPES.get(info["data_type"])
        if mlflow_type is None and required:
            raise DataValidationError(f"Column {name} has type {info['data_type']}, which an MLflow signature cannot hold")
        if mlflow_type is not None:  # an optional column of another type is left out, as the client does
            specs.append(ColSpec(DataType[mlflow_type], name, required=required))
    return Schema(specs)


# Rows per model call. Sail hands a UDF batches of at most 8192 rows (it ignores
# spark.sql.execution.arrow.maxRecordsPerBatch); larger ones let the model's threads share the work.
SCORE_BATCH_ROWS = 65_536


def refused_rows(batch, columns: list[str]) -> int:
    """How many values of `columns` in an Arrow batch are missing (null, as a key without features
    leaves them) or not finite: computed on the batch the scoring pass already holds."""
    import pyarrow as pa
    import pyarrow.compute as pc

    bad = 0
    for name in columns:
        column = batch.column(name)
        bad += column.null_count
        if pa.types.is_floating(column.type):
            # is_finite is null where the value is: those are counted above, once.
            bad += pc.sum(pc.invert(pc.is_finite(column)), min_count=0).as_py()
    return bad


def _predictor(model_dir: str, checked: list[str] | None = None):
    # Arrow in, Arrow out: pyspark's per-column pandas conversion of mapInPandas cost more
    # than the scoring itself, and the feature columns now pass through without a copy.
    # checked: the features whose missing or non-finite values fail the pass before its batch is
    # scored, so that the write it feeds never commits.
    def predict(batches):
        from telco_churn.model.loaded import load_once

        # Loaded once per process and logged model, never once per batch: loading costs more than scoring.
        model = load_once(model_dir)
        schema = model.metadata.get_input_schema()
        wanted = schema.input_names() if schema is not None and schema.has_input_names() else None
        # The model scores batch i on a helper thread (its row blocks on the shared pool) while
        # this thread pulls batch i+1 from the engine: the engine's scan and join run while the
        # forest does, instead of both cores waiting for the next batch. Order is kept.
        with ThreadPoolExecutor(1, thread_name_prefix="score-batch") as helper:
            pending = None
            for batch in _rebatched(batches, SCORE_BATCH_ROWS):
                if checked is not None and refused_rows(batch, checked):
                    raise DataValidationError(f"{FEATURE_CHECK_FAILED}: missing or non-finite feature values")
                # Only the model's inputs become pandas; any other column stays in Arrow.
                inputs = batch if wanted is None else batch.select([c for c in wanted if c in batch.schema.names])
                scoring = helper.submit(model.predict, inputs.to_pandas())
                if pending is not None:
                    yield _with_scores(*pending)
                pending = (batch, scoring)
            if pending is not None:
                yield _with_scores(*pending)

    return predict


def _with_scores(batch, scoring):
    """The batch with the prediction and probability columns of its scoring (a future) appended."""
    import pyarrow as pa

    scores = scoring.result()
    return pa.RecordBatch.from_arrays(
        [*batch.columns, pa.array(scores[PREDICTION].to_numpy(), pa.int32()),
         pa.array(scores[PROBABILITY].to_numpy(), pa.float64())],
        names=[*batch.schema.names, PREDICTION, PROBABILITY])


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
