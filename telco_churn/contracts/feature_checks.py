"""Checks on what the models see: feature values, both classes, and keys that match across tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyspark.sql import functions as F
from pyspark.sql.types import NumericType

from telco_churn.contracts.report import CheckOutcome, ValidationReport
from telco_churn.contracts.table_checks import Check, is_finite, run_checks

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

# Delta commits each table on its own: a job killed between two commits leaves tables of two
# runs. Every reader of more than one of them compares their keys before it trusts them.
MIXED_RUNS_HINT = ("the tables come from different feature-table-creation runs (was one interrupted?); "
                   "rerun feature-table-creation")


def check_features(df: "DataFrame", key: str, features: list[str], target: str,
                   label: str | None = None) -> ValidationReport:
    """No null and no non-finite feature value; with a label, no null label and both classes present."""
    report = ValidationReport(target)
    checks = []
    for column in features:
        value = F.col(f"`{column}`")
        checks.append(Check(f"{column}: null", "error", "missing value(s)", value.isNull(), F.lit("null")))
        if isinstance(df.schema[column].dataType, NumericType):
            checks.append(Check(f"{column}: finite", "error", "non-finite value(s) (inf or NaN)",
                                value.isNotNull() & ~is_finite(value.cast("double")), value.cast("string")))
    extras = {}
    if label is not None:
        target_value = F.col(f"`{label}`")
        checks.append(Check(f"{label}: null", "error", "missing label(s)", target_value.isNull(), F.lit("null")))
        extras = {"positive": F.sum((target_value == 1).cast("int")), "negative": F.sum((target_value == 0).cast("int"))}
    rows, counts = run_checks(df, F.col(f"`{key}`").cast("string"), key, checks, report, extras)
    if label is not None:
        positive, negative = counts["positive"] or 0, counts["negative"] or 0
        report.add(CheckOutcome(f"{label}: both classes", "error", rows, int(not (positive and negative)),
                                "class(es) missing", f"{positive} positive and {negative} negative row(s)"))
    return report


def keys_without_match(report: ValidationReport, df: "DataFrame", other: "DataFrame", key: str, check: str,
                       problem: str) -> None:
    """Adds how many keys of df are absent from other, with the smallest as the example."""
    missing = df.select(key).join(other.select(key), [key], "left_anti")
    found = missing.agg(F.count(F.lit(1)).alias("n"), F.min(F.col(f"`{key}`").cast("string")).alias("k")).first()
    report.add(CheckOutcome(check, "error", None, found["n"], problem, f"{key} {found['k']}" if found["n"] else None))
