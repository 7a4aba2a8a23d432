"""python -m benchmarks.contracts [--rows N] [--repeat N] [--ingest-only]: the cost of issue 12's checks.

- data-ingest of an N-row customers CSV, checks included, next to pandas alone reading the
  same file (`read_csv(dtype=str)`), each in a fresh process, with its peak memory;
- feature-table-creation on N rows: as after data-ingest (whose commit records that bronze passed
  the contract), with the contract checked again (recheck_bronze), with the contract off (the
  feature store then checks the keys itself) and with no check at all, in one warm process: each
  round runs the four in a rotating order; the figures are the medians of the rounds' ratios.
Figures go to benchmarks/results/contracts-<N>.json; benchmarks/README.md quotes them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
MIB = 1024


def _peak_mib() -> float:
    from benchmarks.probes import peak_rss_kib

    return peak_rss_kib() / MIB


def probe_pandas(csv: Path, _workspace: Path, _repeat: int) -> dict:
    import pandas as pd

    started = time.perf_counter()
    rows = len(pd.read_csv(csv, dtype=str, keep_default_na=False))
    return {"rows": rows, "pandas_read_s": time.perf_counter() - started, "pandas_peak_mib": _peak_mib()}


def probe_ingest(csv: Path, workspace: Path, _repeat: int) -> dict:
    from telco_churn.jobs import JOBS
    from telco_churn.runtime import open_runtime

    with open_runtime(engine="sail", workspace_dir=workspace) as runtime:
        started = time.perf_counter()
        rows = JOBS["data-ingest"](["--set", f"source={csv}", "--set", "mode=overwrite"], runtime).launch()
        seconds = time.perf_counter() - started
    return {"rows": rows, "ingest_s": seconds, "ingest_peak_mib": _peak_mib()}


def probe_feature_table(csv: Path, workspace: Path, repeat: int) -> dict:
    from unittest import mock

    from telco_churn.contracts.report import ValidationReport
    from telco_churn.jobs import JOBS
    from telco_churn.runtime import open_runtime

    def job(name: str, *args: str) -> float:
        started = time.perf_counter()
        JOBS[name]([*args], runtime).launch()
        return time.perf_counter() - started

    recheck = ["--set", "recheck_bronze=true"]
    no_contract = mock.patch("telco_churn.pipelines.feature_table_creation.check_contract",
                             lambda df, contract, target: ValidationReport(target))
    # The contract proves the keys unique, so the feature store does not count them again; with
    # the contract off, the store's own key check runs. "none" switches off both.
    no_key_check = mock.patch("telco_churn.feature_store.base.check_primary_keys", lambda *_: None)
    variants = {  # name: (job arguments, patches)
        "with": ([], []),  # bronze from data-ingest, whose commit records that it passed the contract
        "full_recheck": (recheck, []),  # the contract's checks on bronze, as for bronze written otherwise
        "store_keys_only": (recheck, [no_contract]),
        "none": (recheck, [no_contract, no_key_check]),
    }
    timings: dict[str, list[float]] = {name: [] for name in variants}
    with open_runtime(engine="sail", workspace_dir=workspace) as runtime:
        job("data-ingest", "--set", f"source={csv}", "--set", "mode=overwrite")
        job("feature-table-creation")  # warm-up: first-run costs are no check's
        for i in range(repeat):
            # Each round runs the variants back to back, in a rotating order: the machine's
            # speed drifts over minutes and every run adds Delta commits, so a fixed order would
            # favour one variant.
            names = list(variants)
            first = i % len(names)
            for name in names[first:] + names[:first]:
                args, patches = variants[name]
                with contextlib.ExitStack() as stack:
                    for patch in patches:
                        stack.enter_context(patch)
                    timings[name].append(job("feature-table-creation", *args))
    # The figures against the target: the median over rounds of (variant / none) in one round.
    def added(name: str) -> float:
        return statistics.median(v / n for v, n in zip(timings[name], timings["none"])) - 1

    return {"feature_table_with_checks_s": statistics.median(timings["with"]),
            "feature_table_full_recheck_s": statistics.median(timings["full_recheck"]),
            "feature_table_store_keys_only_s": statistics.median(timings["store_keys_only"]),
            "feature_table_without_checks_s": statistics.median(timings["none"]),
            "checks_added_paired": added("with"), "full_recheck_added_paired": added("full_recheck"),
            "runs": timings}


PROBES = {"pandas": probe_pandas, "ingest": probe_ingest, "feature-table": probe_feature_table}


def _in_new_process(name: str, csv: Path, repeat: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="telco-churn-bench-") as folder:
        out = Path(folder) / "out.json"
        subprocess.run([sys.executable, "-m", "benchmarks.contracts", "--probe", name, "--csv", str(csv),
                        "--repeat", str(repeat), "--out", str(out), "--workspace", str(Path(folder) / "ws")],
                       check=True, stdout=subprocess.DEVNULL)
        return json.loads(out.read_text())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.contracts")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ingest-only", action="store_true", help="skip feature-table creation (for 10M rows)")
    parser.add_argument("--probe", choices=PROBES, help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workspace", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe:
        args.out.write_text(json.dumps(PROBES[args.probe](args.csv, args.workspace, args.repeat)))
        return 0

    from telco_churn.resample import resample_to_csv

    with tempfile.TemporaryDirectory(prefix="telco-churn-bench-data-") as folder:
        csv = Path(folder) / "customers.csv"
        resample_to_csv(csv, args.rows)
        figures: dict = {"rows": args.rows, "csv_mib": csv.stat().st_size / MIB / MIB}
        for _ in range(args.repeat):
            for name in ("pandas", "ingest"):
                for key, value in _in_new_process(name, csv, args.repeat).items():
                    if key != "rows":
                        figures.setdefault(key, []).append(value)
        if not args.ingest_only:
            figures.update(_in_new_process("feature-table", csv, args.repeat))
    for key in ("pandas_read_s", "pandas_peak_mib", "ingest_s", "ingest_peak_mib"):
        figures[key] = statistics.median(figures[key])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"contracts-{args.rows}.json").write_text(json.dumps(figures, indent=2))
    print(f"{args.rows:,} rows ({figures['csv_mib']:.0f} MiB CSV), median of {args.repeat}:")
    print(f"  pandas read_csv alone            {figures['pandas_read_s']:6.2f} s  peak {figures['pandas_peak_mib']:6.0f} MiB")
    ratio = figures["ingest_s"] / figures["pandas_read_s"]
    print(f"  data-ingest, checks included     {figures['ingest_s']:6.2f} s  peak {figures['ingest_peak_mib']:6.0f} MiB"
          f"  ({ratio:.2f}x pandas; target <= 2x)")
    if not args.ingest_only:
        print(f"  feature-table creation, bronze from data-ingest (its record)  {figures['feature_table_with_checks_s']:6.2f} s"
              f"  checks add {100 * figures['checks_added_paired']:3.0f}%  (target <= 15%)")
        print(f"  ... the contract checked again (recheck_bronze)              {figures['feature_table_full_recheck_s']:6.2f} s"
              f"  checks add {100 * figures['full_recheck_added_paired']:3.0f}%")
        print(f"  ... no contract, the store's key check                       {figures['feature_table_store_keys_only_s']:6.2f} s")
        print(f"  ... no check at all                                          {figures['feature_table_without_checks_s']:6.2f} s")
        print("  (checks add: the median over rounds of the ratio to no check at all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
