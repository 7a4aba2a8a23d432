"""The monitoring run's one-page HTML report: drift over time against the thresholds, baseline vs
latest distributions of the drifting columns, quality over time, and the retraining decision."""

from __future__ import annotations

from html import escape

from telco_churn.monitoring.binning import aligned
from telco_churn.monitoring.drift import CATEGORICAL
from telco_churn.monitoring.svg import line_chart, paired_bars

MAX_LINES = 6


def _bin_labels(kind: str, edges: list[float] | None, categories: list[str]) -> list[str]:
    if kind == CATEGORICAL:
        return categories
    bounds = ["-inf", *[f"{e:.3g}" for e in edges or []], "inf"]
    return [f"<={bounds[i + 1]}" for i in range(len(bounds) - 1)]


def render_report(model: str, conf, result, per_version: list[dict]) -> str:
    decision = result.decision
    labels = [f"{w:%m-%d %H:%M}" if conf.window.days == 0 else f"{w:%m-%d}" for w in result.windows]
    verdict = "RETRAIN" if decision.retrain else "no retraining"
    body = [f"<h1>Model monitoring: {escape(model)}</h1>",
            f'<p class="decision {"retrain" if decision.retrain else "ok"}"><b>Decision: {verdict}</b><br>{escape(decision.reason)}</p>',
            f"<p>Granularity {escape(conf.granularity)}; rule: at least {conf.retraining.min_breaches} of the last "
            f"{conf.retraining.of_last} windows breach ({conf.retraining.drift_type} drift), the latest included.</p>"]
    for data in per_version:
        version, windows = data["version"], data["windows"]
        body.append(f"<h2>Model version {version}</h2><h3>Drift against the baseline over time</h3>")
        for metric, threshold in conf.drift_thresholds.items():
            def value(w, c):
                return windows.get(w, {}).get("drift", {}).get(c, {}).get(metric)
            worst = sorted(data["kinds"], key=lambda c: -max((value(w, c) or 0) for w in result.windows))[:MAX_LINES]
            series = {c: [value(w, c) for w in result.windows] for c in worst}
            body.append(line_chart(f"{metric} (top {len(worst)} columns)", labels, series, threshold))
        latest = result.windows[-1]
        drifting = sorted({b.column for b in decision.latest_breaches if b.column in data["kinds"]})
        if latest in windows and drifting:
            body.append(f"<h3>Baseline vs latest window ({latest:%Y-%m-%d %H:%M}) for the drifting columns</h3>")
            for c in drifting[:MAX_LINES * 2]:
                kind, edges = data["kinds"][c], data["edges"].get(c)
                base_side, latest_side = data["baseline"].histograms.get((None, None, c), {}), windows[latest]["histograms"][c]
                b, l = aligned(kind, edges, base_side, latest_side)
                categories = sorted({*base_side, *latest_side})
                if b.total and l.total:
                    body.append(paired_bars(c, _bin_labels(kind, edges, categories), list(b.shares), list(l.shares)))
        quality = {w: windows[w]["quality"] for w in result.windows if w in windows and windows[w]["quality"]}
        body.append("<h3>Quality over time (labelled scorings)</h3>")
        if quality:
            for metric in ("roc_auc", "accuracy", "f1"):
                series = {metric: [quality.get(w, {}).get(metric) if w in quality else None for w in result.windows],
                          f"training {metric}": [data["baseline_quality"].get(metric)] * len(result.windows)}
                body.append(line_chart(metric, labels, series))
        else:
            body.append("<p>No labels yet for these windows.</p>")
    style = ("body{font-family:sans-serif;max-width:1180px;margin:1em auto}svg{margin:4px;border:1px solid #eee}"
             ".decision{padding:.6em;border-radius:4px}.retrain{background:#fde2e2}.ok{background:#e2f5e2}")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Model monitoring: {escape(model)}</title>"
            f"<style>{style}</style></head><body>{''.join(body)}</body></html>")
