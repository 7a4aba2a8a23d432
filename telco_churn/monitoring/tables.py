"""The two metric tables beside the inference log, shaped like Databricks' monitor output."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from telco_churn.monitoring.binning import Profile
from telco_churn.monitoring.drift import DRIFT_METRICS
from telco_churn.monitoring.quality import QUALITY_METRICS

TABLE_LEVEL = ":table"  # the column_name of table-level rows (model quality), as Databricks names them
# Windows in UTC without a zone (timestamp_ntz): the engine then compares them as they are written.
_KEYS = ("window_start timestamp_ntz, window_end timestamp_ntz, granularity string, model_version bigint, "
         "column_name string, slice_key string, slice_value string")
PROFILE_SCHEMA = (f"{_KEYS}, count bigint, num_nulls bigint, percent_null double, mean double, stddev double, "
                  "min double, max double, quantiles string, frequent_items string, labelled_count bigint, "
                  + ", ".join(f"{m} double" for m in QUALITY_METRICS) + ", log_type string")
INPUT, BASELINE = "INPUT", "BASELINE"  # log_type: the window's own rows, or the baseline it is compared with
WHOLE = (None, None)  # (slice_key, slice_value) of the rows computed over every row
DRIFT_SCHEMA = (f"{_KEYS}, drift_type string, compared_window_start timestamp_ntz, count bigint, compared_count bigint, "
                + ", ".join(f"{m} double" for m in DRIFT_METRICS) + ", "
                + ", ".join(f"{m}_delta double" for m in QUALITY_METRICS))


def profile_name(log_table: str) -> str:
    return f"{log_table}_profile_metrics"


def drift_name(log_table: str) -> str:
    return f"{log_table}_drift_metrics"


def _keys(window: datetime, size: timedelta, granularity: str, version: int, column: str,
          slice_: tuple[str | None, str | None] = WHOLE) -> dict:
    return {"window_start": window, "window_end": window + size, "granularity": granularity,
            "model_version": version, "column_name": column, "slice_key": slice_[0], "slice_value": slice_[1]}


def profile_row(window, size, granularity, version, column, profile: Profile, quantiles, frequencies,
                slice_=WHOLE, log_type: str = INPUT) -> dict:
    return {**_keys(window, size, granularity, version, column, slice_), "log_type": log_type,
            "count": profile.count, "num_nulls": profile.nulls,
            "percent_null": 100.0 * profile.nulls / profile.count if profile.count else None,
            "mean": profile.mean, "stddev": profile.stddev, "min": profile.minimum, "max": profile.maximum,
            "quantiles": json.dumps(dict(zip(map(str, quantiles), profile.quantiles))),
            "frequent_items": json.dumps(frequencies) if frequencies is not None else None,
            "labelled_count": None, **dict.fromkeys(QUALITY_METRICS)}


def quality_profile_row(window, size, granularity, version, count: int, quality: dict) -> dict:
    return {**_keys(window, size, granularity, version, TABLE_LEVEL), "log_type": INPUT, "count": count, "num_nulls": 0,
            "percent_null": 0.0, "mean": None, "stddev": None, "min": None, "max": None, "quantiles": None,
            "frequent_items": None, "labelled_count": quality["labelled_count"],
            **{m: quality[m] for m in QUALITY_METRICS}}


def drift_row(window, size, granularity, version, column, drift_type: str, compared: datetime | None,
              counts: tuple[int, int], metrics: dict, deltas: dict | None = None, slice_=WHOLE) -> dict:
    return {**_keys(window, size, granularity, version, column, slice_), "drift_type": drift_type,
            "compared_window_start": compared, "count": counts[0], "compared_count": counts[1],
            **{m: metrics.get(m) for m in DRIFT_METRICS},
            **{f"{m}_delta": (deltas or {}).get(m) for m in QUALITY_METRICS}}


def metric_tables(log_table: str) -> list[tuple[str, str]]:
    """(name, schema) of the two metric tables beside the log."""
    return [(profile_name(log_table), PROFILE_SCHEMA), (drift_name(log_table), DRIFT_SCHEMA)]


def missing_columns(schema: str, have: list[str]) -> list[str]:
    """The schema's `name type` pairs whose column is not in `have` (schemas here hold no nested commas)."""
    pairs = [part.strip() for part in schema.split(",")]
    return [pair for pair in pairs if pair.split()[0] not in have]


def window_condition(granularity: str, first: datetime, last: datetime) -> str:
    """The rows of these windows: what a rerun replaces."""
    return (f"granularity = '{granularity}' AND window_start >= TIMESTAMP_NTZ '{first:%Y-%m-%d %H:%M:%S}' "
            f"AND window_start <= TIMESTAMP_NTZ '{last:%Y-%m-%d %H:%M:%S}'")
