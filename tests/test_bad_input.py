"""Bad input stops a job with a clear error and leaves every table as it was."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from telco_churn.config.contract import PACKAGED_CONTRACT
from telco_churn.errors import DataValidationError
from telco_churn.paths import DATA_FILE

OUTPUTS = ("features", "labels", "reference")


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return pd.read_csv(DATA_FILE, dtype=str, keep_default_na=False).head(300)


@pytest.fixture(scope="module")
def built_good(runtime, raw, tmp_path_factory):
    """Tables built from good data once for the module; never written: each test gets a copy."""
    from tests.conftest import Sandbox

    good = tmp_path_factory.mktemp("good") / "good.csv"
    raw.to_csv(good, index=False)
    box = Sandbox(runtime, "bad_input_good")
    box.build_features(good)
    return box


@pytest.fixture
def built(sandbox, built_good):
    """A sandbox whose feature, labels and reference tables were built from good data."""
    sandbox.copy_built(built_good)
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


def _contract_file(tmp_path, edit) -> Path:
    """The shipped contract, changed by edit(contract dict), in a file of its own."""
    contract = yaml.safe_load(PACKAGED_CONTRACT.read_text())
    edit(contract)
    path = tmp_path / "contract.yml"
    path.write_text(yaml.safe_dump(contract))
    return path


def test_repeated_keys_the_contract_only_warns_of_are_refused_by_the_feature_store(built, raw, tmp_path):
    contract_file = _contract_file(tmp_path, lambda contract: contract.update(duplicate_keys="warn"))
    before = _snapshot(built)
    _write_bronze(built, _with_duplicates(raw))
    with pytest.raises(DataValidationError, match=r"primary key \['customerID'\] is not unique: 3 value\(s\) repeat"):
        built.job("feature-table-creation", "--set", f"contract={contract_file}")
    _assert_unchanged(built, before)


def test_blank_label_is_refused(built, raw, tmp_path):
    frame = raw.copy()
    frame.loc[[1, 2], "Churn"] = " "
    _write_bronze(built, frame)
    with pytest.raises(DataValidationError, match=r"Churn: blank: 2 blank value\(s\)"):
        built.job("feature-table-creation")


def test_rows_written_after_data_ingest_are_checked_again(built, raw):
    # data-ingest's record holds for the version it wrote; an append by another writer makes a
    # new version without one, and the whole table is checked.
    before = _snapshot(built)
    appended = _with_text_in("Churn", [0])(raw.head(1)).assign(customerID="NEW-1")
    built.runtime.lakehouse.write(built.runtime.spark.createDataFrame(appended), built.table("bronze"), "append")
    with pytest.raises(DataValidationError, match=r"Churn: label: 1 label value\(s\) other than \['Yes', 'No'\], e.g. 'n/a' \(customerID NEW-1\)"):
        built.job("feature-table-creation")
    _assert_unchanged(built, before)


def test_a_contract_changed_since_data_ingest_is_checked_again(built, raw, tmp_path):
    before = _snapshot(built)
    narrower = _contract_file(tmp_path, lambda contract: contract["columns"]["tenure"].update(max=10))
    over = (raw.tenure.astype(int) > 10).sum()
    with pytest.raises(DataValidationError, match=rf"tenure: range: {over} value\(s\) above 10"):
        built.job("feature-table-creation", "--set", f"contract={narrower}")
    _assert_unchanged(built, before)


def test_recheck_bronze_checks_a_version_data_ingest_recorded(built, raw):
    # Bad rows under a copied record: trusted by default (the record is the commit's word),
    # checked with recheck_bronze.
    lakehouse, bronze = built.runtime.lakehouse, built.table("bronze")
    record = lakehouse.latest_version(bronze).note
    lakehouse.write(built.runtime.spark.createDataFrame(_with_text_in("Churn", [3])(raw)), bronze, note=record)
    before = _snapshot(built)
    with pytest.raises(DataValidationError, match=r"Churn: label: 1 label value"):
        built.job("feature-table-creation", "--set", "recheck_bronze=true")
    _assert_unchanged(built, before)
    assert built.job("feature-table-creation").features == len(raw)


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

    # Features that are infinite or missing: refused by scoring and by training, naming the column.
    features = built.read("features").set_index("customerID")
    first, second = sorted(built.read("labels").customerID)[:2]  # labelled: training sees them too
    features.loc[first, "MonthlyCharges"], features.loc[second, "tenure"] = float("inf"), None
    runtime.lakehouse.write(runtime.spark.createDataFrame(features.reset_index()), built.table("features"))
    with pytest.raises(DataValidationError, match=rf"tenure: null: 1 missing value\(s\), e.g. 'null' \(customerID {second}\); "
                       rf"MonthlyCharges: finite: 1 non-finite value\(s\) \(inf or NaN\), e.g. 'inf' \(customerID {first}\)"):
        built.job("model-inference-batch")
    assert built.delta_version("predictions") == version
    with pytest.raises(DataValidationError, match=r"MonthlyCharges: finite: 1 non-finite value"):
        built.job("model-train")


def test_inference_refuses_a_nan_feature_and_leaves_predictions_and_log_unchanged(built, runtime):
    from pyspark.sql import functions as F

    built.job("model-train", "--set", "model_params.n_estimators=5", "--set", "promote_to=Production")
    built.job("model-inference-batch", "--set", "append_to_log=true", "--set", "batch_id=good")
    versions = {key: built.delta_version(key) for key in ("predictions", "inference_log")}
    # A NaN, not a null: Spark keeps it as a value, which the scoring pass must refuse as non-finite.
    first = sorted(built.read("features").customerID)[5]
    features = runtime.lakehouse.read(built.table("features"))
    nan = features.withColumn("TotalCharges", F.when(F.col("customerID") == first, F.lit(float("nan")))
                              .otherwise(F.col("TotalCharges").cast("double")))
    # Through a table of its own: pandas would turn the NaN into a null on its way to Spark.
    runtime.lakehouse.write(nan, built.table("features") + "_nan")
    runtime.lakehouse.write(runtime.lakehouse.read(built.table("features") + "_nan"), built.table("features"))
    with pytest.raises(DataValidationError, match=rf"TotalCharges: finite: 1 non-finite value\(s\) \(inf or NaN\), "
                       rf"e.g. 'NaN' \(customerID {first}\)"):
        built.job("model-inference-batch", "--set", "append_to_log=true", "--set", "batch_id=bad")
    assert {key: built.delta_version(key) for key in versions} == versions


def test_inference_refuses_keys_of_another_feature_table_creation_run(built, runtime):
    """The reference keys of the run before, scored against a feature table rebuilt without some of
    them (what a run killed between its commits leaves): refused, naming the mixed runs."""
    built.job("model-train", "--set", "model_params.n_estimators=5", "--set", "promote_to=Production")
    built.job("model-inference-batch")
    version = built.delta_version("predictions")
    reference = set(built.read("reference").customerID)
    features = runtime.lakehouse.read(built.table("features"))
    kept = features.filter(~features.customerID.isin(sorted(reference)[:4]))
    runtime.lakehouse.write(kept.toPandas().pipe(runtime.spark.createDataFrame), built.table("features"))
    with pytest.raises(DataValidationError, match=r"keys vs features: 4 key\(s\) have no row in feature table .*"
                       r"the tables come from different feature-table-creation runs"):
        built.job("model-inference-batch", env_set=("tables.inference_input=churn_reference",))
    assert built.delta_version("predictions") == version


def _report_of_latest_run(box) -> tuple[str, dict]:
    import mlflow

    experiment = mlflow.get_experiment_by_name(box.env.experiments.training)
    [run] = mlflow.search_runs([experiment.experiment_id], order_by=["start_time DESC"], max_results=1, output_format="list")
    return run.info.status, mlflow.artifacts.load_dict(f"{run.info.artifact_uri}/validation/training_set.json")


def test_training_saves_its_validation_report_in_the_run(built):
    built.job("model-train", "--set", "model_params.n_estimators=5")
    status, report = _report_of_latest_run(built)
    assert status == "FINISHED" and report["passed"] and report["errors"] == 0
    [classes] = [c for c in report["checks"] if c["check"] == "churn: both classes"]
    assert classes["outcome"] == "passed" and "positive and" in classes["example"]


def test_failed_training_registers_nothing(built, runtime):
    before = len(built.registry().versions())
    # Labels whose keys have no features: the training set is incomplete.
    labels = runtime.spark.createDataFrame(pd.DataFrame({"customerID": ["GHOST-1"], "churn": [1]}))
    runtime.lakehouse.write(labels, built.table("labels"), "append")
    with pytest.raises(DataValidationError, match=r"labels vs features: 1 label key\(s\) with no row in .*churn_features: "
                       r"the tables come from different feature-table-creation runs .*, e.g. customerID GHOST-1"):
        built.job("model-train")
    assert len(built.registry().versions()) == before
    # The refused run explains itself in MLflow: status FAILED, the report as an artifact.
    status, report = _report_of_latest_run(built)
    assert status == "FAILED" and not report["passed"]
    [mismatch] = [c for c in report["checks"] if c["outcome"] == "failed"]
    assert (mismatch["check"], mismatch["failures"], mismatch["example"]) == ("labels vs features", 1, "customerID GHOST-1")


def test_a_training_set_of_one_class_is_refused(built, runtime):
    before = len(built.registry().versions())
    labels = built.read("labels").assign(churn=0)  # the same keys, every customer "No"
    runtime.lakehouse.write(runtime.spark.createDataFrame(labels), built.table("labels"), "overwrite")
    with pytest.raises(DataValidationError, match=r"churn: both classes: 1 class\(es\) missing, e.g. 0 positive and "
                       rf"{len(labels)} negative row\(s\)"):
        built.job("model-train")
    assert len(built.registry().versions()) == before
