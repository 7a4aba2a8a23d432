"""Classification metrics, computed the same way in training and in deployment."""

from __future__ import annotations

import numpy as np

from telco_churn.feature_store.base import PREDICTION, PROBABILITY


def classification_metrics(y_true, scores) -> dict[str, float]:
    """roc_auc, accuracy, precision, recall, f1 and log_loss from PREDICTION/PROBABILITY scores."""
    from sklearn import metrics as m

    y_true = np.asarray(y_true)
    predicted = np.asarray(scores[PREDICTION])
    probability = np.asarray(scores[PROBABILITY])
    return {
        "roc_auc": float(m.roc_auc_score(y_true, probability)),
        "accuracy": float(m.accuracy_score(y_true, predicted)),
        "precision": float(m.precision_score(y_true, predicted, zero_division=0)),
        "recall": float(m.recall_score(y_true, predicted, zero_division=0)),
        "f1": float(m.f1_score(y_true, predicted, zero_division=0)),
        "log_loss": float(m.log_loss(y_true, probability, labels=[0, 1])),
    }
