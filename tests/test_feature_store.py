"""Local feature store round trip: table, training set, model with lookups, scoring by keys."""

from __future__ import annotations

import mlflow
import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier

from telco_churn.errors import DataValidationError
from telco_churn.feature_store import FeatureLookup
from telco_churn.model.churn_classifier import ChurnClassifier, score_frame


@pytest.fixture
def store(runtime, sandbox):
    return runtime.feature_store(sandbox.env)


def _features(n=200, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"key": [f"k{i}" for i in range(n)], "x1": rng.normal(size=n), "x2": rng.integers(0, 5, n).astype(float)})


def test_round_trip_scores_by_keys_like_by_hand(runtime, sandbox, store):
    features = _features()
    labels = pd.DataFrame({"key": features.key, "y": (features.x1 + features.x2 / 5 > 0.4).astype(int)})
    table = f"{sandbox.env.schema_name}.fs_features"
    store.create_table(table, runtime.spark.createDataFrame(features), ["key"], "test features")
    assert store.table_metadata(table)["description"] == "test features"
    assert store.read_table(table).count() == len(features)

    lookups = [FeatureLookup(table, ("key",))]
    training_set = store.create_training_set(runtime.spark.createDataFrame(labels), lookups, "y", ["key"])
    train = training_set.load_df().toPandas()
    assert sorted(train.columns) == ["x1", "x2", "y"]
    model = RandomForestClassifier(n_estimators=10, max_depth=3, random_state=0).fit(train[["x1", "x2"]], train.y)

    runtime.tracking(sandbox.env).activate()
    experiment = runtime.tracking(sandbox.env).ensure_experiment(sandbox.env.experiments.training)
    with mlflow.start_run(experiment_id=experiment):
        version = store.log_model(ChurnClassifier(model, ["x1", "x2"]), "model", training_set=training_set,
                                  registered_model_name=sandbox.env.registered_model_name)
    assert version == 1

    # Score keys only, in a shuffled order: the features must be looked up, not taken from the input.
    keys = features[["key"]].sample(frac=1.0, random_state=1)
    scored = store.score_batch(f"models:/{sandbox.env.registered_model_name}/1", runtime.spark.createDataFrame(keys))
    got = scored.toPandas().set_index("key").sort_index()
    expected = score_frame(model, features.set_index("key")[["x1", "x2"]]).sort_index()
    assert len(got) == len(features)
    np.testing.assert_array_equal(got.prediction.to_numpy(), expected.prediction.to_numpy())
    np.testing.assert_allclose(got.probability.to_numpy(), expected.probability.to_numpy(), rtol=0, atol=1e-12)

    assert store.drop_table(table) is True
    assert store.drop_table(table) is False


def test_duplicate_primary_keys_are_refused_before_writing(runtime, sandbox, store):
    features = _features(10)
    features.loc[3, "key"] = "k1"
    table = f"{sandbox.env.schema_name}.fs_dupes"
    with pytest.raises(DataValidationError, match=r"not unique.*'k1' appears 2 times"):
        store.create_table(table, runtime.spark.createDataFrame(features), ["key"], "d")
    assert not runtime.lakehouse.exists(table)


def test_missing_primary_key_column_is_named(runtime, sandbox, store):
    with pytest.raises(DataValidationError, match=r"\['customerID'\]"):
        store.create_table(f"{sandbox.env.schema_name}.fs_nokey", runtime.spark.createDataFrame(_features(5)), ["customerID"], "d")


def test_metadata_cut_off_mid_write_leaves_the_previous_file(runtime, sandbox, store, monkeypatch):
    from pathlib import Path

    table = f"{sandbox.env.schema_name}.fs_meta"
    store.create_table(table, runtime.spark.createDataFrame(_features(20)), ["key"], "first")
    write_text = Path.write_text

    def cut_off(path, text, *args, **kwargs):  # half the file, then the process "dies"
        write_text(path, text[: len(text) // 2], *args, **kwargs)
        raise KeyboardInterrupt("killed mid-write")

    monkeypatch.setattr(Path, "write_text", cut_off)
    with pytest.raises(KeyboardInterrupt):
        store.create_table(table, runtime.spark.createDataFrame(_features(20)), ["key"], "second")
    monkeypatch.undo()
    assert store.table_metadata(table)["description"] == "first"
    assert [p.name for p in store.metadata_dir.iterdir() if p.suffix == ".tmp"] == []  # no scratch left


def test_the_scoring_pass_counts_every_missing_or_non_finite_feature_in_its_batch():
    import pyarrow as pa

    from telco_churn.feature_store.local import refused_rows

    def batch(tenure, charges):
        return pa.RecordBatch.from_pydict({"customerID": ["a", "b"], "tenure": pa.array(tenure, pa.int32()),
                                           "MonthlyCharges": pa.array(charges, pa.float64())})

    features = ["tenure", "MonthlyCharges"]
    assert refused_rows(batch([1, 2], [1.0, 2.0]), features) == 0
    assert refused_rows(batch([1, 2], [None, 2.0]), features) == 1  # a lone null in a float feature
    assert refused_rows(batch([1, None], [1.0, 2.0]), features) == 1
    assert refused_rows(batch([1, 2], [float("nan"), float("inf")]), features) == 2
    assert refused_rows(batch([None, 2], [None, float("-inf")]), features) == 3  # a key without features, one inf
    assert refused_rows(batch([1, 2], [None, 2.0]), ["tenure"]) == 0  # only the model's features count
