"""Drift metrics between two histograms over the same bins: pure numpy and scipy, no engine.

The engine bins and counts (monitoring/binning.py); only the per-bin counts arrive here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# An empty bin would make PSI infinite; it counts as this share instead (the usual practice).
PSI_FLOOR = 1e-4
NUMERIC, CATEGORICAL = "numeric", "categorical"


@dataclass(frozen=True)
class Histogram:
    """Counts per bin, bins in a fixed order shared by both sides of a comparison.

    means: the mean value inside each bin (numeric columns), where Wasserstein puts the bin's mass.
    """

    counts: np.ndarray
    means: np.ndarray | None = None

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    @property
    def shares(self) -> np.ndarray:
        return self.counts / self.total


def population_stability_index(expected: np.ndarray, actual: np.ndarray) -> float:
    """PSI = sum over bins of (actual - expected) * ln(actual / expected), shares floored at PSI_FLOOR."""
    e, a = np.maximum(expected, PSI_FLOOR), np.maximum(actual, PSI_FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def tv_distance(p: np.ndarray, q: np.ndarray) -> float:
    return float(0.5 * np.abs(p - q).sum())


def l_infinity_distance(p: np.ndarray, q: np.ndarray) -> float:
    return float(np.abs(p - q).max())


def js_distance(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon distance in base 2, so 0 (same) to 1 (disjoint)."""
    from scipy.spatial.distance import jensenshannon

    return float(jensenshannon(p, q, base=2))


def ks_test(base: Histogram, other: Histogram) -> tuple[float, float]:
    """Two-sample KS statistic and asymptotic p-value from binned counts.

    The empirical CDFs are exact at the bin edges, so the statistic is the largest gap there;
    the true statistic exceeds it by at most the largest share of one bin on either side.
    The p-value is scipy's asymptotic one (kstwo at the effective sample size), as ks_2samp's.
    """
    from scipy.stats import kstwo

    gap = float(np.abs(np.cumsum(base.shares) - np.cumsum(other.shares)).max())
    n, m = base.total, other.total
    return gap, float(kstwo.sf(gap, round(n * m / (n + m))))


def wasserstein(base: Histogram, other: Histogram) -> float:
    """Earth mover's distance with each bin's mass at its mean value (scipy's wasserstein_distance)."""
    from scipy.stats import wasserstein_distance

    b, o = base.counts > 0, other.counts > 0
    return float(wasserstein_distance(base.means[b], other.means[o], base.counts[b], other.counts[o]))


def chi_squared_test(base: Histogram, other: Histogram) -> tuple[float, float]:
    """Chi-square test of homogeneity on the 2 x k table of counts, as scipy's chi2_contingency.

    The same statistic (Pearson's, with Yates' correction at one degree of freedom, as scipy
    applies it) and scipy's chi-square survival function, without chi2_contingency's per-call
    checks: a monitoring run makes thousands of these tests, and those checks were most of its
    time. tests/test_drift_metrics.py holds it to chi2_contingency.
    """
    from scipy.special import chdtrc

    seen = (base.counts + other.counts) > 0
    if seen.sum() < 2:  # one category on both sides: nothing can differ
        return 0.0, 1.0
    observed = np.vstack([base.counts[seen], other.counts[seen]]).astype(float)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    dof = int(seen.sum()) - 1
    if dof == 1:
        diff = expected - observed
        observed = observed + np.sign(diff) * np.minimum(0.5, np.abs(diff))
    statistic = float(((observed - expected) ** 2 / expected).sum())
    return statistic, float(chdtrc(dof, statistic))


DRIFT_METRICS = ("population_stability_index", "js_distance", "tv_distance", "l_infinity_distance",
                 "ks_statistic", "ks_pvalue", "wasserstein_distance", "chi_squared_statistic", "chi_squared_pvalue")
# For these a breach is a value below the threshold; for the others, above.
LOWER_IS_WORSE = frozenset({"ks_pvalue", "chi_squared_pvalue"})


def drift_metrics(kind: str, base: Histogram, other: Histogram) -> dict[str, float | None]:
    """Every metric of DRIFT_METRICS that applies to the kind; None where it does not or a side is empty."""
    metrics: dict[str, float | None] = dict.fromkeys(DRIFT_METRICS)
    if base.total == 0 or other.total == 0:
        return metrics
    p, q = base.shares, other.shares
    metrics.update(population_stability_index=population_stability_index(p, q), js_distance=js_distance(p, q),
                   tv_distance=tv_distance(p, q), l_infinity_distance=l_infinity_distance(p, q))
    if kind == NUMERIC:
        metrics["ks_statistic"], metrics["ks_pvalue"] = ks_test(base, other)
        metrics["wasserstein_distance"] = wasserstein(base, other)
    else:
        metrics["chi_squared_statistic"], metrics["chi_squared_pvalue"] = chi_squared_test(base, other)
    return {k: (v if v is None or math.isfinite(v) else None) for k, v in metrics.items()}


def breaches(metric: str, value: float | None, threshold: float) -> bool:
    if value is None:
        return False
    return value < threshold if metric in LOWER_IS_WORSE else value > threshold
