"""data-ingest: the raw customers CSV becomes the bronze Delta table, once it passes the contract."""

from __future__ import annotations

import codecs
from pathlib import Path

from telco_churn.config.jobs import DataIngestConfig
from telco_churn.contracts.csv_checks import CsvFormat, check_csv
from telco_churn.contracts.ingest_record import ContractRecord
from telco_churn.contracts.report import checked
from telco_churn.contracts.table_checks import check_contract, contract_row_count
from telco_churn.errors import DataValidationError
from telco_churn.pipelines.locking import taking_turns
from telco_churn.paths import DATA_FILE
from telco_churn.workload import JobContext


class DataIngest:
    def __init__(self, conf: DataIngestConfig, ctx: JobContext):
        self.conf, self.ctx = conf, ctx

    @property
    def source(self) -> Path:
        return DATA_FILE if self.conf.source == "package" else Path(self.conf.source).expanduser().resolve()

    def run(self) -> int:
        """Rows written; 0 when an existing table was kept."""
        with taking_turns(self.ctx, f"data-ingest {self.ctx.env.table('bronze')}"):
            return self._ingest()

    def _ingest(self) -> int:
        table, contract, log = self.ctx.env.table("bronze"), self.conf.contract, self.ctx.logger
        if self.conf.mode == "if_missing" and self.ctx.lakehouse.exists(table):
            log.info("Bronze table %s exists; kept (mode if_missing)", table)
            return 0
        fmt = CsvFormat(self.conf.encoding, self.conf.delimiter)
        shape, rows = check_csv(self.source, fmt, contract.required_columns, contract.key)
        checked(shape, log)
        raw = self._read(fmt)
        if codecs.lookup(fmt.encoding).name != "utf-8":
            self._check_engine_decoded(raw, fmt.encoding)
        values = checked(check_contract(raw, contract, f"CSV file {self.source}"), log)
        if contract_row_count(values) != rows:
            raise DataValidationError(
                f"CSV file {self.source}: the engine read {contract_row_count(values)} row(s) where the "
                f"file check counted {rows}; nothing was written")
        # One Delta commit: a failure or a kill before it leaves the previous version. The commit
        # records that its rows passed the contract: feature-table-creation need not check them again.
        record = ContractRecord.of(values, contract)
        if self.conf.mode == "append":
            # New batches onto the old rows: this file passed, but keys may repeat across batches, so no
            # record is left and feature-table-creation checks the whole table again.
            self.ctx.lakehouse.write(raw, table, "append")
        else:
            self.ctx.lakehouse.write(raw, table, "overwrite", note=record.to_note())
        log.info("Wrote %d rows from %s to bronze table %s (%d contract warning(s))",
                 rows, self.source.name, table, values.warning_count)
        return rows

    def _read(self, fmt: CsvFormat):
        """The file as a DataFrame of strings (bronze keeps the raw text).

        An engine that sees this machine's files reads the file itself (as a cluster reads cloud
        storage): nothing of it passes through this process, so any size fits in Spark Connect's
        message limit. Through Databricks Connect the engine is a remote cluster, to which a path
        of this machine means nothing: the file is read here and sent as data (the Spark Connect
        client ships a large local relation as an artifact). Uploading it to a volume instead
        would need a volume setting and WRITE VOLUME for a file the job only reads once.
        """
        if self.ctx.runtime.engine.sees_client_files:
            return (self.ctx.spark.read.option("header", True).option("sep", fmt.delimiter)
                    .option("encoding", fmt.encoding).option("multiLine", False).csv(self.source.as_uri()))
        import pandas as pd
        from pyspark.sql.types import StringType, StructField, StructType

        # As the engine's reader: every value a string, an empty field null.
        frame = pd.read_csv(self.source, sep=fmt.delimiter, encoding=fmt.encoding, dtype=str,
                            keep_default_na=False, na_values=[""])
        schema = StructType([StructField(str(c), StringType()) for c in frame.columns])
        return self.ctx.spark.createDataFrame(frame.astype(object).where(frame.notna(), None), schema)

    def _check_engine_decoded(self, raw, encoding: str) -> None:
        """Refuses text the engine decoded as UTF-8 although the file is in another encoding.

        The file decoded cleanly in `encoding` (check_csv), so a U+FFFD replacement character
        in the engine's values means it ignored the `encoding` option, as Sail 0.7.2 does.
        """
        from pyspark.sql import functions as F

        replaced = F.lit(False)
        for column in raw.columns:
            replaced = replaced | F.coalesce(F.col(f"`{column}`").contains("\ufffd"), F.lit(False))
        found = raw.filter(replaced).agg(F.count(F.lit(1)).alias("n"), F.min(F.to_json(F.struct("*"))).alias("e")).first()
        if found["n"]:
            raise DataValidationError(
                f"CSV file {self.source}: the engine did not read the file as {encoding}: {found['n']} row(s) came "
                f"out with undecodable characters, e.g. {found['e'][:200]}. Convert the file to UTF-8 "
                f"(iconv -f {encoding} -t utf-8) and set encoding: utf-8. Nothing was written.")
