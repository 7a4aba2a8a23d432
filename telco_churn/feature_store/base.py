"""The feature-store operations the pipelines use."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telco_churn.errors import DataValidationError

if TYPE_CHECKING:
    from mlflow.pyfunc import PythonModel
    from pyspark.sql import DataFrame

# In the error of a scoring pass that met a missing or non-finite feature: the caller then runs
# the full checks, which name the column, the count and an example.
FEATURE_CHECK_FAILED = "TELCO_CHURN_FEATURE_CHECK_FAILED"
PREDICTION = "prediction"
PROBABILITY = "probability"
# score_batch returns both: the class and the probability of the positive class.
SCORE_STRUCT = f"struct<{PREDICTION}:int,{PROBABILITY}:double>"


@dataclass(frozen=True)
class FeatureLookup:
    """Features of table_name joined on lookup_key; feature_names None means all but the keys."""

    table_name: str
    lookup_key: tuple[str, ...]
    feature_names: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"table_name": self.table_name, "lookup_key": list(self.lookup_key),
                "feature_names": None if self.feature_names is None else list(self.feature_names)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "FeatureLookup":
        names = data.get("feature_names")
        return cls(data["table_name"], tuple(data["lookup_key"]), None if names is None else tuple(names))


class TrainingSet(ABC):
    def __init__(self, lookups: list[FeatureLookup], label: str):
        self.lookups = lookups
        self.label = label

    @abstractmethod
    def load_df(self) -> "DataFrame":
        """Labels joined with the looked-up features."""


def check_primary_keys(df: "DataFrame", primary_keys: list[str], table: str) -> None:
    """Raises if a key column is missing, null, or a key value repeats."""
    from pyspark.sql import functions as F

    missing = [k for k in primary_keys if k not in df.columns]
    if missing:
        raise DataValidationError(f"Feature table {table}: primary key column(s) {missing} not in the DataFrame")
    nulls = df.filter(" OR ".join(f"`{k}` IS NULL" for k in primary_keys)).count()
    if nulls:
        raise DataValidationError(f"Feature table {table}: {nulls} row(s) have a null primary key {primary_keys}")
    dupes = df.groupBy(*primary_keys).count().filter(F.col("count") > 1)
    n_dupes = dupes.count()
    if n_dupes:
        example = dupes.orderBy(F.col("count").desc()).first()
        key = ", ".join(str(example[k]) for k in primary_keys)
        raise DataValidationError(
            f"Feature table {table}: primary key {primary_keys} is not unique: {n_dupes} value(s) repeat, "
            f"e.g. '{key}' appears {example['count']} times"
        )


class FeatureStore(ABC):
    def create_table(self, name: str, df: "DataFrame", primary_keys: list[str], description: str, *,
                     keys_proven: bool = False) -> None:
        """Creates the feature table, or replaces its rows and schema if it exists. keys_proven: the
        caller has proven the keys present and unique (a data contract did), so they are not counted twice."""
        if not keys_proven:
            check_primary_keys(df, primary_keys, name)
        self._create_table(name, df, primary_keys, description)

    @abstractmethod
    def _create_table(self, name: str, df: "DataFrame", primary_keys: list[str], description: str) -> None: ...

    @abstractmethod
    def read_table(self, name: str) -> "DataFrame": ...

    @abstractmethod
    def drop_table(self, name: str) -> bool:
        """Drops the table and its feature metadata; False if it did not exist."""

    @abstractmethod
    def create_training_set(
        self, df: "DataFrame", feature_lookups: list[FeatureLookup], label: str, exclude_columns: list[str]
    ) -> TrainingSet: ...

    @abstractmethod
    def log_model(
        self, model: "PythonModel", artifact_path: str, *, training_set: TrainingSet,
        registered_model_name: str | None, input_example: Any = None, signature: Any = None,
    ) -> int | None:
        """Logs model with its lookups in the active run; the registered version, if any."""

    @abstractmethod
    def score_batch(self, model_uri: str, df: "DataFrame") -> "DataFrame":
        """df plus PREDICTION and PROBABILITY, features looked up by the model's keys."""

    def score_batch_checked(self, model_uri: str, df: "DataFrame", features: list[str]) -> "DataFrame | None":
        """score_batch whose scoring pass also fails (FEATURE_CHECK_FAILED in the error) on a row
        where one of `features` is missing or not finite (a key without features has them all
        missing); None where the store cannot check inside its scoring pass."""
        return None
