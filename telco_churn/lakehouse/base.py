"""What every lakehouse offers the pipelines: read, write, merge and drop tables by name."""

from __future__ import annotations

import re
import uuid
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator, Literal

from telco_churn.errors import TableNotFoundError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

WriteMode = Literal["overwrite", "append"]
_PART = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class TableName:
    """`db.table` (workspace metastore) or `catalog.schema.table` (Unity Catalog)."""

    catalog: str | None
    schema: str
    table: str

    @classmethod
    def parse(cls, name: str) -> "TableName":
        parts = name.split(".")
        if len(parts) not in (2, 3) or not all(_PART.match(p) for p in parts):
            raise ValueError(f"table name '{name}' must be db.table or catalog.schema.table")
        parts = [p.lower() for p in parts]
        return cls(None, *parts) if len(parts) == 2 else cls(*parts)

    @property
    def schema_name(self) -> str:
        return f"{self.catalog}.{self.schema}" if self.catalog else self.schema

    def __str__(self) -> str:
        return f"{self.schema_name}.{self.table}"


@dataclass(frozen=True)
class TableVersion:
    """One committed Delta version of a table, and the note (userMetadata) its writer left."""

    version: int
    note: str | None


class Lakehouse(ABC):
    def __init__(self, spark: "SparkSession"):
        self.spark = spark

    @abstractmethod
    def exists(self, name: str) -> bool: ...

    @abstractmethod
    def _read(self, table: TableName, version: int | None) -> "DataFrame": ...

    @abstractmethod
    def _latest_version(self, table: TableName) -> TableVersion: ...

    @abstractmethod
    def _write(self, df: "DataFrame", table: TableName, mode: WriteMode, note: str | None) -> None: ...

    @abstractmethod
    def _drop(self, table: TableName) -> None: ...

    def read(self, name: str, hint: str = "", version: int | None = None) -> "DataFrame":
        """The table as it is now, or as of a committed version."""
        self._must_exist(name, hint)
        return self._read(TableName.parse(name), version)

    def latest_version(self, name: str, hint: str = "") -> TableVersion:
        self._must_exist(name, hint)
        return self._latest_version(TableName.parse(name))

    def _must_exist(self, name: str, hint: str) -> None:
        if not self.exists(name):
            raise TableNotFoundError(str(TableName.parse(name)), hint)

    def write(self, df: "DataFrame", name: str, mode: WriteMode = "overwrite", note: str | None = None) -> None:
        """Writes df; overwrite replaces rows and schema in one Delta commit, which keeps `note`."""
        table = TableName.parse(name)
        self.create_database(table.schema_name)
        self._write(df, table, mode, note)

    def replace_where(self, df: "DataFrame", name: str, condition: str) -> None:
        """Replaces the rows matching the SQL condition with df's rows, in one Delta commit (replaceWhere)."""
        if not self.exists(name):
            self.write(df, name, "overwrite")
            return
        self._save(df.write.format("delta").mode("overwrite").option("replaceWhere", condition), TableName.parse(name))

    def _save(self, writer, table: TableName) -> None:
        """Runs a prepared Delta writer against the table."""
        raise NotImplementedError

    def merge(self, df: "DataFrame", name: str, keys: list[str]) -> None:
        """Upserts df into the table on keys; creates it if absent."""
        if not self.exists(name):
            self.write(df, name, "overwrite")
            return
        on = " AND ".join(f"t.`{k}` = s.`{k}`" for k in keys)
        with self._temp_view(df, "merge_source") as view:
            self.spark.sql(
                f"MERGE INTO {TableName.parse(name)} AS t USING {view} AS s ON {on} "
                "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *"
            )

    @contextmanager
    def _temp_view(self, df: "DataFrame", prefix: str) -> Iterator[str]:
        """df as a temporary view with a name of its own, dropped afterwards."""
        view = f"{prefix}_{uuid.uuid4().hex}"
        df.createOrReplaceTempView(view)
        try:
            yield view
        finally:
            self.spark.catalog.dropTempView(view)

    def drop(self, name: str) -> bool:
        """Drops the table; False if it did not exist."""
        if not self.exists(name):
            return False
        self._drop(TableName.parse(name))
        return True

    @staticmethod
    def _delta_writer(df: "DataFrame", mode: WriteMode, note: str | None):
        writer = df.write.format("delta").mode(mode)
        if note is not None:
            writer = writer.option("userMetadata", note)
        # An overwrite may change the columns (a new one-hot category, say).
        return writer.option("overwriteSchema", "true") if mode == "overwrite" else writer

    def create_database(self, schema_name: str) -> None:
        """Creates the schema if the catalog does not know it.

        Asked first because `CREATE ... IF NOT EXISTS` needs the CREATE SCHEMA privilege even
        when the schema exists, which a job's principal with only USE SCHEMA does not have.
        """
        if not self.spark.catalog.databaseExists(schema_name):
            self.spark.sql(f"CREATE DATABASE IF NOT EXISTS {schema_name}")

    def drop_database(self, schema_name: str) -> None:
        """Drops the database and every table in it."""
        self.spark.sql(f"DROP DATABASE IF EXISTS {schema_name} CASCADE")
