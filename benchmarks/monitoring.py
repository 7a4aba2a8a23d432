"""python -m benchmarks.monitoring [--rows N] [--repeat N]: the cost of model-monitoring (issue 22).

- model-monitoring over one window of N logged rows (every model input plus prediction and
  probability; BASELINE against the model's training data and CONSECUTIVE against the previous
  window, which holds the 7,043 real customers), next to a plain full scan of the same rows in the
  same engine: the window's log rows joined with their features (what the monitor reads) and one
  aggregation (count, sum, min and max of every monitored column). Both run in one warm process
  per round, in alternating order; the figure is the median over rounds of the ratio.
- Evidently's `Report([DataDriftPreset()])` on the same two frames (the baseline as reference,
  the window as current), in a virtualenv of its own that this module makes with uv under
  ~/.cache/telco-churn/ (Evidently needs pandas < 3): the benchmark's baseline only.
- `story_loop_seconds()`: the seconds the story's closing loop adds, from one `telco-churn story`.

The N rows are `telco-churn simulate-drift`'s customers (real rows, new keys, shifted), ingested,
featurized and scored into the inference log by the real jobs. Figures go to
benchmarks/results/monitoring-<N>.json; benchmarks/README.md quotes them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
EVIDENTLY_VENV = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "telco-churn" / "bench-evidently"
EVIDENTLY_PINS = ("evidently==0.7.23", "pandas<3", "pyarrow")
DAY0 = date(2026, 11, 1)  # the previous window: the real customers
DAY1 = DAY0 + timedelta(days=1)  # the measured window: N simulated customers
KEYS_TABLE = "bench_window_keys"
# Evidently's JS distance is scipy's jensenshannon with the natural log; ours is base 2.
JS_TOLERANCE = 1e-6


def _job(runtime, name: str, *args: str):
    from telco_churn.jobs import JOBS

    return JOBS[name](["--env", "local", *args], runtime).launch()


def prepare(workspace: Path, rows: int, frames: Path) -> dict:
    """A workspace whose inference log holds the real customers on DAY0 and `rows` drifted ones on
    DAY1, all scored by Production v1; the window's and the baseline's frames as Parquet."""
    from telco_churn.config.environment import load_environment
    from telco_churn.monitoring.simulate import Shift, scored_at, simulate
    from telco_churn.paths import default_env_file
    from telco_churn.runtime import open_runtime

    env = load_environment(default_env_file(), "local")
    with open_runtime(engine="sail", workspace_dir=workspace) as runtime:
        for job in ("demo-setup", "data-ingest", "feature-table-creation"):
            _job(runtime, job)
        _job(runtime, "model-train", "--set", "promote_to=Production")
        _job(runtime, "model-inference-batch", "--set", "append_to_log=true", "--set", f"scored_at={scored_at(DAY0).isoformat()}")
        sim = simulate(1, rows, DAY1, Shift(month_to_month=0.85, fiber_optic=0.7, charges_factor=1.25), 0, 0)
        csv = workspace / "window.csv"
        sim.batches.drop(columns=["day"]).to_csv(csv, index=False)
        _job(runtime, "data-ingest", "--set", f"source={csv}", "--set", "mode=append")
        _job(runtime, "feature-table-creation")
        runtime.lakehouse.write(runtime.spark.read.csv(str(csv), header=True).select(env.id_column),
                                f"{env.schema_name}.{KEYS_TABLE}")
        _job(runtime, "model-inference-batch", "--env-set", f"tables.inference_input={KEYS_TABLE}", "--set", "append_to_log=true",
             "--set", f"scored_at={scored_at(DAY1).isoformat()}")
        _export_frames(runtime, env, frames)
    return {"rows": rows}


def _window_rows(runtime, env):
    """The window's log rows joined with their features: what the monitor reads, and the scan scans."""
    from pyspark.sql import functions as F

    log = runtime.lakehouse.read(env.table("inference_log"))
    window = log.filter(F.to_date("scored_at") == F.lit(DAY1.isoformat()).cast("date"))
    features = runtime.feature_store(env).read_table(env.table("features"))
    return window.select(env.id_column, "prediction", "probability").join(features, [env.id_column], "left")


def _export_frames(runtime, env, frames: Path) -> None:
    """Parquet of the window (current) and of the baseline (training keys, scored) for Evidently."""
    import mlflow

    from telco_churn.registry import ModelRegistry

    registry = ModelRegistry(env.registered_model_name, env.model_registry)
    uri = registry.version_uri(1)
    client = mlflow.MlflowClient()
    run = client.get_run(client.get_model_version(registry.name, "1").run_id)
    from telco_churn.pipelines.model_train import TRAINING_LABELS_VERSION_TAG

    keys = runtime.lakehouse.read(env.table("labels"), version=int(run.data.tags[TRAINING_LABELS_VERSION_TAG]))
    baseline = runtime.feature_store(env).score_batch(uri, keys.select(env.id_column))
    frames.mkdir(parents=True, exist_ok=True)
    current = _window_rows(runtime, env).drop(env.id_column)
    baseline.select(*current.columns).toPandas().to_parquet(frames / "reference.parquet")
    current.toPandas().to_parquet(frames / "current.parquet")


