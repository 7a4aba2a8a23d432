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
    status: str  # REGRESSED, worse? (one run: no spread), ok, improved, new
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
    if loss > TOLERANCE and (len(samples) < 2 or kept.get("runs", 1) < 2):
        # One run on a side has no spread: nothing tells this machine's noise (15% an hour apart,
        # far more under load) from a loss. Said, not called a regression.
        return Verdict(label, "worse?", f"{median:.2f} against {kept['median']:.2f} kept on {kept['date']}: "
                                        f"{loss:.0%} worse, but one run on a side has no spread to tell noise "
                                        f"from a loss ({spread}): rerun with --repeat 3")
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
    # In the order of the benchmark's table (no sort_keys): a sub-figure follows its figure.
    path.write_text(json.dumps(everything, indent=2) + "\n", encoding="utf-8")


def record(samples: list[float], date: str, higher_is_better: bool, pipeline: float | None = None,
           baseline: float | None = None, unit: str | None = None) -> dict:
    """A kept ratio: its median and spread over the runs; the medians of both sides when given."""
    kept = {"median": round(statistics.median(samples), 4), "min": round(min(samples), 4),
            "max": round(max(samples), 4), "runs": len(samples), "date": date,
            "better": "higher" if higher_is_better else "lower"}
    sides = {"pipeline": pipeline, "baseline": baseline, "unit": unit}
    return {**kept, **{k: (round(v, 4) if isinstance(v, float) else v) for k, v in sides.items() if v is not None}}


def record_value(samples: list[float], date: str, unit: str) -> dict:
    """A kept figure with no baseline (the loop's seconds): shown in the README, never judged."""
    return {"value": round(statistics.median(samples), 4), "value_min": round(min(samples), 4),
            "value_max": round(max(samples), 4), "runs": len(samples), "date": date, "unit": unit}


# The block of benchmarks/README.md written from figures.json (python -m benchmarks.guard --write-readme);
# tests/test_benchmark_guard.py fails when the two disagree, so the README's figures cannot drift.
README = FIGURES_FILE.parent / "README.md"
BEGIN, END = "<!-- kept figures: written from benchmarks/figures.json -->", "<!-- end of kept figures -->"
SCALES = {"full": "`make benchmark` (1,000,000 rows, median of the runs)", "quick": "`make benchmark ARGS=--quick` (100,000 rows, one run)"}


def _number(value: float | None, unit: str | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if unit == "rows/s" or (unit == "MiB") else f"{value:,.2f}"


def markdown(path: Path | None = None) -> str:
    """The kept figures of every scale as Markdown tables, between BEGIN and END."""
    path = path or FIGURES_FILE
    everything = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    lines = [BEGIN]
    for scale, title in SCALES.items():
        kept = everything.get(scale)
        if not kept:
            lines += ["", f"{title}: nothing kept yet."]
            continue
        dates = sorted({r["date"] for r in kept.values()})
        lines += ["", f"{title}, kept on {', '.join(dates)}:", "",
                  "| figure | pipeline | baseline | pipeline/baseline (spread) |", "| --- | ---: | ---: | ---: |"]
        for label, r in kept.items():
            label = f"... {label.strip()}" if label.startswith(" ") else label  # a sub-figure of the row above
            if "median" in r:
                ratio = f"{r['median']:.2f} ({r['min']:.2f}-{r['max']:.2f})"
                lines.append(f"| {label} | {_number(r.get('pipeline'), r.get('unit'))} | "
                             f"{_number(r.get('baseline'), r.get('unit'))} | {ratio} |")
            else:
                spread = f" ({r['value_min']:.2f}-{r['value_max']:.2f})" if r["runs"] > 1 else ""
                lines.append(f"| {label} | {_number(r['value'], r['unit'])}{spread} | | |")
    lines.append(END)
    return "\n".join(lines)


def with_kept_figures(readme: str, path: Path | None = None) -> str:
    """readme with its kept-figures block replaced by the one figures.json gives."""
    head, begin, rest = readme.partition(BEGIN)
    _, end, tail = rest.partition(END)
    if not (begin and end):
        raise ValueError(f"{README.name} has no block between '{BEGIN}' and '{END}'")
    return head + markdown(path) + tail


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.guard")
    parser.add_argument("--write-readme", action="store_true", help=f"rewrite {README.name}'s kept-figures block")
    args = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    if args.write_readme:
        README.write_text(with_kept_figures(text), encoding="utf-8")
    else:
        print(markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
