"""Each job on a small sample of the real data, on the embedded engine."""

from __future__ import annotations

import pytest

from telco_churn.errors import TelcoChurnError
from telco_churn.pipelines.featurization import one_hot_name
from tests.conftest import SAMPLE_ROWS


def test_data_ingest_writes_raw_text_and_keeps_an_existing_table(sandbox, sample_csv):
    assert sandbox.job("data-ingest", "--set", f"source={sample_csv}") == SAMPLE_ROWS
    bronze = sandbox.read("bronze")
    assert len(bronze) == SAMPLE_ROWS and bronze.customerID.is_unique
    assert set(bronze.dtypes.astype(str)) == {"object"}
    version = sandbox.delta_version("bronze")
    assert sandbox.job("data-ingest", "--set", f"source={sample_csv}") == 0  # if_missing: kept
    assert sandbox.delta_version("bronze") == version


def test_data_ingest_of_the_packaged_file_keeps_blank_total_charges(sandbox):
    assert sandbox.job("data-ingest") == 7043
    assert (sandbox.read("bronze").TotalCharges == " ").sum() == 11


def test_feature_table_creation(sandbox, sample_csv):
    sandbox.job("data-ingest", "--set", f"source={sample_csv}")
    result = sandbox.job("feature-table-creation")
    features, labels, reference = sandbox.read("features"), sandbox.read("labels"), sandbox.read("reference")
    assert result.features == len(features) == SAMPLE_ROWS
    assert len(labels) + len(reference) == SAMPLE_ROWS
    assert set(labels.customerID).isdisjoint(reference.customerID)
    assert 0.1 < len(reference) / SAMPLE_ROWS < 0.3
    assert list(labels.columns) == ["customerID", "churn"] and set(labels.churn) == {0, 1}
    assert "Churn" not in features.columns and "churn" not in features.columns
    assert one_hot_name("PaymentMethod", "Bank transfer (automatic)") == "PaymentMethod_Bank_transfer_automatic"
    assert "PaymentMethod_Bank_transfer_automatic" in features.columns
    assert str(features.TotalCharges.dtype) == "float64"
    assert features.isna().sum().sum() == 0
    metadata = sandbox.runtime.feature_store(sandbox.env).table_metadata(sandbox.table("features"))
    assert metadata["primary_keys"] == ["customerID"] and "customerID" in metadata["description"]


@pytest.mark.parametrize("policy,expected_rows,expected_value", [("zero", 7043, 0.0), ("drop_row", 7032, None)])
def test_blank_total_charges_follow_the_config(sandbox, policy, expected_rows, expected_value):
    sandbox.job("data-ingest")
    sandbox.job("feature-table-creation", "--set", f"blank_numeric={policy}")
    features = sandbox.read("features")
    assert len(features) == expected_rows
    blanks = features[features.tenure == 0]
    if expected_value is None:
        assert blanks.empty
    else:
        assert (blanks.TotalCharges == expected_value).all() and len(blanks) == 11


def test_null_policy_with_drop_missing_off_keeps_the_rows_as_null(sandbox):
    sandbox.job("data-ingest")
    sandbox.job("feature-table-creation", "--set", "blank_numeric=missing", "--set", "drop_missing=false",
                "--set", "one_hot_encode=false")
    features = sandbox.read("features")
    assert len(features) == 7043 and features.TotalCharges.isna().sum() == 11
    assert features.Contract.isin(["Month-to-month", "One year", "Two year"]).all()  # text, not one-hot


def test_model_train_logs_and_registers(trained):
    import mlflow

    registry = trained.registry()
    [version] = registry.versions()
    assert version.stage == "None"  # promotion is left to a person
    run = mlflow.get_run(version.run_id)
    for name in ("roc_auc", "accuracy", "precision", "recall", "f1"):
        assert 0.0 <= run.data.metrics[f"test_{name}"] <= 1.0
    assert run.data.params["max_depth"] == "4" and run.data.params["n_estimators"] == "20"
    model = mlflow.models.get_model_info(registry.version_uri(version.version))
    assert model.signature is not None
    assert {"prediction", "probability"} <= set(model.signature.outputs.input_names())


