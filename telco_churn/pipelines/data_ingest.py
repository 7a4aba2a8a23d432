"""data-ingest: the raw customers CSV becomes the bronze Delta table."""

from __future__ import annotations

from pathlib import Path

from telco_churn.config.jobs import DataIngestConfig
from telco_churn.errors import DataValidationError
from telco_churn.paths import DATA_FILE
from telco_churn.workload import JobContext


class DataIngest:
    def __init__(self, conf: DataIngestConfig, ctx: JobContext):
        self.conf, self.ctx = conf, ctx

    @property
    def source(self) -> Path:
        return DATA_FILE if self.conf.source == "package" else Path(self.conf.source)

    def run(self) -> int:
        """Rows written; 0 when an existing table was kept."""
        import pandas as pd

        table = self.ctx.env.table("bronze")
        if self.conf.mode == "if_missing" and self.ctx.lakehouse.exists(table):
            self.ctx.logger.info("Bronze table %s exists; kept (mode if_missing)", table)
            return 0
        # Bronze keeps the raw text: blanks and bad numbers are judged by feature-table-creation.
        try:
            raw = pd.read_csv(self.source, dtype=str, keep_default_na=False)
        except (OSError, ValueError) as exc:
            raise DataValidationError(f"Cannot read customers CSV {self.source}: {exc}") from None
        if raw.empty:
            raise DataValidationError(f"Customers CSV {self.source} has no rows")
        self.ctx.lakehouse.write(self.ctx.spark.createDataFrame(raw), table, "overwrite")
        self.ctx.logger.info("Wrote %d rows from %s to bronze table %s", len(raw), self.source.name, table)
        return len(raw)
