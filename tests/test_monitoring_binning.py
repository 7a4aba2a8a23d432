"""The wide aggregation counts every kind of column as pandas counts it, per key and per slice."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from telco_churn.errors import DataValidationError
from telco_churn.monitoring.binning import MAX_CATEGORIES, binned, column_kinds, numeric_edges, summarize

N = 600


@pytest.fixture(scope="module")
def frame(runtime):
    """Per window w: a 0/1 flag with nulls, a pair of integers that differs by window (0/1, then 1/2),
    a constant, an integer with five values, text with nulls (also the slice column), and a number."""
    from pyspark.sql import functions as F

    rng = np.random.default_rng(5)
    pdf = pd.DataFrame({"w": rng.integers(0, 2, N), "flag": rng.integers(0, 2, N), "pair": rng.integers(0, 2, N),
                        "one": np.ones(N, dtype="int64"), "wide": rng.integers(3, 8, N),
                        "text": rng.choice(["a", "b", "c"], N), "x": rng.normal(size=N)})
    df = runtime.spark.createDataFrame(pdf)
    df = (df.withColumn("flag", F.when(F.col("x") > 1.2, None).otherwise(F.col("flag")))
          .withColumn("pair", F.col("pair") + F.col("w"))
          .withColumn("text", F.when(F.col("x") < -1.2, None).otherwise(F.col("text"))))
    return df, df.toPandas()


def _expected_counts(sub: pd.Series) -> dict[str, int]:
    values = sub.dropna()
    values = values.astype("int64").astype(str) if values.dtype != object else values
    return values.value_counts().to_dict()


def test_every_kind_of_column_is_counted_per_window_and_slice(frame):
    df, pdf = frame
    columns = ["flag", "pair", "one", "wide", "text", "x"]
    kinds = column_kinds(df, columns)
    edges = numeric_edges(df, ["x"], 4)
    histograms, profiles = summarize(binned(df, ["w"], kinds, edges, ["text"]), [0.5])
    slices = [((None, None), pdf)] + [(("text", v), pdf[pdf.text == v]) for v in ("a", "b", "c")]
    slices.append((("text", None), pdf[pdf.text.isna()]))
    bins = (pdf.x.to_numpy()[:, None] > np.asarray(edges["x"])[None, :]).sum(axis=1)
    for w in (0, 1):
        for slice_, rows in slices:
            rows = rows[rows.w == w]
            for c in columns:
                key = (w, *slice_, c)
                got = {b: n for b, (n, _) in histograms.get(key, {}).items()}
                if c == "x":
                    expected = pd.Series(bins[rows.index]).astype(str).value_counts().to_dict()
                    means = pd.Series(rows.x.to_numpy()).groupby(bins[rows.index]).mean()
                    assert all(histograms[key][str(b)][1] == pytest.approx(m) for b, m in means.items())
                    assert profiles[key].mean == pytest.approx(rows.x.mean())
                else:
                    expected = _expected_counts(rows[c])
                assert got == expected, key
                assert (profiles[key].count, profiles[key].nulls) == (len(rows), int(rows[c].isna().sum())), key


def test_a_categorical_column_with_too_many_values_is_named(frame, runtime):
    from pyspark.sql import functions as F

    df, _ = frame
    ids = runtime.spark.range(MAX_CATEGORIES + 1).select(F.col("id").cast("string").alias("customer"), F.lit(0).alias("w"))
    with pytest.raises(DataValidationError, match=f"Categorical column customer of the test log has more than {MAX_CATEGORIES}"):
        summarize(binned(ids, ["w"], {"customer": "categorical"}, {}, what="the test log"), [])
