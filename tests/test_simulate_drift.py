"""The drift simulator: real rows, new keys, the chosen shift from the chosen day, delayed labels."""

from __future__ import annotations

from datetime import date

import pandas as pd

from telco_churn.cli import main
from telco_churn.monitoring.simulate import Shift, simulate


def test_the_shift_starts_on_its_day_and_churn_moves_with_it():
    sim = simulate(4, 3000, date(2026, 12, 1), Shift(0.85, 0.7, 1.25), 2, 3, seed=1)
    by_day = sim.batches.groupby("day")
    m2m = by_day["Contract"].agg(lambda c: (c == "Month-to-month").mean())
    churn = by_day["Churn"].agg(lambda c: (c == "Yes").mean())
    charges = by_day["MonthlyCharges"].agg(lambda c: pd.to_numeric(c).mean())
    assert m2m.iloc[:2].between(0.5, 0.6).all() and m2m.iloc[2:].between(0.82, 0.88).all()
    assert churn.iloc[2:].min() > churn.iloc[:2].max() + 0.1
    assert charges.iloc[2:].min() > 1.2 * charges.iloc[:2].max()
    assert sim.batches.customerID.is_unique and not sim.batches.customerID.str[0].str.isdigit().any()
    first = sim.labels.iloc[0]
    assert first.known_at == pd.Timestamp("2026-12-04", tz="UTC")
    assert (sim.labels.churn == (sim.batches.Churn == "Yes")).all()


def test_same_seed_same_batches():
    a = simulate(2, 50, date(2026, 12, 1), Shift(0.8), 1, 1, seed=5).batches
    b = simulate(2, 50, date(2026, 12, 1), Shift(0.8), 1, 1, seed=5).batches
    pd.testing.assert_frame_equal(a, b)


def test_cli_writes_daily_batches_and_labels(tmp_path, capsys):
    assert main(["simulate-drift", "--out", str(tmp_path), "--days", "2", "--rows-per-day", "5",
                 "--start", "2026-12-01", "--fiber-optic", "0.9"]) == 0
    assert (tmp_path / "day=2026-12-02" / "customers.csv").exists()
    assert len(pd.read_csv(tmp_path / "late_labels.csv")) == 10
    assert main(["simulate-drift", "--out", str(tmp_path), "--month-to-month", "1.5"]) == 2
    assert "between 0 and 1" in capsys.readouterr().err
