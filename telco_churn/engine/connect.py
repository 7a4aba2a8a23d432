"""A cluster that serves its Spark session over Spark Connect ($SPARK_REMOTE), as Databricks
serverless and Spark 4 clusters do. The session is the cluster's: stopping us stops only
our client.

Its tables live as Delta folders under the cluster's warehouse, $SPARK_WAREHOUSE_DIR: a
Spark Connect server such as Sail keeps its catalog in memory, per session, so the tables
are registered by location in each new session (see lakehouse.local).
"""

from __future__ import annotations

import os
from pathlib import Path

from telco_churn.engine import CONNECT_CLIENT_CONF, SPARK_REMOTE_VAR, Engine
from telco_churn.errors import ConfigError

WAREHOUSE_VAR = "SPARK_WAREHOUSE_DIR"


def warehouse_dir() -> Path:
    value = os.environ.get(WAREHOUSE_VAR)
    if not value:
        raise ConfigError("the cluster's environment", f"a Spark Connect cluster must set {WAREHOUSE_VAR}, the folder of its tables",
                          WAREHOUSE_VAR)
    return Path(value)


def start_connect() -> Engine:
    from pyspark.sql import SparkSession

    remote = os.environ.get(SPARK_REMOTE_VAR)
    if not remote:
        raise ConfigError("the cluster's environment", "engine 'connect' needs the Spark Connect URL of the cluster", SPARK_REMOTE_VAR)
    spark = SparkSession.builder.remote(remote).config(map=CONNECT_CLIENT_CONF).getOrCreate()
    return Engine(kind="connect", spark=spark, _stop=spark.stop,
                  description=f"Spark Connect cluster {remote}, warehouse {warehouse_dir()}")
