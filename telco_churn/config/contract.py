"""The data contract of a table: declared in YAML (the IBM data's: telco_churn/data/), validated once at load."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from telco_churn.config.loader import StrictModel, load_model
from telco_churn.paths import PACKAGE_DIR

Severity = Literal["error", "warn"]
ColumnType = Literal["string", "integer", "double"]
NUMERIC_TYPES = ("integer", "double")
# The contract of the IBM data shipped in the wheel, `contract: package` (as `source: package`
# names the data): job configs reach a cluster one by one, files they name do not.
PACKAGED_CONTRACT = PACKAGE_DIR / "data" / "customers_contract.yml"


class ColumnSpec(StrictModel):
    """One column: its type, the values it may hold, and how bad values count."""

    type: ColumnType
    values: list[str] | list[int] | None = Field(default=None, min_length=1)
    min: int | float | None = None
    max: int | float | None = None
    blank: Literal["error", "warn", "allow"] = "error"
    severity: Severity = "error"
    feature: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> "ColumnSpec":
        if self.type == "string" and (self.min is not None or self.max is not None):
            raise ValueError("min and max apply to integer and double columns only")
        if self.values is not None:
            if self.type == "double":
                raise ValueError("a double column takes min and max, not values")
            wanted, what = (str, "text") if self.type == "string" else (int, "integers")
            if not all(isinstance(v, wanted) for v in self.values):
                raise ValueError(f"{self.type} column: values must be {what}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self

    @property
    def numeric(self) -> bool:
        return self.type in NUMERIC_TYPES


class LabelSpec(StrictModel):
    column: str
    positive_value: str  # label 1
    negative_value: str  # label 0; any other value breaks the contract

    @model_validator(mode="after")
    def _distinct(self) -> "LabelSpec":
        if self.positive_value == self.negative_value:
            raise ValueError("positive_value and negative_value must differ")
        return self


class DataContract(StrictModel):
    name: str = Field(min_length=1)
    key: str
    duplicate_keys: Severity = "error"
    label: LabelSpec
    columns: dict[str, ColumnSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _key_and_label_are_columns(self) -> "DataContract":
        for role, column in (("key", self.key), ("label.column", self.label.column)):
            if column not in self.columns:
                raise ValueError(f"{role} '{column}' is not one of the columns")
            if self.columns[column].type != "string":
                raise ValueError(f"{role} '{column}' must be a string column")
        return self

    @property
    def required_columns(self) -> list[str]:
        return list(self.columns)

    def feature_columns(self, numeric: bool) -> list[str]:
        """The numeric (or the other) columns that become features: all but the key and the label."""
        return [name for name, spec in self.columns.items()
                if spec.feature and name not in (self.key, self.label.column) and spec.numeric == numeric]

    @property
    def numeric_columns(self) -> list[str]:
        return self.feature_columns(numeric=True)

    @property
    def categorical_columns(self) -> list[str]:
        return self.feature_columns(numeric=False)


def load_contract(value: Any) -> Any:
    """A job config's `contract`: "package", a YAML file (relative to the checkout, or dbx's file:fuse://) or a mapping.

    A file is read and validated here, so its errors name the contract file and key and stop
    the job with exit code 2 like any config error.
    """
    if value == "package":
        return load_model(DataContract, PACKAGED_CONTRACT)
    if isinstance(value, str):
        from telco_churn.job_options import local_path  # the same file references as --conf-file
        from telco_churn.paths import project_root

        path = local_path(value)
        return load_model(DataContract, path if path.is_absolute() else project_root() / path)
    return value
