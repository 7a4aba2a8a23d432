"""The retraining rule's matrix: M of the last N windows breach, and the latest one does."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from telco_churn.pipelines.retraining import Breach, decide, last_windows

DAY = timedelta(days=1)
WINDOWS = last_windows(datetime(2026, 12, 7), DAY, 5)


def _breach(day: int) -> Breach:
    return Breach(WINDOWS[day], "population_stability_index", "MonthlyCharges", 0.31, 0.2)


def _decide(breaching_days, present_days=range(5), m=3):
    return decide(WINDOWS, [WINDOWS[d] for d in present_days], [_breach(d) for d in breaching_days], m)


def test_windows_end_with_the_latest():
    assert WINDOWS[0] == datetime(2026, 12, 3) and WINDOWS[-1] == datetime(2026, 12, 7)


def test_below_m_does_not_retrain():
    d = _decide([3, 4])
    assert not d.retrain and d.breaching == (WINDOWS[3], WINDOWS[4]) and "2 of the last 5" in d.reason


def test_m_of_n_without_the_latest_does_not_retrain():
    d = _decide([0, 1, 2, 3])
    assert not d.retrain and "does not breach" in d.reason and d.latest_breaches == ()


def test_m_of_n_with_the_latest_retrains_and_says_why():
    d = _decide([1, 3, 4])
    assert d.retrain
    assert d.latest_breaches == (_breach(4),)
    assert "population_stability_index(MonthlyCharges, BASELINE)=0.31" in d.reason and "3 of the last 5" in d.reason


def test_missing_windows_count_as_not_breaching():
    d = _decide([2, 3, 4], present_days=[2, 3, 4])
    assert d.retrain and d.missing == WINDOWS[:2] and "without rows" in d.reason
    d = _decide([3, 4], present_days=[3, 4])
    assert not d.retrain


def test_a_missing_latest_window_does_not_retrain():
    d = _decide([1, 2, 3], present_days=[0, 1, 2, 3])
    assert not d.retrain and "has no rows" in d.reason


def test_breaches_outside_the_windows_are_ignored():
    old = Breach(WINDOWS[0] - DAY, "js_distance", "tenure", 0.9, 0.2)
    assert not decide(WINDOWS, WINDOWS, [old, _breach(4)], 2).retrain


def test_m_must_fit_in_n():
    with pytest.raises(ValueError, match="min_breaches"):
        _decide([4], m=6)
