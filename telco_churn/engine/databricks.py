"""The Databricks runtime's own session, or Databricks Connect from a laptop."""

from __future__ import annotations

from telco_churn.engine import Engine, on_databricks


def start_databricks() -> Engine:
    on_cluster = on_databricks()
    if on_cluster:
        from pyspark.sql import SparkSession

        spark = SparkSession.builder.getOrCreate()
    else:
        # Databricks Connect reads host and credentials from its own config, never from us.
        from databricks.connect import DatabricksSession

        spark = DatabricksSession.builder.getOrCreate()
    # The runtime owns the session; stopping it would break the rest of the job run.
    return Engine(kind="databricks", spark=spark, _stop=lambda: None, sees_client_files=on_cluster,
                  description="" if on_cluster else "Databricks Connect")
