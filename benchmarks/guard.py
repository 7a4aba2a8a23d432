"""The regression guard of `make benchmark`: each ratio against the figures kept in
benchmarks/figures.json, honest about the noise of the machine.

A ratio has REGRESSED when its median is more than TOLERANCE worse than the kept median AND even
the best of this benchmark run's samples is worse than the worst of the kept samples: two runs of
the same code an hour apart differed by 15% here, and a figure inside the spread of its own runs
is noise, not a loss. The kept file changes only with `--keep` (python -m benchmarks --keep).
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path

FIGURES_FILE = Path(__file__).resolve().parent / "figures.json"
TOLERANCE = 0.15


@dataclass(frozen=True)
class Verdict:
    label: str
    status: str  # REGRESSED, ok, improved, new
    why: str


def worse(ratio: float, than: float, higher_is_better: bool) -> bool:
    return ratio < than if higher_is_better else ratio > than


def judge(label: str, samples: list[float], kept: dict | None, higher_is_better: bool) -> Verdict:
    """One ratio's verdict: its samples of this run against the kept record {median, min, max}."""
    if not samples:
        return Verdict(label, "new", "not measured in this run")
    median = statistics.median(samples)
    if kept is None:
        return Verdict(label, "new", f"{median:.2f}, no kept figure to compare with")
    best = max(samples) if higher_is_better else min(samples)
    kept_worst = kept["min"] if higher_is_better else kept["max"]
    change = (median - kept["median"]) / kept["median"] if kept["median"] else 0.0
    loss = -change if higher_is_better else change
    spread = f"this run {min(samples):.2f}-{max(samples):.2f}, kept {kept['min']:.2f}-{kept['max']:.2f}"
    if loss > TOLERANCE and worse(best, kept_worst, higher_is_better):
        return Verdict(label, "REGRESSED", f"{median:.2f} against {kept['median']:.2f} kept on {kept['date']}: "
                                           f"{loss:.0%} worse, outside the spread ({spread})")
    if loss > TOLERANCE:
        return Verdict(label, "ok", f"{median:.2f} against {kept['median']:.2f}: {loss:.0%} worse but inside the "
                                    f"spread ({spread}): noise, rerun to be sure")
    if -loss > TOLERANCE:
        return Verdict(label, "improved", f"{median:.2f} against {kept['median']:.2f}: {-loss:.0%} better "
                                          f"(`--keep` records it)")
    return Verdict(label, "ok", f"{median:.2f} against {kept['median']:.2f} ({spread})")


def load(scale: str, path: Path | None = None) -> dict:
    """The kept ratios of one scale ('full' or 'quick'): {label: {median, min, max, date, ...}}."""
    path = path or FIGURES_FILE
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8")).get(scale, {})


def keep(scale: str, records: dict[str, dict], path: Path | None = None) -> None:
    """Records this run's ratios as the kept figures of one scale (the other scale is left as it was)."""
    path = path or FIGURES_FILE
    everything = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    everything[scale] = records
    path.write_text(json.dumps(everything, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def record(samples: list[float], date: str, higher_is_better: bool) -> dict:
    return {"median": round(statistics.median(samples), 4), "min": round(min(samples), 4),
            "max": round(max(samples), 4), "runs": len(samples), "date": date,
            "better": "higher" if higher_is_better else "lower"}
