"""Telco churn MLOps: the model lifecycle on Databricks or on one machine."""

__version__ = "0.1.0"
