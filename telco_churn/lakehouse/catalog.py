"""Managed Delta tables in the session's catalog (Databricks: workspace metastore or Unity Catalog)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telco_churn.lakehouse.base import Lakehouse, TableName, WriteMode

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


class CatalogLakehouse(Lakehouse):
    def exists(self, name: str) -> bool:
        return self.spark.catalog.tableExists(str(TableName.parse(name)))

    def _read(self, table: TableName) -> "DataFrame":
        return self.spark.table(str(table))

    def _write(self, df: "DataFrame", table: TableName, mode: WriteMode) -> None:
        self._delta_writer(df, mode).saveAsTable(str(table))

    def _drop(self, table: TableName) -> None:
        self.spark.sql(f"DROP TABLE IF EXISTS {table}")
