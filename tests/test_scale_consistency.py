"""Scoring a resampled set: the Spark path gives exactly what the model gives by hand in pandas."""

from __future__ import annotations

import copy
from dataclasses import dataclass

import mlflow
import numpy as np
import pandas as pd
import pytest

from telco_churn.feature_store import local as local_store
from telco_churn.feature_store.base import PREDICTION, PROBABILITY
from telco_churn.model.churn_classifier import predict_proba
from telco_churn.resample import read_customers, resample_customers, write_bronze
from tests.conftest import Sandbox

ROWS = 20_000
ID = "customerID"


@dataclass
class Scale:
    box: Sandbox
    version: int
    features: pd.DataFrame  # the feature table, indexed by key

    @property
    def uri(self) -> str:
        return f"models:/{self.box.env.registered_model_name}/{self.version}"


@pytest.fixture(scope="module")
def scale(runtime) -> Scale:
    """ROWS resampled customers in a sandbox's bronze table, their features, a depth-8 model in Production."""
    box = Sandbox(runtime, "scale_consistency")
    write_bronze(runtime.lakehouse.path_for(box.table("bronze")), resample_customers(ROWS, seed=11))
    box.job("feature-table-creation")
    trained = box.job("model-train", "--set", "model_params.n_estimators=30", "--set", "model_params.max_depth=8",
                      "--set", "promote_to=Production")
    return Scale(box, trained.version, box.read("features").set_index(ID))


def _by_hand(scale: Scale) -> pd.DataFrame:
    """The registered model loaded in this process and run on the feature table's rows, keyed by id."""
    model = mlflow.pyfunc.load_model(scale.uri)
    scores = model.predict(scale.features.reset_index())
    scores.index = scale.features.index
    return scores


def _assert_identical(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert got.index.is_unique and len(got) == len(expected) == ROWS
    got = got.loc[expected.index]  # KeyError if a key is missing or foreign
    np.testing.assert_array_equal(got[PREDICTION].to_numpy(), expected[PREDICTION].to_numpy())
    np.testing.assert_array_equal(got[PROBABILITY].to_numpy(), expected[PROBABILITY].to_numpy())


def test_resampled_customers_are_new_keys_with_the_real_distributions():
    real, sample = read_customers(), resample_customers(ROWS, seed=11)
    assert list(sample.columns) == list(real.columns)
    assert sample[ID].is_unique and not set(sample[ID]) & set(real[ID])
    assert sample.equals(resample_customers(ROWS, seed=11))
    for column in ("Contract", "Churn", "InternetService"):
        shares = sample[column].value_counts(normalize=True)
        expected = real[column].value_counts(normalize=True)
        assert (shares - expected).abs().max() < 0.02, column


def test_score_batch_equals_the_model_by_hand(runtime, scale):
    # Keys only, shuffled: features must be looked up by key and kept with their key.
    keys = scale.features.index.to_frame(index=False).sample(frac=1.0, random_state=5)
    store = runtime.feature_store(scale.box.env)
    scored = store.score_batch(scale.uri, runtime.spark.createDataFrame(keys))
    got = scored.select(ID, PREDICTION, PROBABILITY).toPandas().set_index(ID)
    expected = _by_hand(scale)
    _assert_identical(got, expected)
    # The check can fail: the same scores attached to other keys do not pass.
    shifted = expected.copy()
    shifted[PROBABILITY] = np.roll(expected[PROBABILITY].to_numpy(), 1)
    with pytest.raises(AssertionError):
        _assert_identical(got, shifted)


def test_score_batch_in_many_model_calls_keeps_each_batch_with_its_scores(runtime, scale, monkeypatch):
    # One model call per engine batch (at most 8,192 rows): the pass scores batch i while it pulls
    # batch i+1, so each partition's batches and their scores must still pair up, in order.
    monkeypatch.setattr(local_store, "SCORE_BATCH_ROWS", 1)
    keys = scale.features.index.to_frame(index=False).sample(frac=1.0, random_state=7)
    store = runtime.feature_store(scale.box.env)
    scored = store.score_batch(scale.uri, runtime.spark.createDataFrame(keys))
    _assert_identical(scored.select(ID, PREDICTION, PROBABILITY).toPandas().set_index(ID), _by_hand(scale))


def test_inference_job_writes_the_model_by_hand_scores(scale):
    result = scale.box.job("model-inference-batch")
    assert (result.rows, result.model_version) == (ROWS, scale.version)
    written = scale.box.read("predictions").set_index(ID)
    assert set(written.model_version) == {scale.version}
    _assert_identical(written, _by_hand(scale))


def test_block_scoring_has_the_bits_of_one_single_thread_sklearn_call(scale, monkeypatch):
    import telco_churn.model.churn_classifier as classifier

    model = mlflow.pyfunc.load_model(scale.uri).unwrap_python_model()
    features = scale.features[model.feature_names]
    reference = copy.deepcopy(model.pipeline).set_params(classifier__n_jobs=1)
    monkeypatch.setattr(classifier, "BLOCK_ROWS", 1_000)  # 20 blocks shared by the threads
    np.testing.assert_array_equal(predict_proba(model.pipeline, features), reference.predict_proba(features))
