"""model-monitoring on the local engine: normal days, then drifted days; reruns; bad input."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd
import pytest

from telco_churn.monitoring.simulate import Shift, scored_at, simulate
from telco_churn.monitoring.tables import drift_name, profile_name

START = date(2026, 11, 1)
DAYS, SHIFT_FROM = 10, 5


def _day_arg(d: int) -> str:
    return f"latest_window={START + timedelta(days=d):%Y-%m-%d}T00:00:00Z"


@pytest.fixture(scope="module")
def loop(trained, tmp_path_factory):
    """v1 in Production; DAYS days of scorings in the inference log (drift from SHIFT_FROM); late labels."""
    box, spark, lakehouse = trained, trained.runtime.spark, trained.runtime.lakehouse
    box.registry().assign(1, "Production")
    sim = simulate(DAYS, 200, START, Shift(month_to_month=0.85, fiber_optic=0.7, charges_factor=1.25), SHIFT_FROM,
                   label_delay_days=2, seed=3)
    csv = tmp_path_factory.mktemp("sim") / "batches.csv"
    sim.batches.drop(columns=["day"]).to_csv(csv, index=False)
    box.job("data-ingest", "--set", f"source={csv}", "--set", "mode=append")
    box.job("feature-table-creation")
    keys = f"{box.env.schema_name}.sim_keys"
    lakehouse.write(spark.createDataFrame(sim.batches[["customerID"]]), keys)
    box.job("model-inference-batch", "--env-set", "tables.inference_input=sim_keys", "--set", "append_to_log=true",
            "--set", "batch_id=all-days")
    # One scoring of every day's customers, then each row moved to its day: the log as ten daily runs leave it.
    days = pd.DataFrame({"customerID": sim.batches["customerID"], "scored_at": sim.batches["day"].map(scored_at)})
    log = lakehouse.read(box.table("inference_log"))
    lakehouse.write(log.drop("scored_at").join(spark.createDataFrame(days), ["customerID"]).toPandas().pipe(
        spark.createDataFrame), box.table("inference_log"))
    lakehouse.write(spark.createDataFrame(sim.labels), box.table("late_labels"))
    return box


def _metrics(box, which):
    return box.runtime.lakehouse.read(which(box.table("inference_log"))).toPandas()


def test_normal_days_then_drifted_days_give_no_retraining_then_retraining(loop):
    normal = loop.job("model-monitoring", "--set", _day_arg(SHIFT_FROM - 1))
    assert not normal.decision.retrain, normal.decision.reason
    drifted = loop.job("model-monitoring", "--set", _day_arg(DAYS - 1))
    assert drifted.decision.retrain, drifted.decision.reason
    flagged = {b.column for b in drifted.decision.latest_breaches}
    assert "MonthlyCharges" in flagged and "Contract_Month_to_month" in flagged
    assert "gender_Male" not in flagged and "Partner_Yes" not in flagged
    assert drifted.report_uri and drifted.report_uri.endswith("monitoring_report.html")

    drift = _metrics(loop, drift_name)
    day9 = drift[(drift.window_start == pd.Timestamp(START + timedelta(days=DAYS - 1))) & (drift.drift_type == "BASELINE")
                 & drift.slice_key.isna()]
    assert day9.set_index("column_name").loc["MonthlyCharges", "population_stability_index"] > 0.2
    assert day9.set_index("column_name").loc["gender_Male", "population_stability_index"] < 0.2
    assert set(drift.drift_type) == {"BASELINE", "CONSECUTIVE"}
    profile = _metrics(loop, profile_name)
    quality = profile[profile.column_name == ":table"]
    # Labels are known two days after the scoring day's midnight: at the end of the latest window
    # (day 9, 24:00) those of day 8 have just arrived, those of day 9 not yet.
    assert quality.window_start.max() == pd.Timestamp(START + timedelta(days=DAYS - 2))
    assert quality.roc_auc.between(0, 1).all() and (quality.labelled_count == 200).all()


def test_a_rerun_replaces_its_windows_rows(loop):
    loop.job("model-monitoring", "--set", _day_arg(DAYS - 1))
    before = (len(_metrics(loop, profile_name)), len(_metrics(loop, drift_name)))
    loop.job("model-monitoring", "--set", _day_arg(DAYS - 1))
    drift = _metrics(loop, drift_name)
    assert (len(_metrics(loop, profile_name)), len(drift)) == before
    assert not drift.duplicated(["window_start", "model_version", "column_name", "slice_key", "slice_value",
                                 "drift_type"]).any()


@pytest.fixture(scope="module")
def monitored(loop):
    """The metric tables after a run up to the last day (slice_columns: [Contract_Month_to_month])."""
    loop.job("model-monitoring", "--set", _day_arg(DAYS - 1))
    return loop


def test_each_slice_is_profiled_and_compared_beside_the_whole_table(monitored):
    loop = monitored
    day9 = pd.Timestamp(START + timedelta(days=DAYS - 1))
    drift = _metrics(loop, drift_name)
    drift = drift[(drift.window_start == day9) & (drift.drift_type == "BASELINE") & (drift.column_name == "MonthlyCharges")]
    by_slice = drift.set_index(["slice_key", "slice_value"], drop=False)
    assert set(drift.slice_value.dropna()) == {"0", "1"} and set(drift.slice_key.dropna()) == {"Contract_Month_to_month"}
    whole = drift[drift.slice_key.isna()].iloc[0]
    parts = drift[drift.slice_key == "Contract_Month_to_month"]
    assert parts["count"].sum() == whole["count"] and parts["compared_count"].sum() == whole["compared_count"]
    # Within a slice, the slicing column is constant, on both sides: no drift there.
    contract = _metrics(loop, drift_name)
    contract = contract[(contract.window_start == day9) & (contract.drift_type == "BASELINE")
                        & (contract.column_name == "Contract_Month_to_month") & (contract.slice_value == "1")]
    assert contract.population_stability_index.iloc[0] == pytest.approx(0.0, abs=1e-9)
    assert len(by_slice) == 3
    profile = _metrics(loop, profile_name)
    ones = profile[(profile.window_start == day9) & (profile.slice_value == "1") & (profile.log_type == "INPUT")]
    assert set(json.loads(ones.set_index("column_name").loc["Contract_Month_to_month", "frequent_items"])) == {"1"}


def test_the_profile_table_holds_the_baseline_rows_beside_each_window(monitored):
    loop = monitored
    profile, drift = _metrics(loop, profile_name), _metrics(loop, drift_name)
    whole = profile[profile.slice_key.isna() & (profile.column_name == "MonthlyCharges")]
    baseline, window = whole[whole.log_type == "BASELINE"], whole[whole.log_type == "INPUT"]
    assert set(baseline.window_start) == set(window.window_start)  # one baseline row per monitored window
    assert baseline["count"].nunique() == 1 and baseline["mean"].nunique() == 1  # the same training data each time
    compared = drift[drift.slice_key.isna() & (drift.column_name == "MonthlyCharges") & (drift.drift_type == "BASELINE")]
    assert set(compared.compared_count) == set(baseline["count"])
    # Charges are 1.25x from the shift day on: the drifted window's mean is above the baseline's.
    day9 = pd.Timestamp(START + timedelta(days=DAYS - 1))
    assert window.set_index("window_start").loc[day9, "mean"] > 1.15 * baseline["mean"].iloc[0]


def test_slice_columns_are_checked_before_anything_is_written(loop, caplog):
    before = len(_metrics(loop, drift_name))
    assert loop.main("model-monitoring", "--set", "slice_columns=[Contract_Month_to_month, Contract_Month_to_month]") != 0
    assert "slice_columns names Contract_Month_to_month more than once" in caplog.text
    assert loop.main("model-monitoring", "--set", "slice_columns=[no_such_column]") != 0
    assert "no_such_column missing from the features scored" in caplog.text
    assert loop.main("model-monitoring", "--set", "slice_columns=[MonthlyCharges]") != 0
    assert "MonthlyCharges" in caplog.text and "more than 50 values" in caplog.text
    assert len(_metrics(loop, drift_name)) == before


def _bad_log(box, name: str, change) -> list[str]:
    lakehouse, spark = box.runtime.lakehouse, box.runtime.spark
    rows = lakehouse.read(box.table("inference_log")).limit(50).toPandas()
    lakehouse.write(spark.createDataFrame(change(rows)), f"{box.env.schema_name}.{name}")
    # No labels table for these logs: the labels of the other customers would be refused first.
    return ["--env-set", f"tables.inference_log={name}", "--env-set", "tables.late_labels=no_labels"]


@pytest.mark.parametrize("case, change, message", [
    ("no_probability", lambda r: r.drop(columns=["probability"]), "Column(s) probability missing from inference log"),
    ("inf_probability", lambda r: r.assign(probability=float("inf")), "Non-finite values (NaN or infinity) in column(s) probability"),
    ("unknown_version", lambda r: r.assign(model_version=99), "model_version 99"),
])
def test_bad_logs_stop_with_a_clear_error_and_write_no_metric_row(loop, caplog, case, change, message):
    args = _bad_log(loop, f"bad_{case}", change)
    assert loop.main("model-monitoring", *args) != 0
    assert message in caplog.text and f"bad_{case}" in caplog.text
    assert not loop.runtime.lakehouse.exists(drift_name(f"{loop.env.schema_name}.bad_{case}"))
    assert not loop.runtime.lakehouse.exists(profile_name(f"{loop.env.schema_name}.bad_{case}"))


def test_no_rows_in_the_window_and_labels_never_scored_are_refused(loop, caplog):
    before = len(_metrics(loop, drift_name))
    assert loop.main("model-monitoring", "--set", "latest_window=2020-01-01T00:00:00Z") != 0
    assert "has no rows in window 2020-01-01 00:00" in caplog.text and loop.table("inference_log") in caplog.text
    spark = loop.runtime.spark
    labels = loop.runtime.lakehouse.read(loop.table("late_labels")).limit(3).toPandas()
    stray = pd.concat([labels, labels.head(1).assign(customerID="NEVER-SCORED")])
    loop.runtime.lakehouse.write(spark.createDataFrame(stray), f"{loop.env.schema_name}.stray_labels")
    assert loop.main("model-monitoring", "--env-set", "tables.late_labels=stray_labels") != 0
    assert "never scored" in caplog.text and "'NEVER-SCORED'" in caplog.text and "stray_labels" in caplog.text
    assert len(_metrics(loop, drift_name)) == before


def test_a_batch_id_already_in_the_log_is_refused_before_scoring(loop, caplog):
    before = len(loop.read("inference_log"))
    assert loop.main("model-inference-batch", "--env-set", "tables.inference_input=sim_keys",
                     "--set", "append_to_log=true", "--set", "batch_id=all-days") != 0
    assert "already holds batch_id 'all-days'" in caplog.text
    assert len(loop.read("inference_log")) == before


def test_a_metric_table_without_a_newer_column_is_named_before_anything_is_written(loop, caplog):
    """Tables written before log_type existed: the engine has no schema evolution, so the job names them."""
    from telco_churn.monitoring.tables import PROFILE_SCHEMA

    args = _bad_log(loop, "old_metrics", lambda r: r)
    lakehouse, spark = loop.runtime.lakehouse, loop.runtime.spark
    old_profile = profile_name(f"{loop.env.schema_name}.old_metrics")
    lakehouse.write(spark.createDataFrame([], PROFILE_SCHEMA.replace(", log_type string", "")), old_profile)
    assert loop.main("model-monitoring", *args) != 0
    assert f"Metric table {old_profile} has no column(s) log_type" in caplog.text
    assert "ADD COLUMNS (log_type string)" in caplog.text
    assert "log_type" not in lakehouse.read(old_profile).columns
    assert not lakehouse.exists(drift_name(f"{loop.env.schema_name}.old_metrics"))
