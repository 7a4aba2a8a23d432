"""Binning and counting in the engine: only per-bin counts and per-column profiles leave it.

A frame (the log's windows, or the baseline) is read once, whatever its number of columns: one
wide aggregation holds, per column, the count, nulls, moments, quantiles and one count per bin or
category, grouped by the keys and, through GROUPING SETS, by each slice column as well. Integer
columns with at most two neighbouring values per group (0/1 flags) are counted by their min, max
and sum; text columns, and integer ones with more values, are counted by value in a second,
narrower aggregation over the values the first one found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from telco_churn.errors import DataValidationError
from telco_churn.monitoring.drift import CATEGORICAL, NUMERIC, Histogram

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, Row

_NUMERIC_TYPES = ("double", "float", "decimal")
_INTEGER_TYPES = ("tinyint", "smallint", "int", "bigint")
SLICE_KEYS = ("slice_key", "slice_value")
MAX_CATEGORIES = 1000  # per categorical column: more is an identifier or a number, not a category
_ACCURACY = 10000  # percentile_approx's accuracy for bin edges and quantiles


def column_kinds(df: "DataFrame", columns: Sequence[str]) -> dict[str, str]:
    """numeric for floating-point columns; categorical for the rest (one-hot flags, classes, text)."""
    types = dict(df.dtypes)
    return {c: NUMERIC if types[c].startswith(_NUMERIC_TYPES) else CATEGORICAL for c in columns}


def _col(name: str) -> "Column":
    from pyspark.sql import functions as F

    return F.col(f"`{name}`")


def numeric_edges(df: "DataFrame", columns: Sequence[str], bins: int) -> dict[str, list[float]]:
    """Inner bin edges per numeric column: the baseline's approximate quantiles, in one query."""
    from pyspark.sql import functions as F

    if not columns:
        return {}
    steps = [i / bins for i in range(1, bins)]
    row = df.agg(*[F.percentile_approx(_col(c).cast("double"), s, _ACCURACY).alias(f"{i}_{j}")
                   for i, c in enumerate(columns) for j, s in enumerate(steps)]).first()
    return {c: sorted({float(row[f"{i}_{j}"]) for j in range(len(steps)) if row[f"{i}_{j}"] is not None})
            for i, c in enumerate(columns)}


@dataclass(frozen=True)
class Binned:
    """A frame and how each of its columns is counted: kind and bin edges (numeric columns)."""

    df: "DataFrame"
    keys: tuple[str, ...]
    kinds: dict[str, str]
    edges: dict[str, list[float]]
    slice_columns: tuple[str, ...] | None = None  # None: no slice keys in the results
    what: str = "the monitored rows"  # for errors
    categories: dict[str, list] | None = None  # known values of categorical columns; else found by the aggregation


def binned(df: "DataFrame", keys: Sequence[str], kinds: dict[str, str], edges: dict[str, list[float]],
           slice_columns: Sequence[str] | None = None, what: str = "the monitored rows") -> Binned:
    """The frame as summarize reads it: wide, once (keys, the columns' kinds and bin edges, slices)."""
    return Binned(df, tuple(keys), dict(kinds), dict(edges), None if slice_columns is None else tuple(slice_columns), what)


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


Histograms = dict[tuple, dict[str, tuple[int, float | None]]]


def _bucket(c: str, edges: list[float]) -> "Column":
    """The bin index of a numeric value: how many inner edges it is above; null for null."""
    from pyspark.sql import functions as F

    index = F.lit(0)
    for edge in edges:
        index = index + (_col(c) > F.lit(edge)).cast("int")
    return F.when(_col(c).isNull(), F.lit(None)).otherwise(index)


def _counting(b: Binned, quantiles: Sequence[float]) -> tuple["DataFrame", list["Column"], list]:
    """The projection each row goes through once, the wide aggregates over it, and per column how
    to read its counts back: (column, how, [(label, count alias, sum alias)])."""
    from pyspark.sql import functions as F

    types = dict(b.df.dtypes)
    project = [_col(k) for k in b.keys]
    project += [_col(s).cast("string").alias(f"_slice{i}") for i, s in enumerate(b.slice_columns or ())]
    aggregates = [F.count(F.lit(1)).alias("_n")]
    readers = []
    for i, (c, kind) in enumerate(b.kinds.items()):
        v = F.col(f"_v{i}")
        aggregates.append(F.count(v).alias(f"_nn{i}"))
        if kind == NUMERIC:
            value = _col(c).cast("double")
            finite = F.when(~(F.isnan(value) | (F.abs(value) == float("inf"))), value)
            project += [value.alias(f"_v{i}"), finite.alias(f"_f{i}"), _bucket(c, b.edges[c]).alias(f"_b{i}")]
            f = F.col(f"_f{i}")
            aggregates += [F.count(f).alias(f"_nf{i}"), F.avg(f).alias(f"_mean{i}"), F.stddev_samp(f).alias(f"_sd{i}"),
                           F.min(f).alias(f"_min{i}"), F.max(f).alias(f"_max{i}"),
                           *[F.percentile_approx(f, q, _ACCURACY).alias(f"_q{i}_{j}") for j, q in enumerate(quantiles)]]
            bins = []
            for k in range(len(b.edges[c]) + 1):
                inside = F.col(f"_b{i}") == k
                aggregates += [F.count(F.when(inside, 1)).alias(f"_bn{i}_{k}"), F.sum(F.when(inside, v)).alias(f"_bs{i}_{k}")]
                bins.append((str(k), f"_bn{i}_{k}", f"_bs{i}_{k}"))
            readers.append((c, "bins", bins))
        elif b.categories is not None and c in b.categories:
            integer = types[c] in _INTEGER_TYPES
            project.append((_col(c) if integer else _col(c).cast("string")).alias(f"_v{i}"))
            labels = []
            for k, x in enumerate(b.categories[c]):
                aggregates.append(F.count(F.when(v == F.lit(x), 1)).alias(f"_cn{i}_{k}"))
                labels.append((str(x), f"_cn{i}_{k}", None))
            readers.append((c, "values", labels))
        elif types[c] in _INTEGER_TYPES:
            # Where a group holds two neighbouring integers at most (a 0/1 flag), its min, max and
            # sum count them; a column with more values in some group is counted by value after.
            project.append(_col(c).alias(f"_v{i}"))
            aggregates += [F.min(v).alias(f"_lo{i}"), F.max(v).alias(f"_hi{i}"), F.sum(v).alias(f"_sum{i}")]
            readers.append((c, "range", []))
        else:
            project.append(_col(c).cast("string").alias(f"_v{i}"))
            aggregates.append(F.slice(F.collect_set(v), 1, MAX_CATEGORIES + 1).alias(f"_set{i}"))
            readers.append((c, "set", []))
    return b.df.select(*project), aggregates, readers