def measure_rounds(workspace: Path, repeat: int) -> dict:
    """In one warm process: `repeat` rounds of the monitoring job and the plain scan, alternating."""
    from pyspark.sql import functions as F

    from benchmarks.probes import _warm_imports
    from telco_churn.config.environment import load_environment
    from telco_churn.paths import default_env_file
    from telco_churn.runtime import open_runtime

    _warm_imports()
    env = load_environment(default_env_file(), "local")
    out: dict[str, list] = {"monitor_s": [], "scan_s": [], "ratio": []}
    with open_runtime(engine="sail", workspace_dir=workspace) as runtime:
        def monitor() -> float:
            started = time.perf_counter()
            result = _job(runtime, "model-monitoring", "--set", f"latest_window={DAY1.isoformat()}T00:00:00Z",
                          "--set", "lookback_windows=1", "--set", "retraining.of_last=1", "--set", "retraining.min_breaches=1",
                          "--set", "slice_columns=[]")  # the whole table only, as the figure
            out["drift_rows"] = len(result.drift_rows)
            return time.perf_counter() - started

        def scan() -> float:
            started = time.perf_counter()
            rows = _window_rows(runtime, env)
            columns = [c for c in rows.columns if c != env.id_column]
            aggregates = [F.count(F.lit(1)).alias("rows")]
            for i, c in enumerate(columns):
                value = F.col(f"`{c}`").cast("double")
                aggregates += [F.sum(value).alias(f"s{i}"), F.min(value).alias(f"lo{i}"), F.max(value).alias(f"hi{i}")]
            out["scanned_rows"] = rows.agg(*aggregates).first()["rows"]
            return time.perf_counter() - started

        monitor()  # warm-up: the first run of a process pays MLflow's store and the model's imports
        for i in range(repeat):
            first, second = (monitor, scan) if i % 2 == 0 else (scan, monitor)
            timed = {first.__name__: first(), second.__name__: second()}
            out["monitor_s"].append(timed["monitor"])
            out["scan_s"].append(timed["scan"])
            out["ratio"].append(timed["monitor"] / timed["scan"])
    return out


def evidently_python() -> Path:
    """The Python of Evidently's own virtualenv, made with uv on first use."""
    python = EVIDENTLY_VENV / "bin" / "python"
    if not python.exists():
        uv = Path(sys.executable).parent / "uv"
        subprocess.run([str(uv), "venv", "--quiet", "--python", sys.executable, str(EVIDENTLY_VENV)], check=True)
        subprocess.run([str(uv), "pip", "install", "--quiet", "--python", str(python), *EVIDENTLY_PINS], check=True)
    return python


# Run by Evidently's Python: times Report([DataDriftPreset()]) and returns its per-column values.
EVIDENTLY_SCRIPT = r"""
import json, sys, time
import pandas as pd
started = time.perf_counter()
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset
imported = time.perf_counter()
frames, numeric = sys.argv[1], json.loads(sys.argv[2])
ref, cur = pd.read_parquet(f"{frames}/reference.parquet"), pd.read_parquet(f"{frames}/current.parquet")
categorical = [c for c in ref.columns if c not in numeric]
definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
read = time.perf_counter()
snapshot = Report([DataDriftPreset()]).run(Dataset.from_pandas(cur, data_definition=definition),
                                           Dataset.from_pandas(ref, data_definition=definition))
done = time.perf_counter()
values = {}
for metric in snapshot.dict()["metrics"]:
    config = metric.get("config", {})
    if config.get("type", "").endswith("ValueDrift"):
        values[config["column"]] = {"method": config.get("method"), "value": metric["value"]}
print("EVIDENTLY " + json.dumps({"import_s": imported - started, "read_s": read - imported, "report_s": done - read,
                                 "columns": values}))
"""


def run_evidently(frames: Path, numeric: list[str]) -> dict:
    done = subprocess.run([str(evidently_python()), "-c", EVIDENTLY_SCRIPT, str(frames), json.dumps(numeric)],
                          capture_output=True, text=True, check=True)
    return json.loads(next(x for x in done.stdout.splitlines() if x.startswith("EVIDENTLY "))[len("EVIDENTLY "):])


def our_metrics(workspace: Path) -> dict:
    """Our BASELINE drift rows of the measured window, by column, and the numeric columns."""
    from deltalake import DeltaTable

    folder = next(workspace.rglob("churn_inference_log_drift_metrics"))
    table = DeltaTable(str(folder)).to_pandas()
    rows = table[(table["drift_type"] == "BASELINE") & (table["column_name"] != ":table") & table["slice_key"].isna()]
    rows = rows[rows["window_start"].astype(str).str.startswith(DAY1.isoformat())]
    return {r["column_name"]: {"js_distance": r["js_distance"], "wasserstein_distance": r["wasserstein_distance"],
                               "numeric": r["ks_statistic"] == r["ks_statistic"]} for _, r in rows.iterrows()}


