"""Bad input stops a job with a clear error and leaves every table as it was."""

from __future__ import annotations

import pandas as pd
import pytest

from telco_churn.errors import DataValidationError
from telco_churn.paths import DATA_FILE

OUTPUTS = ("features", "labels", "reference")


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return pd.read_csv(DATA_FILE, dtype=str, keep_default_na=False).head(300)


@pytest.fixture
def built(sandbox, raw, tmp_path):
    """A sandbox whose feature, labels and reference tables were built from good data."""
    good = tmp_path / "good.csv"
    raw.to_csv(good, index=False)
    sandbox.build_features(good)
    return sandbox


def _snapshot(box) -> dict:
    return {key: (box.delta_version(key), box.read(key).sort_values("customerID").reset_index(drop=True)) for key in OUTPUTS}


def _assert_unchanged(box, before: dict) -> None:
    for key, (version, frame) in before.items():
        assert box.delta_version(key) == version, f"{key} table got a new Delta version"
        pd.testing.assert_frame_equal(box.read(key).sort_values("customerID").reset_index(drop=True), frame)


def _write_bronze(box, frame: pd.DataFrame) -> None:
    # Straight to the table, as another writer could: feature-table-creation checks the
    # contract again on bronze, whoever wrote it (data-ingest refuses such files itself).
    box.runtime.lakehouse.write(box.runtime.spark.createDataFrame(frame), box.table("bronze"))


def _with_duplicates(df):
    dupes = df.head(3).copy()
    return pd.concat([df, dupes, dupes.head(1)], ignore_index=True)


def _with_text_in(column, rows):
    def change(df):
        df = df.copy()
        df.loc[rows, column] = "n/a"
        return df
    return change


BAD = [
    ("missing column", lambda df: df.drop(columns=["tenure", "Contract"]), r"required columns: 2 missing column\(s\): tenure, Contract"),
    ("non-numeric value", _with_text_in("MonthlyCharges", [5, 9]),
     r"MonthlyCharges: type: 2 value\(s\) that are not a number, e.g. 'n/a' \(customerID 6388-TABGU\)"),
    ("duplicate keys", _with_duplicates,
     r"customerID: unique: 4 extra row\(s\) with a repeated key, e.g. customerID '7590-VHVEG' appears 3 times \(3 key\(s\) repeat\)"),
    ("label Maybe", _with_text_in("Churn", [7]), r"Churn: label: 1 label value\(s\) other than \['Yes', 'No'\], e.g. 'n/a'"),
]


@pytest.mark.parametrize("case,corrupt,message", BAD, ids=[b[0] for b in BAD])
def test_bad_bronze_fails_before_writing(built, raw, tmp_path, case, corrupt, message):
    before = _snapshot(built)
    _write_bronze(built, corrupt(raw))
    with pytest.raises(DataValidationError, match=message) as error:
        built.job("feature-table-creation")
    assert built.table("bronze") in str(error.value)
    _assert_unchanged(built, before)
    assert built.main("feature-table-creation") == 1  # and as a process: a non-zero exit


def test_blank_label_is_refused(built, raw, tmp_path):
    frame = raw.copy()
    frame.loc[[1, 2], "Churn"] = " "
    _write_bronze(built, frame)
    with pytest.raises(DataValidationError, match=r"Churn: blank: 2 blank value\(s\)"):
        built.job("feature-table-creation")


def test_missing_bronze_table_names_the_table_and_the_fix(sandbox):
    with pytest.raises(Exception, match=rf"{sandbox.table('bronze')}' not found. Run data-ingest first"):
        sandbox.job("feature-table-creation")


def test_failed_inference_leaves_predictions_unchanged(built, runtime):
    built.job("model-train", "--set", "model_params.n_estimators=5", "--set", "promote_to=Production")
    built.job("model-inference-batch")
    version = built.delta_version("predictions")
    predictions = built.read("predictions")
    # Keys without features: the job must fail with their count, not drop or score them silently.
    unknown = runtime.spark.createDataFrame(pd.DataFrame({"customerID": ["NOPE-1", "NOPE-2", "7590-VHVEG"]}))
    runtime.lakehouse.write(unknown, f"{built.env.schema_name}.unknown_keys")
    with pytest.raises(DataValidationError, match=r"2 key\(s\) have no row in feature table"):
        built.job("model-inference-batch", env_set=("tables.inference_input=unknown_keys",))
    assert built.delta_version("predictions") == version
    pd.testing.assert_frame_equal(built.read("predictions"), predictions)


def test_failed_training_registers_nothing(built, runtime):
    before = len(built.registry().versions())
    # Labels whose keys have no features: the training set is incomplete.
    labels = runtime.spark.createDataFrame(pd.DataFrame({"customerID": ["GHOST-1"], "churn": [1]}))
    runtime.lakehouse.write(labels, built.table("labels"), "append")
    with pytest.raises(DataValidationError, match=r"labels vs features: 1 label key\(s\) with no row in .*churn_features: "
                       r"the tables come from different feature-table-creation runs .*, e.g. customerID GHOST-1"):
        built.job("model-train")
    assert len(built.registry().versions()) == before
