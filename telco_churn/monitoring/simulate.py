"""Daily batches of customers drawn from the real rows, with a chosen shift from a chosen day, and
their labels known a chosen number of days later.

As resample.py does: whole real rows with new keys and a fixed seed. The shift reweights the draw
(more month-to-month contracts, another fibre-optic share), so each row keeps its real label and
churn moves with the customers; higher charges scale MonthlyCharges and TotalCharges.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import numpy as np
import pandas as pd

from telco_churn.resample import ID_COLUMN, read_customers


@dataclass(frozen=True)
class Shift:
    month_to_month: float | None = None  # share of month-to-month contracts (real data: 0.55)
    fiber_optic: float | None = None  # share of fibre-optic internet (real data: 0.44)
    charges_factor: float = 1.0  # MonthlyCharges and TotalCharges multiplied by this

    def weights(self, raw: pd.DataFrame) -> np.ndarray:
        w = np.ones(len(raw))
        for column, value, share in (("Contract", "Month-to-month", self.month_to_month),
                                     ("InternetService", "Fiber optic", self.fiber_optic)):
            if share is not None:
                if not 0.0 < share < 1.0:
                    raise ValueError(f"a target share of {column} = {value} must be between 0 and 1, got {share}")
                hit = (raw[column] == value).to_numpy()
                now = hit.mean()
                w *= np.where(hit, share / now, (1 - share) / (1 - now))
        return w / w.sum()

    def apply(self, rows: pd.DataFrame) -> pd.DataFrame:
        if self.charges_factor == 1.0:
            return rows
        rows = rows.copy()
        for column in ("MonthlyCharges", "TotalCharges"):
            numbers = pd.to_numeric(rows[column], errors="coerce")  # a blank TotalCharges stays blank
            scaled = (numbers * self.charges_factor).round(2)
            rows[column] = np.where(numbers.isna(), rows[column], scaled.map("{:.2f}".format))
        return rows


@dataclass(frozen=True)
class Simulation:
    batches: pd.DataFrame  # raw text columns as the CSV has them, plus `day`
    labels: pd.DataFrame  # customerID, churn (0/1), known_at (UTC)

    def days(self) -> list[date]:
        return sorted(self.batches["day"].unique())


def simulate(days: int, rows_per_day: int, start: date, shift: Shift, shift_from_day: int, label_delay_days: int,
             seed: int = 20240, raw: pd.DataFrame | None = None, id_prefix: str = "S") -> Simulation:
    """days batches of rows_per_day customers; from day index shift_from_day on, drawn with the shift."""
    raw = read_customers() if raw is None else raw
    rng = np.random.default_rng(seed)
    normal, shifted = np.full(len(raw), 1 / len(raw)), shift.weights(raw)
    batches = []
    for d in range(days):
        drifting = d >= shift_from_day
        picks = rng.choice(len(raw), size=rows_per_day, p=shifted if drifting else normal)
        day = start + timedelta(days=d)
        batch = raw.iloc[picks].reset_index(drop=True)
        batch = shift.apply(batch) if drifting else batch
        # New keys, never a real id (those start with a digit), unique across days.
        batch[ID_COLUMN] = [f"{id_prefix}{day:%Y%m%d}{i:06d}" for i in range(rows_per_day)]
        batch["day"] = day
        batches.append(batch)
    all_rows = pd.concat(batches, ignore_index=True)
    known = [datetime.combine(d + timedelta(days=label_delay_days), time(), tzinfo=timezone.utc) for d in all_rows["day"]]
    labels = pd.DataFrame({ID_COLUMN: all_rows[ID_COLUMN], "churn": (all_rows["Churn"] == "Yes").astype("int32"),
                           "known_at": known})
    return Simulation(all_rows, labels)


def scored_at(day: date) -> datetime:
    """When a day's batch is scored: noon UTC of that day."""
    return datetime.combine(day, time(12), tzinfo=timezone.utc)


def write_simulation(sim: Simulation, folder) -> list:
    """One raw CSV per day (folder/day=YYYY-MM-DD/customers.csv, for data-ingest mode=append) and
    folder/late_labels.csv (customerID, churn, known_at); the paths written."""
    from pathlib import Path

    folder = Path(folder)
    written = []
    for day, batch in sim.batches.groupby("day"):
        path = folder / f"day={day:%Y-%m-%d}" / "customers.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        batch.drop(columns=["day"]).to_csv(path, index=False)
        written.append(path)
    labels = folder / "late_labels.csv"
    sim.labels.assign(known_at=sim.labels["known_at"].map(lambda t: t.isoformat())).to_csv(labels, index=False)
    return [*written, labels]
