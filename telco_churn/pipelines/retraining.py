"""The retraining rule of model-monitoring, as pure code: at least M of the last N windows breach
a threshold, and the latest window does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Sequence


@dataclass(frozen=True)
class Breach:
    """One metric of one column past its threshold in one window."""

    window_start: datetime
    metric: str
    column: str
    value: float
    threshold: float
    drift_type: str = "BASELINE"

    def describe(self) -> str:
        return f"{self.metric}({self.column}, {self.drift_type})={self.value:.4g} vs threshold {self.threshold:g}"


@dataclass(frozen=True)
class RetrainDecision:
    retrain: bool
    reason: str
    windows: tuple[datetime, ...]  # the last N windows, oldest first
    breaching: tuple[datetime, ...]
    missing: tuple[datetime, ...]  # windows with no logged rows: they count as not breaching
    latest_breaches: tuple[Breach, ...]


def last_windows(latest: datetime, granularity: timedelta, n: int) -> tuple[datetime, ...]:
    """The n window starts that end with latest, oldest first."""
    return tuple(latest - granularity * i for i in reversed(range(n)))


def decide(windows: Sequence[datetime], present: Iterable[datetime], breaches: Iterable[Breach],
           min_breaches: int) -> RetrainDecision:
    """Retrain when at least min_breaches of windows breach and the latest one (windows[-1]) does."""
    if not windows or not 1 <= min_breaches <= len(windows):
        raise ValueError(f"min_breaches must be between 1 and the number of windows ({len(windows)}), got {min_breaches}")
    present = set(present)
    by_window: dict[datetime, list[Breach]] = {}
    for b in breaches:
        if b.window_start in windows:
            by_window.setdefault(b.window_start, []).append(b)
    breaching = tuple(w for w in windows if by_window.get(w))
    missing = tuple(w for w in windows if w not in present)
    latest = windows[-1]
    latest_breaches = tuple(by_window.get(latest, ()))
    counted = f"{len(breaching)} of the last {len(windows)} windows breach (rule: at least {min_breaches})"
    if latest in missing:
        verdict, retrain = f"no retraining: the latest window {latest:%Y-%m-%d %H:%M} has no rows; {counted}", False
    elif not latest_breaches:
        verdict, retrain = f"no retraining: the latest window {latest:%Y-%m-%d %H:%M} does not breach; {counted}", False
    elif len(breaching) < min_breaches:
        verdict, retrain = f"no retraining: {counted}", False
    else:
        shown = "; ".join(b.describe() for b in latest_breaches[:5])
        more = f" (+{len(latest_breaches) - 5} more)" if len(latest_breaches) > 5 else ""
        verdict, retrain = f"retrain: {counted}, the latest included: {shown}{more}", True
    if missing:
        verdict += f"; windows without rows: {', '.join(f'{w:%Y-%m-%d %H:%M}' for w in missing)}"
    return RetrainDecision(retrain, verdict, tuple(windows), breaching, missing, latest_breaches)
