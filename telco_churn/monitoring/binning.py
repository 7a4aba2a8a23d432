"""Binning and counting in the engine: only per-bin counts and per-column profiles leave it.

Every monitored column becomes rows (keys..., column, value, bucket) of one long frame, so that
one groupBy counts the histograms of all columns and windows, and one more profiles them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from telco_churn.monitoring.drift import CATEGORICAL, NUMERIC, Histogram

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

_NUMERIC_TYPES = ("double", "float", "decimal")


def column_kinds(df: "DataFrame", columns: Sequence[str]) -> dict[str, str]:
    """numeric for floating-point columns; categorical for the rest (one-hot flags, classes, text)."""
    types = dict(df.dtypes)
    return {c: NUMERIC if types[c].startswith(_NUMERIC_TYPES) else CATEGORICAL for c in columns}


def numeric_edges(df: "DataFrame", columns: Sequence[str], bins: int) -> dict[str, list[float]]:
    """Inner bin edges per numeric column: the baseline's approximate quantiles, in one query."""
    from pyspark.sql import functions as F

    if not columns:
        return {}
    steps = [i / bins for i in range(1, bins)]
    row = df.agg(*[F.percentile_approx(F.col(f"`{c}`").cast("double"), s, 10000).alias(f"{i}_{j}")
                   for i, c in enumerate(columns) for j, s in enumerate(steps)]).first()
    return {c: sorted({float(row[f"{i}_{j}"]) for j in range(len(steps)) if row[f"{i}_{j}"] is not None})
            for i, c in enumerate(columns)}


SLICE_KEYS = ("slice_key", "slice_value")


def sliced(df: "DataFrame", slice_columns: Sequence[str]) -> "DataFrame":
    """df with slice_key and slice_value: every row once with both null (the whole table), then once
    more per slice column, keyed by that column's name and its value as text. One union: the same
    aggregations then count every slice, in the engine."""
    from functools import reduce

    from pyspark.sql import functions as F

    parts = [df.withColumn("slice_key", F.lit(None).cast("string")).withColumn("slice_value", F.lit(None).cast("string"))]
    parts += [df.withColumn("slice_key", F.lit(c)).withColumn("slice_value", F.col(f"`{c}`").cast("string"))
              for c in slice_columns]
    return reduce(lambda a, b: a.unionByName(b), parts)


def long_form(df: "DataFrame", keys: Sequence[str], kinds: dict[str, str], edges: dict[str, list[float]]) -> "DataFrame":
    """keys, column, value (double, numeric columns) and bucket (bin index or category, as text)."""
    from pyspark.sql import functions as F

    def bucket(c: str):
        col = F.col(f"`{c}`")
        if kinds[c] == CATEGORICAL:
            return col.cast("string")
        index = F.lit(0)
        for edge in edges[c]:
            index = index + (col > F.lit(edge)).cast("int")
        return F.when(col.isNull(), F.lit(None)).otherwise(index.cast("string"))

    entries = [F.struct(F.lit(c).alias("column"),
                        (F.col(f"`{c}`").cast("double") if kinds[c] == NUMERIC else F.lit(None).cast("double")).alias("value"),
                        bucket(c).alias("bucket"))
               for c in kinds]
    return df.select(*keys, F.explode(F.array(*entries)).alias("_entry")).select(*keys, "_entry.*")


def count_buckets(long: "DataFrame", keys: Sequence[str]) -> dict[tuple, dict[str, tuple[int, float | None]]]:
    """{(key values..., column): {bucket: (count, mean value)}} for non-null buckets."""
    from pyspark.sql import functions as F

    rows = (long.filter(F.col("bucket").isNotNull()).groupBy(*keys, "column", "bucket")
            .agg(F.count(F.lit(1)).alias("n"), F.avg("value").alias("mean")).collect())
    result: dict[tuple, dict[str, tuple[int, float | None]]] = {}
    for r in rows:
        result.setdefault((*[r[k] for k in keys], r["column"]), {})[r["bucket"]] = (int(r["n"]), r["mean"])
    return result


@dataclass(frozen=True)
class Profile:
    count: int
    nulls: int
    non_finite: int
    mean: float | None
    stddev: float | None
    minimum: float | None
    maximum: float | None
    quantiles: list[float | None]


def profile_columns(long: "DataFrame", keys: Sequence[str], quantiles: Sequence[float]) -> dict[tuple, Profile]:
    """{(key values..., column): Profile}: counts, nulls, non-finite values, moments and quantiles."""
    from pyspark.sql import functions as F

    value = F.col("value")
    bad = F.when(value.isNotNull() & (F.isnan(value) | (F.abs(value) == float("inf"))), 1).otherwise(0)
    finite = F.when(bad == 0, value)
    rows = long.groupBy(*keys, "column").agg(
        F.count(F.lit(1)).alias("count"), F.sum(F.col("bucket").isNull().cast("int")).alias("nulls"),
        F.sum(bad).alias("non_finite"), F.avg(finite).alias("mean"), F.stddev_samp(finite).alias("stddev"),
        F.min(finite).alias("min"), F.max(finite).alias("max"),
        *[F.percentile_approx(finite, q, 10000).alias(f"q{i}") for i, q in enumerate(quantiles)]).collect()
    return {(*[r[k] for k in keys], r["column"]): Profile(
        int(r["count"]), int(r["nulls"]), int(r["non_finite"]), r["mean"], r["stddev"], r["min"], r["max"],
        [r[f"q{i}"] for i in range(len(quantiles))]) for r in rows}


def aligned(kind: str, edges: list[float] | None, *sides: dict[str, tuple[int, float | None]]) -> list[Histogram]:
    """The sides' bucket counts as Histograms over the same bins (every category seen on any side)."""
    if kind == NUMERIC:
        order = [str(i) for i in range(len(edges or []) + 1)]
    else:
        order = sorted({b for side in sides for b in side})
    histograms = []
    for side in sides:
        counts = np.array([side.get(b, (0, None))[0] for b in order], dtype=float)
        means = np.array([side.get(b, (0, 0.0))[1] or 0.0 for b in order], dtype=float) if kind == NUMERIC else None
        histograms.append(Histogram(counts, means))
    return histograms
