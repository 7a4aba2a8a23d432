"""Binning and counting in the engine: only per-bin counts and per-column profiles leave it.

A frame (the log's windows, or the baseline) is read twice, whatever its number of columns: a
survey (one aggregation: each categorical column's values; callers add their own aggregates to
it), then one wide aggregation that holds, per column, the count, nulls, moments, quantiles and
one count per bin or category, grouped by the keys and, through GROUPING SETS, by each slice
column as well.
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


def edge_aggregates(columns: Sequence[str], bins: int) -> list["Column"]:
    """The aggregates numeric_edges reads: the inner deciles (for bins=10) of each column."""
    from pyspark.sql import functions as F

    return [F.percentile_approx(_col(c).cast("double"), j / bins, _ACCURACY).alias(f"_edge{i}_{j}")
            for i, c in enumerate(columns) for j in range(1, bins)]


def edges_from(row: "Row", columns: Sequence[str], bins: int) -> dict[str, list[float]]:
    return {c: sorted({float(row[f"_edge{i}_{j}"]) for j in range(1, bins) if row[f"_edge{i}_{j}"] is not None})
            for i, c in enumerate(columns)}


def numeric_edges(df: "DataFrame", columns: Sequence[str], bins: int) -> dict[str, list[float]]:
    """Inner bin edges per numeric column: the baseline's approximate quantiles, in one query."""
    if not columns:
        return {}
    return edges_from(df.agg(*edge_aggregates(columns, bins)).first(), columns, bins)


def survey(df: "DataFrame", kinds: dict[str, str], what: str, extra: Sequence["Column"] = ()) -> tuple[dict[str, list], "Row"]:
    """Each categorical column's values, in one aggregation with the caller's `extra` aggregates
    (read them from the returned row): an integer column's range from its min and max, any other
    column's distinct values as text, collected up to MAX_CATEGORIES + 1."""
    from pyspark.sql import functions as F

    types = dict(df.dtypes)
    categorical = [c for c, k in kinds.items() if k == CATEGORICAL]
    aggregates = list(extra)
    for i, c in enumerate(categorical):
        if types[c] in _INTEGER_TYPES:
            aggregates += [F.min(_col(c)).alias(f"_lo{i}"), F.max(_col(c)).alias(f"_hi{i}")]
        else:
            aggregates.append(F.slice(F.collect_set(_col(c).cast("string")), 1, MAX_CATEGORIES + 1).alias(f"_set{i}"))
    row = df.agg(*aggregates).first() if aggregates else None
    values: dict[str, list] = {}
    for i, c in enumerate(categorical):
        if types[c] in _INTEGER_TYPES:
            lo, hi = row[f"_lo{i}"], row[f"_hi{i}"]
            found = [] if lo is None else range(int(lo), int(hi) + 1)
        else:
            found = sorted(row[f"_set{i}"] or [])
        if len(found) > MAX_CATEGORIES:
            raise DataValidationError(
                f"Categorical column {c} of {what} spans more than {MAX_CATEGORIES} values; monitor a column with "
                "fewer categories (leave it out of `columns`). No metric row was written.")
        values[c] = list(found)
    return values, row


@dataclass(frozen=True)
class Binned:
    """A frame and how each of its columns is counted: kind, bin edges (numeric), values (categorical)."""

    df: "DataFrame"
    keys: tuple[str, ...]
    kinds: dict[str, str]
    edges: dict[str, list[float]]
    categories: dict[str, list]
    slice_columns: tuple[str, ...] | None = None  # None: no slice keys in the results


