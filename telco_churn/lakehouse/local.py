"""Tables as Delta folders under one local directory, registered by name in each session."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from telco_churn.lakehouse.base import Lakehouse, TableName, TableVersion, WriteMode

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

# Two-part names live in the workspace metastore, which Databricks calls hive_metastore.
WORKSPACE_CATALOG = "hive_metastore"


class LocalLakehouse(Lakehouse):
    """`db.t` -> <root>/hive_metastore/db/t, `c.s.t` -> <root>/c/s/t.

    The engine's catalog is in memory, so every table found on disk is registered again
    when a session opens; that is what lets the next process read `spark.table("db.t")`.
    """

    def __init__(self, spark: "SparkSession", root: Path):
        super().__init__(spark)
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._register_existing()

    def path_for(self, name: str | TableName) -> Path:
        table = name if isinstance(name, TableName) else TableName.parse(name)
        return self.root / (table.catalog or WORKSPACE_CATALOG) / table.schema / table.table

    def exists(self, name: str) -> bool:
        return (self.path_for(name) / "_delta_log").is_dir()

    def _read(self, table: TableName, version: int | None) -> "DataFrame":
        reader = self.spark.read.format("delta")
        if version is not None:
            reader = reader.option("versionAsOf", version)
        return reader.load(str(self.path_for(table)))

    def _latest_version(self, table: TableName) -> TableVersion:
        # The Delta log's newest commit file (checkpoints never replace it); read here, not through
        # the deltalake package, whose import alone costs a quarter of a second.
        log = self.path_for(table) / "_delta_log"
        version = max(int(p.stem) for p in log.glob("[0-9]" * 20 + ".json"))
        with open(log / f"{version:020d}.json", encoding="utf-8") as commit:
            for line in commit:
                info = json.loads(line).get("commitInfo")
                if info is not None:
                    return TableVersion(version, info.get("userMetadata"))
        return TableVersion(version, None)

    def _write(self, df: "DataFrame", table: TableName, mode: WriteMode, note: str | None) -> None:
        self._delta_writer(df, mode, note).save(str(self.path_for(table)))
        self._register(table)

    def _save(self, writer, table: TableName) -> None:
        writer.save(str(self.path_for(table)))
        self._register(table)

    def _drop(self, table: TableName) -> None:
        self.spark.sql(f"DROP TABLE IF EXISTS {table}")
        shutil.rmtree(self.path_for(table))

    def drop_database(self, schema_name: str) -> None:
        super().drop_database(schema_name)
        *catalog, schema = schema_name.lower().split(".")
        shutil.rmtree(self.root / (catalog[0] if catalog else WORKSPACE_CATALOG) / schema, ignore_errors=True)

    def _register(self, table: TableName) -> None:
        self.spark.sql(
            f"CREATE TABLE IF NOT EXISTS {table} USING DELTA LOCATION '{self.path_for(table)}'"
        )

    def _register_existing(self) -> None:
        for log_dir in sorted(self.root.glob("*/*/*/_delta_log")):
            table_dir = log_dir.parent
            catalog, schema = table_dir.parent.parent.name, table_dir.parent.name
            table = TableName(None if catalog == WORKSPACE_CATALOG else catalog, schema, table_dir.name)
            self.create_database(table.schema_name)
            self._register(table)
