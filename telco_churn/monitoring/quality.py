"""Model quality per window from labelled scorings, aggregated in the engine.

Confusion counts and the log-loss sum are plain sums; ROC AUC comes from counts of positives and
negatives per probability rounded to AUC_DECIMALS (Mann-Whitney with ties at that resolution).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from telco_churn.feature_store.base import PREDICTION, PROBABILITY

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

AUC_DECIMALS = 4
CLIP = 1e-15  # log loss of a probability of exactly 0 or 1, as scikit-learn clips
QUALITY_METRICS = ("roc_auc", "accuracy", "precision", "recall", "f1", "log_loss")
LOWER_IS_BETTER = frozenset({"log_loss"})


def auc_from_counts(points: Sequence[tuple[float, int, int]]) -> float | None:
    """ROC AUC from (score, positives, negatives) per distinct score; None without both classes."""
    positives = sum(p for _, p, _ in points)
    negatives = sum(n for _, _, n in points)
    if not positives or not negatives:
        return None
    below, wins = 0, 0.0
    for _, p, n in sorted(points):
        wins += p * below + 0.5 * p * n
        below += n
    return wins / (positives * negatives)


def window_quality(labelled: "DataFrame", keys: Sequence[str], label: str) -> dict[tuple, dict[str, float | None]]:
    """{(key values...): metrics of QUALITY_METRICS plus labelled_count} for rows with a label."""
    from pyspark.sql import functions as F

    y, yhat = F.col(label), F.col(PREDICTION)
    p = F.least(F.greatest(F.col(PROBABILITY), F.lit(CLIP)), F.lit(1 - CLIP))
    count = lambda cond: F.sum(F.when(cond, 1).otherwise(0))  # noqa: E731
    sums = labelled.groupBy(*keys).agg(
        F.count(F.lit(1)).alias("n"), count((y == 1) & (yhat == 1)).alias("tp"), count((y == 0) & (yhat == 1)).alias("fp"),
        count((y == 1) & (yhat == 0)).alias("fn"),
        F.sum(-(y * F.log(p) + (1 - y) * F.log(1 - p))).alias("loss")).collect()
    ranks = labelled.groupBy(*keys, F.round(PROBABILITY, AUC_DECIMALS).alias("score")).agg(
        count(y == 1).alias("pos"), count(y == 0).alias("neg")).collect()
    points: dict[tuple, list] = {}
    for r in ranks:
        points.setdefault(tuple(r[k] for k in keys), []).append((r["score"], int(r["pos"]), int(r["neg"])))
    result = {}
    for r in sums:
        key = tuple(r[k] for k in keys)
        n, tp, fp, fn = int(r["n"]), int(r["tp"]), int(r["fp"]), int(r["fn"])
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        result[key] = {
            "labelled_count": n, "roc_auc": auc_from_counts(points.get(key, [])),
            "accuracy": (n - fp - fn) / n, "precision": precision, "recall": recall,
            "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
            "log_loss": float(r["loss"]) / n,
        }
    return result


def quality_drop(metric: str, value: float | None, baseline: float | None) -> float | None:
    """How much worse than the baseline (positive = worse), whichever way the metric points."""
    if value is None or baseline is None:
        return None
    return value - baseline if metric in LOWER_IS_BETTER else baseline - value
