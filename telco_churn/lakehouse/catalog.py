"""Managed Delta tables in the session's catalog (Databricks: workspace metastore or Unity Catalog)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telco_churn.errors import DataValidationError
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

    def replace_rows(self, df: "DataFrame", name: str) -> None:
        """Replaces every row of the existing table in one commit (INSERT OVERWRITE), keeping the
        table itself: its primary-key constraint, comments and properties, which an overwrite with
        `overwriteSchema` (a new table definition) would drop. New columns are added first;
        a column that df lacks is refused before anything is written."""
        table = TableName.parse(name)
        current = self.spark.table(str(table)).columns
        removed = [c for c in current if c not in df.columns]
        if removed:
            raise DataValidationError(
                f"Table {table}: the new rows lack column(s) {removed} that the table has; nothing was written. "
                f"Drop the table (demo-setup) to rebuild it with the new columns, or drop those columns from it.")
        added = [field for field in df.schema.fields if field.name not in current]
        if added:
            columns = ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in added)
            self.spark.sql(f"ALTER TABLE {table} ADD COLUMNS ({columns})")
        # By name, in the table's order: INSERT matches columns by position.
        names = ", ".join(f"`{c}`" for c in [*current, *(f.name for f in added)])
        with self._temp_view(df, "replace_source") as view:
            self.spark.sql(f"INSERT OVERWRITE {table} SELECT {names} FROM {view}")
