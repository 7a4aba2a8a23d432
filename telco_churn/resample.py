"""Larger customer sets drawn from the real rows, for scale benchmarks and tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from telco_churn.paths import DATA_FILE

ID_COLUMN = "customerID"
SEED = 20240


def read_customers(path: str | Path = DATA_FILE) -> pd.DataFrame:
    """The raw CSV as text, exactly as data-ingest reads it."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def resample_customers(rows: int, seed: int = SEED, raw: pd.DataFrame | None = None,
                       id_column: str = ID_COLUMN) -> pd.DataFrame:
    """rows customers sampled with replacement from raw (default the real data), with new unique ids.

    Sampling whole rows keeps every column's distribution and the relations between columns.
    """
    raw = read_customers() if raw is None else raw
    picks = np.random.default_rng(seed).integers(0, len(raw), size=rows)
    sample = raw.iloc[picks].reset_index(drop=True)
    # A prefix that no real id has (they start with digits), so the two sets never collide.
    sample[id_column] = np.char.add("R", np.char.zfill(np.arange(rows).astype(str), 8)).astype(object)
    return sample


def write_bronze(path: str | Path, customers: pd.DataFrame) -> None:
    """Replaces the Delta table at path with customers (text columns), without going through Spark.

    A 1M-row frame is larger than Spark Connect's 128 MiB message limit, so createDataFrame
    cannot carry it; the lakehouse reads tables by path, so no registration is needed.
    """
    import pyarrow as pa
    from deltalake import write_deltalake

    table = pa.Table.from_pandas(customers.astype(str), preserve_index=False)
    write_deltalake(str(path), table, mode="overwrite", schema_mode="overwrite")


def write_csv(path: str | Path, customers: pd.DataFrame) -> None:
    """Writes customers as a CSV like the real one (header, commas, quotes only where needed), fast."""
    import pyarrow as pa
    from pyarrow import csv

    table = pa.Table.from_pandas(customers.astype(str), preserve_index=False)
    csv.write_csv(table, str(path), csv.WriteOptions(quoting_style="needed"))
