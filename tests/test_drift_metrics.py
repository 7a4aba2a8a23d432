"""Drift metrics binned in the engine against scipy on the raw samples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from telco_churn.monitoring.binning import aligned, column_kinds, numeric_edges, summarize
from telco_churn.monitoring.binning import binned as binned_frame  # `binned` is this module's fixture
from telco_churn.monitoring.drift import (CATEGORICAL, NUMERIC, Histogram, breaches, chi_squared_test, drift_metrics,
                                          population_stability_index)

N = 3000
BINS = 40


@pytest.fixture(scope="module")
def samples() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    sides = {"base": (0.0, [0.5, 0.3, 0.2]), "same": (0.0, [0.5, 0.3, 0.2]), "shifted": (0.6, [0.3, 0.3, 0.4])}
    frames = [pd.DataFrame({"w": w, "x": rng.normal(shift, 1.0, N), "c": rng.choice(["a", "b", "z"], N, p=p)})
              for w, (shift, p) in sides.items()]
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def binned(runtime, samples):
    df = runtime.spark.createDataFrame(samples)
    kinds = column_kinds(df, ["x", "c"])
    edges = numeric_edges(df.filter("w = 'base'"), ["x"], BINS)
    histograms, profiles = summarize(binned_frame(df, ["w"], kinds, edges), [0.5])
    return kinds, edges, histograms, profiles


def _metrics(binned, column: str, side: str) -> dict:
    kinds, edges, counts, _ = binned
    base, other = aligned(kinds[column], edges.get(column), counts[("base", column)], counts[(side, column)])
    return drift_metrics(kinds[column], base, other)


def _bins(values: np.ndarray, edges: list[float]) -> np.ndarray:
    return (values[:, None] > np.asarray(edges)[None, :]).sum(axis=1)


@pytest.mark.parametrize("side", ["same", "shifted"])
def test_numeric_metrics_match_scipy_within_the_binning_error(binned, samples, side):
    kinds, edges, _, _ = binned
    assert kinds == {"x": NUMERIC, "c": CATEGORICAL}
    u, v = samples.loc[samples.w == "base", "x"].to_numpy(), samples.loc[samples.w == side, "x"].to_numpy()
    got = _metrics(binned, "x", side)
    e = edges["x"]
    bu, bv = _bins(u, e), _bins(v, e)
    # KS: the binned ECDFs are exact at the edges, so the exact statistic exceeds the binned one by
    # at most the largest share of a single bin on either side.
    tol = max(np.bincount(bu).max() / len(u), np.bincount(bv).max() / len(v))
    ref = stats.ks_2samp(u, v, method="asymp")
    assert ref.statistic - tol <= got["ks_statistic"] <= ref.statistic + 1e-12
    en = round(len(u) * len(v) / (len(u) + len(v)))
    p_band = stats.kstwo.sf(max(ref.statistic - tol, 0), en) - stats.kstwo.sf(ref.statistic, en)
    assert abs(got["ks_pvalue"] - ref.pvalue) <= p_band + 1e-12
    # Wasserstein: moving each value to its bin's mean costs W(sample, binned sample) on each side;
    # by the triangle inequality the binned distance is within the sum of the two of the exact one.
    def binned_sample(x, b):
        means = pd.Series(x).groupby(b).transform("mean").to_numpy()
        return stats.wasserstein_distance(x, means)
    w_tol = binned_sample(u, bu) + binned_sample(v, bv)
    assert abs(got["wasserstein_distance"] - stats.wasserstein_distance(u, v)) <= w_tol + 1e-12
    # PSI, JS and TV on the same bins, written out and with scipy.
    p, q = np.bincount(bu, minlength=len(e) + 1) / len(u), np.bincount(bv, minlength=len(e) + 1) / len(v)
    assert got["js_distance"] == pytest.approx(jensenshannon(p, q, base=2), abs=1e-9)
    assert got["tv_distance"] == pytest.approx(0.5 * np.abs(p - q).sum(), abs=1e-12)
    pf, qf = np.maximum(p, 1e-4), np.maximum(q, 1e-4)
    assert got["population_stability_index"] == pytest.approx(((qf - pf) * np.log(qf / pf)).sum(), abs=1e-9)
    assert got["chi_squared_statistic"] is None


@pytest.mark.parametrize("side", ["same", "shifted"])
def test_categorical_metrics_match_scipy(binned, samples, side):
    both = samples[samples.w.isin(["base", side])]
    got = _metrics(binned, "c", side)
    ref = stats.chi2_contingency(pd.crosstab(both.w, both.c).loc[["base", side]].to_numpy())
    assert got["chi_squared_statistic"] == pytest.approx(ref.statistic, rel=1e-9)
    assert got["chi_squared_pvalue"] == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-300)
    shares = pd.crosstab(both.w, both.c, normalize="index").loc[["base", side]].to_numpy()
    assert got["js_distance"] == pytest.approx(jensenshannon(shares[0], shares[1], base=2), abs=1e-9)
    assert got["l_infinity_distance"] == pytest.approx(np.abs(shares[0] - shares[1]).max(), abs=1e-12)
    assert got["ks_statistic"] is None and got["wasserstein_distance"] is None


# 2 x 2 tables take Yates' correction in scipy, with the gap below 0.5 in one of them; the empty
# category is left out on both sides; 2 x k tables take none.
TABLES = [([30, 70], [45, 55]), ([10, 10], [10, 11]), ([1, 0, 3], [2, 0, 9]), ([500, 20, 7, 1], [450, 60, 9, 0])]


@pytest.mark.parametrize("base,other", TABLES)
def test_chi_squared_is_scipys_chi2_contingency(base, other):
    got = chi_squared_test(Histogram(np.array(base)), Histogram(np.array(other)))
    table = np.array([base, other])
    ref = stats.chi2_contingency(table[:, table.sum(axis=0) > 0])
    assert got == (pytest.approx(ref.statistic, rel=1e-12, abs=1e-15), pytest.approx(ref.pvalue, rel=1e-12))


def test_identical_data_gives_no_drift(binned):
    kinds, edges, counts, _ = binned
    for column in ("x", "c"):
        base, same = aligned(kinds[column], edges.get(column), counts[("base", column)], counts[("base", column)])
        got = drift_metrics(kinds[column], base, same)
        assert got["population_stability_index"] == 0 and got["tv_distance"] == 0
        assert got["js_distance"] == pytest.approx(0, abs=1e-7)
        if column == "x":
            assert got["ks_statistic"] == 0 and got["ks_pvalue"] == 1 and got["wasserstein_distance"] == 0
        else:
            assert got["chi_squared_pvalue"] == pytest.approx(1)


def test_a_shifted_column_is_flagged_and_an_unshifted_one_is_not(binned):
    for column in ("x", "c"):
        assert breaches("population_stability_index", _metrics(binned, column, "shifted")["population_stability_index"], 0.1)
        assert not breaches("population_stability_index", _metrics(binned, column, "same")["population_stability_index"], 0.1)
    assert breaches("ks_pvalue", _metrics(binned, "x", "shifted")["ks_pvalue"], 0.01)
    assert not breaches("ks_pvalue", _metrics(binned, "x", "same")["ks_pvalue"], 0.01)


def test_profile_counts_nulls_moments_and_quantiles(binned, samples):
    *_, profiles = binned
    x = samples.loc[samples.w == "shifted", "x"]
    got = profiles[("shifted", "x")]
    assert (got.count, got.nulls, got.non_finite) == (N, 0, 0)
    assert got.mean == pytest.approx(x.mean()) and got.stddev == pytest.approx(x.std())
    assert got.quantiles[0] == pytest.approx(x.median(), abs=0.01)


def test_psi_written_out():
    assert population_stability_index(np.array([0.5, 0.5]), np.array([0.25, 0.75])) == pytest.approx(
        (0.25 - 0.5) * np.log(0.25 / 0.5) + (0.75 - 0.5) * np.log(0.75 / 0.5))
