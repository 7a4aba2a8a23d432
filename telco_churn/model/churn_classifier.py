"""The logged model: a fitted scikit-learn pipeline that returns class and churn probability."""

from __future__ import annotations

import mlflow.pyfunc
import numpy as np
import pandas as pd

from telco_churn.feature_store.base import PREDICTION, PROBABILITY


class ChurnClassifier(mlflow.pyfunc.PythonModel):
    """Scores with one predict_proba call; the class is the argmax, as sklearn's predict."""

    def __init__(self, pipeline, feature_names: list[str], positive_class: int = 1):
        self.pipeline = pipeline
        self.feature_names = list(feature_names)
        self.positive_class = positive_class

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        return score_frame(self.pipeline, model_input[self.feature_names], self.positive_class)


def pip_requirements() -> list[str]:
    """Pinned requirements of the logged model; spares MLflow a slow import-tracing subprocess."""
    from importlib.metadata import version

    return [f"{name}=={version(name)}" for name in ("mlflow", "scikit-learn", "pandas", "numpy", "cloudpickle")]


def score_frame(pipeline, features: pd.DataFrame, positive_class: int = 1) -> pd.DataFrame:
    """Class and positive-class probability for each row of features."""
    proba = pipeline.predict_proba(features)
    classes = pipeline.classes_
    return pd.DataFrame({
        PREDICTION: classes[np.argmax(proba, axis=1)].astype("int32"),
        PROBABILITY: proba[:, list(classes).index(positive_class)].astype("float64"),
    }, index=features.index)
