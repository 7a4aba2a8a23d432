"""Classic local JVM Spark with Delta Lake. Needs Java, `pyspark` and `delta-spark`, and
reaches Maven Central at start to download the Delta jars; not used by the test suite."""

from __future__ import annotations

import atexit

from telco_churn.engine import Engine


def start_classic() -> Engine:
    from delta import configure_spark_with_delta_pip
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master("local[*]")
        .appName("telco-churn")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.shuffle.partitions", "4")
    )
    spark = configure_spark_with_delta_pip(builder).getOrCreate()
    engine = Engine(kind="classic", spark=spark, _stop=spark.stop)
    atexit.register(engine.stop)
    return engine
