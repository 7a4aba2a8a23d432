"""One feature-store interface, implemented locally and on Databricks."""

from telco_churn.feature_store.base import FeatureLookup, FeatureStore, TrainingSet

__all__ = ["FeatureLookup", "FeatureStore", "TrainingSet"]
