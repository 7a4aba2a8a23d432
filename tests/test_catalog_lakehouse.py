"""The Databricks lakehouse (managed tables in the session's catalog), run on a Sail session:
the statements a job principal with only USE SCHEMA can run, and a feature-table rerun that
keeps the table's definition."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from telco_churn.errors import DataValidationError
from telco_churn.feature_store.databricks import DatabricksFeatureStore
from telco_churn.lakehouse.catalog import CatalogLakehouse


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    """A Sail session of its own, whose managed tables go to a temporary warehouse."""
    os.environ.setdefault("RUST_LOG", "error")
    from pysail.spark import SparkConnectServer
    from pyspark.sql import SparkSession

    server = SparkConnectServer(ip="127.0.0.1", port=0)
    server.start(background=True)
    _, port = server.listening_address
    session = (SparkSession.builder.remote(f"sc://127.0.0.1:{port}")
               .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("warehouse"))).create())
    yield session
    session.stop()
    server.stop()


class RecordingSession:
    """The real session; remembers the SQL it was asked to run."""

    def __init__(self, spark):
        self._spark, self.statements = spark, []

    def sql(self, statement, *args, **kwargs):
        self.statements.append(statement)
        return self._spark.sql(statement, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._spark, name)


def _frame(spark, rows):
    return spark.createDataFrame(pd.DataFrame(rows, columns=["customerID", "tenure"]))


def test_create_schema_runs_only_when_the_schema_is_missing(spark):
    session = RecordingSession(spark)
    lake = CatalogLakehouse(session)
    lake.write(_frame(spark, [("a", 1.0)]), "uc_schema_probe.t1")
    assert any(s.startswith("CREATE DATABASE") for s in session.statements)
    session.statements.clear()
    lake.write(_frame(spark, [("b", 2.0)]), "uc_schema_probe.t2")
    lake.write(_frame(spark, [("c", 3.0)]), "uc_schema_probe.t1")
    # A principal with USE SCHEMA but not CREATE SCHEMA is refused any CREATE, even IF NOT EXISTS.
    assert not [s for s in session.statements if "CREATE" in s.upper()]
    assert sorted(r.customerID for r in lake.read("uc_schema_probe.t1").collect()) == ["c"]


def _feature_store(spark) -> DatabricksFeatureStore:
    # The path of a table that exists never calls the Feature Engineering client, whose
    # constructor needs a Databricks workspace; the store is built without it.
    store = DatabricksFeatureStore.__new__(DatabricksFeatureStore)
    store.spark, store.lakehouse = spark, CatalogLakehouse(spark)
    return store


def _properties(spark, table: str) -> str:
    return next(r.data_type for r in spark.sql(f"DESCRIBE TABLE EXTENDED {table}").collect()
                if r.col_name == "Table Properties")


def test_feature_table_rerun_replaces_rows_and_keeps_the_table_definition(spark):
    spark.sql("CREATE DATABASE IF NOT EXISTS uc_rerun")
    # Created as the Feature Engineering client creates it: a table definition of its own
    # (here a property stands for Unity Catalog's primary-key constraint, which Sail lacks).
    spark.sql("CREATE TABLE uc_rerun.features (customerID STRING NOT NULL, tenure DOUBLE) USING DELTA "
              "TBLPROPERTIES ('telco.primary_key'='customerID')")
    store = _feature_store(spark)
    store.create_table("uc_rerun.features", _frame(spark, [("a", 1.0), ("b", 2.0)]), ["customerID"], "features")
    store.create_table("uc_rerun.features", _frame(spark, [("c", 3.0)]), ["customerID"], "features")
    assert [(r.customerID, r.tenure) for r in spark.table("uc_rerun.features").collect()] == [("c", 3.0)]
    assert "telco.primary_key=customerID" in _properties(spark, "uc_rerun.features")


def test_feature_table_rerun_without_a_column_of_the_table_writes_nothing(spark):
    spark.sql("CREATE DATABASE IF NOT EXISTS uc_rerun")
    store = _feature_store(spark)
    store.lakehouse.write(_frame(spark, [("a", 1.0)]), "uc_rerun.narrowed")
    narrower = spark.createDataFrame(pd.DataFrame({"customerID": ["z"]}))
    with pytest.raises(DataValidationError, match=r"uc_rerun.narrowed.*\['tenure'\].*nothing was written"):
        store.create_table("uc_rerun.narrowed", narrower, ["customerID"], "features")
    assert [r.customerID for r in spark.table("uc_rerun.narrowed").collect()] == ["a"]
