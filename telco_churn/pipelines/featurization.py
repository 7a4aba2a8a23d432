"""Bronze customers -> features and label, with the Spark DataFrame API only."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pyspark.sql import Column, functions as F

from telco_churn.config.jobs import FeatureTableConfig
from telco_churn.errors import DataValidationError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def _text(column: str) -> Column:
    return F.trim(F.col(f"`{column}`").cast("string"))


def _as_double(column: str) -> Column:
    # try_cast: a bad value becomes null here and is reported by validate_bronze.
    return F.expr(f"try_cast(trim(cast(`{column}` AS STRING)) AS DOUBLE)")


def _is_blank(column: str) -> Column:
    return _text(column).isNull() | (_text(column) == "")


def validate_bronze(df: "DataFrame", conf: FeatureTableConfig, id_column: str, table: str) -> None:
    """Missing columns, unparsable numbers, null or duplicate keys, missing labels: one clear error."""
    required = [id_column, conf.label.source_column, *conf.numeric_columns, *conf.categorical_columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataValidationError(f"Bronze table {table}: missing column(s): {', '.join(missing)}")
    key = F.col(f"`{id_column}`")
    checks = [
        F.count(F.lit(1)).alias("rows"),
        F.countDistinct(key).alias("distinct_keys"),
        F.sum(key.isNull().cast("int")).alias("null_keys"),
        F.sum(_is_blank(conf.label.source_column).cast("int")).alias("blank_labels"),
    ]
    checks += [F.sum((~_is_blank(c) & _as_double(c).isNull()).cast("int")).alias(f"bad_{i}")
               for i, c in enumerate(conf.numeric_columns)]
    counts = df.agg(*checks).first()
    for i, column in enumerate(conf.numeric_columns):
        if counts[f"bad_{i}"]:
            example = df.filter(~_is_blank(column) & _as_double(column).isNull()).select(_text(column)).first()[0]
            raise DataValidationError(
                f"Bronze table {table}: column '{column}' has {counts[f'bad_{i}']} non-numeric value(s), e.g. '{example}'")
    if counts["null_keys"]:
        raise DataValidationError(f"Bronze table {table}: {counts['null_keys']} row(s) have a null '{id_column}'")
    duplicated_rows = counts["rows"] - counts["distinct_keys"]
    if duplicated_rows:
        repeats = df.groupBy(key.alias("k")).count().filter(F.col("count") > 1)
        example = repeats.orderBy(F.col("count").desc(), "k").first()
        raise DataValidationError(
            f"Bronze table {table}: duplicate key '{id_column}': {repeats.count()} value(s) repeat "
            f"({duplicated_rows} extra row(s)), e.g. '{example['k']}' appears {example['count']} times")
    if counts["blank_labels"]:
        raise DataValidationError(
            f"Bronze table {table}: column '{conf.label.source_column}' is blank in {counts['blank_labels']} row(s)")


def one_hot_name(column: str, value: str) -> str:
    """A clean column name: 'PaymentMethod_Bank_transfer_automatic'."""
    return re.sub(r"[^0-9A-Za-z]+", "_", f"{column}_{value}").strip("_")


def featurize(df: "DataFrame", conf: FeatureTableConfig, id_column: str, label_column: str) -> "DataFrame":
    """id, numeric features, categorical features (one-hot or text) and the integer label."""
    if conf.blank_numeric == "drop_row":
        for column in conf.numeric_columns:
            df = df.filter(~_is_blank(column))
    blank_value = F.lit(0.0) if conf.blank_numeric == "zero" else F.lit(None).cast("double")
    columns = [F.col(f"`{id_column}`").alias(id_column)]
    columns += [F.when(_is_blank(c), blank_value).otherwise(_as_double(c)).alias(c) for c in conf.numeric_columns]
    columns += _categorical_columns(df, conf)
    columns.append((_text(conf.label.source_column) == conf.label.positive_value).cast("int").alias(label_column))
    features = df.select(*columns)
    return features.dropna() if conf.drop_missing else features


def _categorical_columns(df: "DataFrame", conf: FeatureTableConfig) -> list[Column]:
    if not conf.categorical_columns:
        return []
    if not conf.one_hot_encode:
        return [_text(c).alias(c) for c in conf.categorical_columns]
    # One small query for every column's categories; sorted, so re-runs give the same columns.
    levels = df.agg(*[F.sort_array(F.collect_set(_text(c))).alias(c) for c in conf.categorical_columns]).first()
    columns, names = [], set()
    for column in conf.categorical_columns:
        for value in levels[column]:
            name = one_hot_name(column, value)
            if name in names:
                raise DataValidationError(f"One-hot column name '{name}' is produced twice (column '{column}')")
            names.add(name)
            columns.append((_text(column) == F.lit(value)).cast("int").alias(name))
    return columns


def in_reference(id_column: str, fraction: float) -> Column:
    """A stable hash split: a customer stays in (or out of) the reference set across runs."""
    return (F.crc32(F.col(f"`{id_column}`").cast("string")) % 10000) < int(round(fraction * 10000))