def test_model_train_on_text_features_one_hot_encodes_in_the_pipeline(sandbox, sample_csv):
    sandbox.job("data-ingest", "--set", f"source={sample_csv}")
    sandbox.job("feature-table-creation", "--set", "one_hot_encode=false")
    result = sandbox.job("model-train", "--set", "model_params.n_estimators=10", "--set", "promote_to=Production")
    assert result.metrics["roc_auc"] > 0.6
    assert int(sandbox.registry().version_for("current").version) == result.version


def test_deployment_and_inference(trained):
    registry = trained.registry()
    registry.set_stage(1, "Production")
    trained.job("model-train", "--set", "model_params.max_depth=8", "--set", "model_params.n_estimators=20",
                "--set", "promote_to=Staging")
    result = trained.job("model-deployment")
    assert result.candidate_version == 2 and result.current_version == 1
    current = int(registry.version_for("current").version)
    assert current == (2 if result.decision.promotes else 1)

    inference = trained.job("model-inference-batch")
    predictions = trained.read("predictions")
    assert inference.rows == len(predictions) == SAMPLE_ROWS
    assert set(predictions.columns) == {"customerID", "prediction", "probability", "model_name", "model_version", "scored_at"}
    assert (predictions.model_version == current).all()
    assert predictions.probability.between(0, 1).all() and set(predictions.prediction) <= {0, 1}
    assert ((predictions.probability > 0.5) == (predictions.prediction == 1)).all()
    assert predictions.scored_at.nunique() == 1

    trained.job("model-inference-batch", "--set", "mode=append")
    assert len(trained.read("predictions")) == 2 * SAMPLE_ROWS


def test_inference_without_a_production_model_says_how_to_promote(sandbox, built_sample):
    sandbox.copy_built(built_sample)
    with pytest.raises(TelcoChurnError, match="telco-churn promote --version 1 --stage Production"):
        sandbox.job("model-inference-batch")


def test_demo_setup_removes_everything_and_is_idempotent(sandbox, sample_csv):
    sandbox.build_features(sample_csv)
    sandbox.job("model-train", "--set", "model_params.n_estimators=5", "--set", "promote_to=Production")
    sandbox.job("model-deployment")  # creates the deployment experiment
    done = sandbox.job("demo-setup")
    assert any(line.startswith("deleted model") and "1 version" in line for line in done)
    assert sum(line.startswith("deleted experiment") for line in done) == 1  # no candidate: no deployment run
    assert not sandbox.registry().exists()
    for key in ("features", "labels", "reference"):
        assert not sandbox.runtime.lakehouse.exists(sandbox.table(key))
    again = sandbox.job("demo-setup")
    assert all(line.startswith("no ") for line in again)
    # Names are free again: the next train creates the experiment and version 1 afresh.
    sandbox.build_features(sample_csv)
    assert sandbox.job("model-train", "--set", "model_params.n_estimators=5").version == 1


def test_demo_setup_steps_can_be_switched_off(sandbox, built_sample):
    sandbox.copy_built(built_sample)
    done = sandbox.job("demo-setup", "--set", "drop_feature_table=false", "--set", "delete_model_versions=false",
                       "--set", "delete_experiments=false", "--set", "drop_bronze_table=false",
                       "--set", "drop_monitoring_tables=false")
    assert sandbox.runtime.lakehouse.exists(sandbox.table("features"))
    assert sandbox.runtime.lakehouse.exists(sandbox.table("bronze"))
    assert not sandbox.runtime.lakehouse.exists(sandbox.table("labels"))
    assert len(done) == 3  # labels, reference, predictions


def test_rerunning_feature_table_creation_replaces_and_never_duplicates(sandbox, built_sample):
    sandbox.copy_built(built_sample)
    first = {key: sandbox.read(key).sort_values("customerID").reset_index(drop=True) for key in ("features", "labels", "reference")}
    versions = {key: sandbox.delta_version(key) for key in first}
    sandbox.job("feature-table-creation")
    for key, frame in first.items():
        assert sandbox.delta_version(key) == versions[key] + 1  # one overwrite commit each
        again = sandbox.read(key).sort_values("customerID").reset_index(drop=True)
        assert again["customerID"].is_unique
        assert again.equals(frame)