def long_form(df: "DataFrame", keys: Sequence[str], kinds: dict[str, str], edges: dict[str, list[float]],
              slice_columns: Sequence[str] | None = None, categories: dict[str, list] | None = None,
              what: str = "the monitored rows") -> Binned:
    """The frame as count_buckets and profile_columns read it (the name is from when they read it
    exploded to one row per column; they now read it wide, once). Surveys the categories unless given."""
    if categories is None:
        categories, _ = survey(df, kinds, what)
    return Binned(df, tuple(keys), dict(kinds), dict(edges), categories,
                  None if slice_columns is None else tuple(slice_columns))


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
    to read its counts back: (column, kind, [(label, count alias, sum alias or None)], how)."""
    from pyspark.sql import functions as F

    types = dict(b.df.dtypes)
    project = [_col(k) for k in b.keys]
    project += [_col(s).cast("string").alias(f"_slice{i}") for i, s in enumerate(b.slice_columns or ())]
    aggregates = [F.count(F.lit(1)).alias("_n")]
    readers = []
    for i, (c, kind) in enumerate(b.kinds.items()):
        v, present = f"_v{i}", F.count(F.col(f"_v{i}")).alias(f"_nn{i}")
        if kind == NUMERIC:
            value = _col(c).cast("double")
            finite = F.when(~(F.isnan(value) | (F.abs(value) == float("inf"))), value)
            project += [value.alias(v), finite.alias(f"_f{i}"), _bucket(c, b.edges[c]).alias(f"_b{i}")]
            f = F.col(f"_f{i}")
            aggregates += [present, F.count(f).alias(f"_nf{i}"), F.avg(f).alias(f"_mean{i}"),
                           F.stddev_samp(f).alias(f"_sd{i}"), F.min(f).alias(f"_min{i}"), F.max(f).alias(f"_max{i}"),
                           *[F.percentile_approx(f, q, _ACCURACY).alias(f"_q{i}_{j}") for j, q in enumerate(quantiles)]]
            bins = []
            for k in range(len(b.edges[c]) + 1):
                inside = F.col(f"_b{i}") == k
                aggregates += [F.count(F.when(inside, 1)).alias(f"_bn{i}_{k}"),
                               F.sum(F.when(inside, F.col(v))).alias(f"_bs{i}_{k}")]
                bins.append((str(k), f"_bn{i}_{k}", f"_bs{i}_{k}"))
            readers.append((c, kind, bins, "bins"))
            continue
        values = b.categories[c]
        integer = types[c] in _INTEGER_TYPES
        project.append((_col(c) if integer else _col(c).cast("string")).alias(v))
        aggregates.append(present)
        if integer and len(values) == 2:
            # Two neighbouring integers: the sum counts the upper one, the rest are the lower one.
            aggregates.append(F.sum(F.col(v)).alias(f"_sum{i}"))
            readers.append((c, kind, [(str(x), None, None) for x in values], "pair"))
        elif integer and len(values) == 1:
            readers.append((c, kind, [(str(values[0]), None, None)], "single"))
        else:
            labels = []
            for k, x in enumerate(values):
                aggregates.append(F.count(F.when(F.col(v) == F.lit(x), 1)).alias(f"_cn{i}_{k}"))
                labels.append((str(x), f"_cn{i}_{k}", None))
            readers.append((c, kind, labels, "values"))
    return b.df.select(*project), aggregates, readers


def _slice_of(row: "Row", slice_columns: Sequence[str]) -> tuple[str | None, str | None]:
    for i, s in enumerate(slice_columns):
        if row[f"_g{i}"] == 0:
            return s, row[f"_slice{i}"]
    return None, None


def summarize(b: Binned, quantiles: Sequence[float]) -> tuple[Histograms, dict[tuple, Profile]]:
    """One wide aggregation of the frame: ({(keys..., [slice_key, slice_value,] column): {bucket:
    (count, mean value)}} for non-null buckets, {same key: Profile})."""
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
    for row in grouped.agg(*aggregates).collect():
        key = tuple(row[k] for k in b.keys) + (_slice_of(row, slices) if b.slice_columns is not None else ())
        n = int(row["_n"])
        for i, (c, kind, labels, how) in enumerate(readers):
            present = int(row[f"_nn{i}"])
            if how == "bins":
                counts = {label: (int(row[cn]), row[cs] / row[cn] if row[cn] else None) for label, cn, cs in labels}
                profiles[(*key, c)] = Profile(n, n - present, present - int(row[f"_nf{i}"]), row[f"_mean{i}"],
                                              row[f"_sd{i}"], row[f"_min{i}"], row[f"_max{i}"],
                                              [row[f"_q{i}_{j}"] for j in range(len(quantiles))])
            else:
                if how == "pair":
                    upper = int(row[f"_sum{i}"] or 0) - int(labels[0][0]) * present
                    counts = {labels[0][0]: (present - upper, None), labels[1][0]: (upper, None)}
                elif how == "single":
                    counts = {labels[0][0]: (present, None)}
                else:
                    counts = {label: (int(row[cn]), None) for label, cn, _ in labels}
                profiles[(*key, c)] = Profile(n, n - present, 0, None, None, None, None, [None] * len(quantiles))
            seen = {label: nm for label, nm in counts.items() if nm[0]}
            if seen:
                histograms[(*key, c)] = seen
    return histograms, profiles


def _same_keys(b: Binned, keys: Sequence[str]) -> Binned:
    if tuple(keys) != b.keys:
        raise ValueError(f"keys {list(keys)} differ from the frame's {list(b.keys)}")
    return b


def count_buckets(b: Binned, keys: Sequence[str]) -> Histograms:
    """{(key values..., column): {bucket: (count, mean value)}} for non-null buckets (summarize's first half)."""
    return summarize(_same_keys(b, keys), ())[0]


def profile_columns(b: Binned, keys: Sequence[str], quantiles: Sequence[float]) -> dict[tuple, Profile]:
    """{(key values..., column): Profile}: counts, nulls, non-finite values, moments and quantiles."""
    return summarize(_same_keys(b, keys), quantiles)[1]


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