def _slice_of(row: "Row", slice_columns: Sequence[str]) -> tuple[str | None, str | None]:
    for i, s in enumerate(slice_columns):
        if row[f"_g{i}"] == 0:
            return s, row[f"_slice{i}"]
    return None, None


def _too_many(b: Binned, column: str, values: list) -> list:
    if len(values) > MAX_CATEGORIES:
        raise DataValidationError(
            f"Categorical column {column} of {b.what} has more than {MAX_CATEGORIES} values; monitor a column with "
            "fewer categories (leave it out of `columns`). No metric row was written.")
    return values


def summarize(b: Binned, quantiles: Sequence[float]) -> tuple[Histograms, dict[tuple, Profile]]:
    """One wide aggregation of the frame: ({(keys..., [slice_key, slice_value,] column): {bucket:
    (count, mean value)}} for non-null buckets, {same key: Profile}). Categorical columns whose
    values the aggregation could not count (text; integers with more than two values in a group)
    are counted by value in a second, narrower one."""
    from pyspark.sql import functions as F

    projected, aggregates, readers = _counting(b, quantiles)
    slices = b.slice_columns or ()
    if slices:
        sets = [list(b.keys)] + [[*b.keys, f"_slice{i}"] for i in range(len(slices))]
        grouped = projected.groupingSets(sets)
        aggregates += [F.grouping(f"_slice{i}").alias(f"_g{i}") for i in range(len(slices))]
    else:
        grouped = projected.groupBy(*b.keys)
    histograms: Histograms = {}
    profiles: dict[tuple, Profile] = {}
    spans: dict[str, list] = {}  # integer column: [min, max] over the groups, and whether a group holds more than two values
    found: dict[str, set] = {}  # text column: its values
    for row in grouped.agg(*aggregates).collect():
        key = tuple(row[k] for k in b.keys) + (_slice_of(row, slices) if b.slice_columns is not None else ())
        n = int(row["_n"])
        for i, (c, how, labels) in enumerate(readers):
            present = int(row[f"_nn{i}"])
            counts: dict[str, tuple[int, float | None]] = {}
            if how == "bins":
                counts = {label: (int(row[cn]), row[cs] / row[cn] if row[cn] else None) for label, cn, cs in labels}
                profiles[(*key, c)] = Profile(n, n - present, present - int(row[f"_nf{i}"]), row[f"_mean{i}"],
                                              row[f"_sd{i}"], row[f"_min{i}"], row[f"_max{i}"],
                                              [row[f"_q{i}_{j}"] for j in range(len(quantiles))])
            else:
                profiles[(*key, c)] = Profile(n, n - present, 0, None, None, None, None, [None] * len(quantiles))
                if how == "values":
                    counts = {label: (int(row[cn]), None) for label, cn, _ in labels}
                elif how == "range" and present:
                    lo, hi = int(row[f"_lo{i}"]), int(row[f"_hi{i}"])
                    upper = int(row[f"_sum{i}"]) - lo * present
                    counts = {str(lo): (present - upper, None), str(lo + 1): (upper, None)}
                    span = spans.setdefault(c, [lo, hi, False])
                    span[:] = [min(span[0], lo), max(span[1], hi), span[2] or hi - lo > 1]
                elif how == "set":
                    found.setdefault(c, set()).update(row[f"_set{i}"] or ())
            seen = {label: count for label, count in counts.items() if count[0]}
            if seen:
                histograms[(*key, c)] = seen
    values = {c: _too_many(b, c, list(range(lo, hi + 1))) for c, (lo, hi, wide) in spans.items() if wide}
    values |= {c: _too_many(b, c, sorted(texts)) for c, texts in found.items()}
    if values:
        narrow = Binned(b.df, b.keys, {c: CATEGORICAL for c in values}, {}, b.slice_columns, b.what, values)
        by_value, _ = summarize(narrow, ())
        histograms = {k: h for k, h in histograms.items() if k[-1] not in values} | by_value
    return histograms, profiles


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