def agreement(ours: dict, theirs: dict) -> dict:
    """Where both compute the same metric: Jensen-Shannon distance on categorical columns (both on
    the category frequencies; Evidently in natural log, ours base 2)."""
    import math

    diffs = {}
    for column, mine in ours.items():
        other = theirs.get(column)
        if mine["numeric"] or other is None or "jensenshannon" not in str(other["method"]).lower().replace("-", "").replace(" ", ""):
            continue
        diffs[column] = abs(mine["js_distance"] - other["value"] / math.sqrt(math.log(2)))
    return {"columns": len(diffs), "max_abs_diff": max(diffs.values()) if diffs else None,
            "within_tolerance": bool(diffs) and max(diffs.values()) <= JS_TOLERANCE}


def story_loop_seconds(workspace_dir: Path | None = None) -> tuple[float, float]:
    """(story wall seconds, seconds its closing loop added) from one `telco-churn story` in a new
    process: the story without the loop is the difference. For the story benchmark."""
    with tempfile.TemporaryDirectory(prefix="telco-churn-bench-story-") as folder:
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "telco_churn.cli", "story", "--workspace-dir",
                               str(workspace_dir or Path(folder) / "ws")], capture_output=True, text=True, check=True)
        wall = time.perf_counter() - started
    found = re.search(r"the loop added ([0-9.]+) s", done.stdout)
    if found is None:
        raise RuntimeError("telco-churn story printed no 'the loop added ... s' line")
    return wall, float(found.group(1))


def _child(step: str, *args: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="telco-churn-bench-mon-") as folder:
        out = Path(folder) / "out.json"
        subprocess.run([sys.executable, "-m", "benchmarks.monitoring", "--step", step, "--out", str(out), *args],
                       check=True, stdout=subprocess.DEVNULL)
        return json.loads(out.read_text())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.monitoring")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--story", action="store_true", help="also run the story once for the loop's seconds")
    parser.add_argument("--step", choices=("prepare", "measure"), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workspace", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        work = args.workspace
        result = prepare(work, args.rows, work / "frames") if args.step == "prepare" else measure_rounds(work, args.repeat)
        args.out.write_text(json.dumps(result))
        os._exit(0)  # deltalake may abort at interpreter exit (PLATFORM_NOTES.md)

    with tempfile.TemporaryDirectory(prefix="telco-churn-bench-monitoring-") as folder:
        work = Path(folder)
        _child("prepare", "--workspace", str(work), "--rows", str(args.rows))
        measured = _child("measure", "--workspace", str(work), "--repeat", str(args.repeat))
        ours = our_metrics(work)
        numeric = [c for c, m in ours.items() if m["numeric"]]
        evidently = [run_evidently(work / "frames", numeric) for _ in range(args.repeat)]
        agreed = agreement(ours, evidently[0]["columns"])
    monitor = statistics.median(measured["monitor_s"])
    evidently_s = statistics.median(e["read_s"] + e["report_s"] for e in evidently)
    figures = {"date": date.today().isoformat(), "rows": args.rows, "repeat": args.repeat, **measured,
               "evidently_runs": [{k: v for k, v in e.items() if k != "columns"} for e in evidently],
               "monitor_median_s": monitor, "scan_median_s": statistics.median(measured["scan_s"]),
               "ratio_median": statistics.median(measured["ratio"]), "evidently_median_s": evidently_s,
               "evidently_over_monitor": evidently_s / monitor, "agreement": agreed}
    if args.story:
        figures["story_wall_s"], figures["loop_s"] = story_loop_seconds()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"monitoring-{args.rows}.json").write_text(json.dumps(figures, indent=2, default=str))
    print(f"model-monitoring, one window of {args.rows:,} logged rows ({figures['scanned_rows']:,} scanned), "
          f"median of {args.repeat}, {figures['date']}:")
    print(f"  plain scan (read, join the features, one aggregation)   {figures['scan_median_s']:6.2f} s")
    print(f"  model-monitoring job (BASELINE + CONSECUTIVE, {measured['drift_rows']} drift rows)  {monitor:6.2f} s"
          f"  ({figures['ratio_median']:.2f}x the scan, median of the rounds' ratios; target <= 3x)")
    print(f"  Evidently DataDriftPreset (read + report, imports apart) {evidently_s:6.2f} s"
          f"  ({figures['evidently_over_monitor']:.1f}x ours; target >= 10x)")
    print(f"  agreement: Jensen-Shannon distance on {agreed['columns']} categorical column(s), "
          f"max |ours - Evidently's (to base 2)| = {agreed['max_abs_diff']} (tolerance {JS_TOLERANCE})")
    if args.story:
        print(f"  the story's closing loop: {figures['loop_s']:.1f} s of {figures['story_wall_s']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
