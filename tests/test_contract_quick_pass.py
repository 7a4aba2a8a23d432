"""The contract's quick pass proves a clean table clean and stands aside for anything else: on
clean and damaged tables alike, the report is the one the full checks give."""

from __future__ import annotations

import pandas as pd
import pytest

from telco_churn.config.jobs import FeatureTableConfig
from telco_churn.config.loader import load_model
from telco_churn.contracts import table_checks
from telco_churn.contracts.quick_pass import quick_pass
from telco_churn.paths import DATA_FILE, default_job_conf

CONTRACT = load_model(FeatureTableConfig, default_job_conf("feature_table_creation.yml")).contract

# (column, row, value): one damage per case, on the first 200 customers of the shipped data.
DAMAGES = {
    "label outside its values": ("Churn", 3, "Maybe"),
    "domain value with spaces": ("Contract", 5, " Two year"),  # valid once trimmed: no failure
    "blank categorical": ("gender", 7, "  "),
    "negative tenure": ("tenure", 9, "-1"),
    "fractional tenure": ("tenure", 9, "1.5"),
    "infinite charges": ("MonthlyCharges", 11, "inf"),
    "NaN charges": ("MonthlyCharges", 11, "NaN"),
    "SeniorCitizen outside 0/1": ("SeniorCitizen", 13, "2"),
    "text in a number": ("TotalCharges", 15, "12,5"),
    "key with spaces": ("customerID", 17, " 7590-VHVEG"),
    "blank key": ("customerID", 19, ""),
}


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return pd.read_csv(DATA_FILE, dtype=str, keep_default_na=False).head(200)


def _reports(runtime, frame: pd.DataFrame, monkeypatch) -> tuple[list, list]:
    df = runtime.spark.createDataFrame(frame)
    quick = table_checks.check_contract(df, CONTRACT, "t").outcomes
    with monkeypatch.context() as patched:
        patched.setattr(table_checks, "quick_pass", lambda *_: None)
        full = table_checks.check_contract(df, CONTRACT, "t").outcomes
    return quick, full


def test_clean_data_is_proven_by_the_quick_pass_with_exact_blank_counts(runtime, customers, monkeypatch):
    frame = customers.copy()
    frame.loc[[2, 4], "TotalCharges"] = [" ", ""]
    frame.loc[6, "customerID"] = frame.loc[8, "customerID"]  # a repeated key: counted, not refused
    df = runtime.spark.createDataFrame(frame)
    proven = quick_pass(df, df.schema, CONTRACT)
    assert proven is not None
    assert proven.blanks["TotalCharges"] == 2 + (customers.TotalCharges.str.strip() == "").sum()
    assert proven.extra_keys == 1
    quick, full = _reports(runtime, frame, monkeypatch)
    assert quick == full


@pytest.mark.parametrize("case", list(DAMAGES))
def test_damaged_data_gets_the_full_checks_report(runtime, customers, monkeypatch, case):
    column, row, value = DAMAGES[case]
    frame = customers.copy()
    frame.loc[row, column] = value
    df = runtime.spark.createDataFrame(frame)
    assert quick_pass(df, df.schema, CONTRACT) is None
    quick, full = _reports(runtime, frame, monkeypatch)
    assert quick == full
    assert any(o.failures for o in full if o.check.startswith(column)) == (case != "domain value with spaces")


@pytest.mark.parametrize("damage,proven", [(None, True), ("repeated", False), ("blank", False)])
def test_the_report_proves_the_keys_only_when_none_is_blank_or_repeated(runtime, customers, damage, proven):
    frame = customers.copy()
    if damage == "repeated":
        frame.loc[6, "customerID"] = frame.loc[8, "customerID"]
    elif damage == "blank":
        frame.loc[19, "customerID"] = " "
    report = table_checks.check_contract(runtime.spark.createDataFrame(frame), CONTRACT, "t")
    assert table_checks.proves_keys_unique(report, CONTRACT) is proven
