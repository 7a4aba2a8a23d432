"""Bronze customers -> features and label, with the Spark DataFrame API only."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pyspark.sql import Column, functions as F

from telco_churn.config.jobs import FeatureTableConfig
from telco_churn.contracts.table_checks import is_blank, number, text
from telco_churn.errors import DataValidationError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def one_hot_name(column: str, value: str) -> str:
    """A clean column name: 'PaymentMethod_Bank_transfer_automatic'."""
    return re.sub(r"[^0-9A-Za-z]+", "_", f"{column}_{value}").strip("_")


def featurize(df: "DataFrame", conf: FeatureTableConfig, id_column: str, label_column: str) -> "DataFrame":
    """id, numeric features, categorical features (one-hot or text) and the integer label.

    df must have passed the contract: the label holds only its two declared values.
    """
    contract = conf.contract
    if conf.blank_numeric == "drop_row":
        for column in contract.numeric_columns:
            df = df.filter(~is_blank(column))
    blank_value = F.lit(0.0) if conf.blank_numeric == "zero" else F.lit(None).cast("double")
    columns = [text(contract.key).alias(id_column)]
    columns += [F.when(is_blank(c), blank_value).otherwise(number(c)).alias(c) for c in contract.numeric_columns]
    columns += _categorical_columns(df, conf)
    columns.append((text(contract.label.column) == contract.label.positive_value).cast("int").alias(label_column))
    features = df.select(*columns)
    return features.dropna() if conf.drop_missing else features


def _categorical_columns(df: "DataFrame", conf: FeatureTableConfig) -> list[Column]:
    categorical = conf.contract.categorical_columns
    if not categorical:
        return []
    if not conf.one_hot_encode:
        return [text(c).alias(c) for c in categorical]
    # The contract's domain where it declares one (the same columns on every run, whatever
    # the data holds); else one small query for the column's categories, sorted.
    found = [c for c in categorical if conf.contract.columns[c].values is None]
    levels = df.agg(*[F.sort_array(F.collect_set(text(c))).alias(c) for c in found]).first() if found else {}
    columns, names = [], set()
    for column in categorical:
        declared = conf.contract.columns[column].values
        for value in sorted(declared) if declared is not None else levels[column]:
            name = one_hot_name(column, value)
            if name in names:
                raise DataValidationError(f"One-hot column name '{name}' is produced twice (column '{column}')")
            names.add(name)
            columns.append((text(column) == F.lit(value)).cast("int").alias(name))
    return columns


def in_reference(id_column: str, fraction: float) -> Column:
    """A stable hash split: a customer stays in (or out of) the reference set across runs."""
    return (F.crc32(F.col(f"`{id_column}`").cast("string")) % 10000) < int(round(fraction * 10000))
