"""Managed Delta tables in the session's catalog (Databricks: workspace metastore or Unity Catalog)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telco_churn.lakehouse.base import Lakehouse, TableName, TableVersion, WriteMode

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


class CatalogLakehouse(Lakehouse):
    def exists(self, name: str) -> bool:
        return self.spark.catalog.tableExists(str(TableName.parse(name)))

    def _read(self, table: TableName, version: int | None) -> "DataFrame":
        if version is None:
            return self.spark.table(str(table))
        return self.spark.sql(f"SELECT * FROM {table} VERSION AS OF {int(version)}")

    def _latest_version(self, table: TableName) -> TableVersion:
        latest = self.spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").first()
        return TableVersion(int(latest["version"]), latest["userMetadata"])

    def _write(self, df: "DataFrame", table: TableName, mode: WriteMode, note: str | None) -> None:
        self._delta_writer(df, mode, note).saveAsTable(str(table))

    def _save(self, writer, table: TableName) -> None:
        writer.saveAsTable(str(table))

    def _drop(self, table: TableName) -> None:
        self.spark.sql(f"DROP TABLE IF EXISTS {table}")
