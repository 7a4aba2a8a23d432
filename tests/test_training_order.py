"""model-train fits the same model on the same rows in whatever order a join hands them back."""

from __future__ import annotations

import pandas as pd

from telco_churn.config.jobs import ModelTrainConfig
from telco_churn.paths import DATA_FILE
from telco_churn.pipelines.model_train import fit


def _training_rows() -> pd.DataFrame:
    raw = pd.read_csv(DATA_FILE).head(600)
    label = (raw.pop("Churn") == "Yes").astype(int)
    numeric = raw[["SeniorCitizen", "tenure", "MonthlyCharges"]].astype(float)
    return numeric.assign(Contract=raw["Contract"], churn=label)


def test_the_same_rows_in_another_order_give_the_same_metrics():
    conf = ModelTrainConfig.model_validate({"test_size": 0.25, "random_state": 42, "register_model": False,
                                            "model_params": {"n_estimators": 10, "random_state": 42}})
    rows = _training_rows()
    shuffled = rows.sample(frac=1.0, random_state=7).reset_index(drop=True)
    first, second = fit(rows, "churn", conf), fit(shuffled, "churn", conf)
    assert first.metrics == second.metrics
    assert first.x_train.equals(second.x_train)
