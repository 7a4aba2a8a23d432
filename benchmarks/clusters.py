"""python -m benchmarks.clusters [--repeat N] [--no-dbx]: all-purpose clusters, commands, dbx execute,
and the cost of the mounts. Every figure is timed around a real client's own call, its polling included.

- an all-purpose cluster from `create` to RUNNING: databricks-sdk's `w.clusters.create_and_wait`,
  against a fresh workspace;
- the round trip of an empty command in a running context: databricks-sdk's
  `w.command_execution.execute_and_wait` (it polls `commands/status` at once, then sleeps 1 s, 2 s, ...),
  and the same API calls (`execute`, then `command_status` every 10 ms) to show the workspace's own part;
- `dbx execute --job DEV-telco-churn-model-train` on an all-purpose cluster next to
  `dbx launch DEV-telco-churn-model-train --trace` (deployed beforehand) on a job cluster; the
  features are built once before, with `dbx execute` of the initial chain's data tasks;
- what the /dbfs, /Workspace, /Volumes mounts add to starting a fresh process (bubblewrap);
  tasks forked from the warm launcher pay nothing, the launcher already runs inside them.

The figures also go to benchmarks/results/clusters.json (every run's seconds, date and load).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from local_workspace.compute.mounts import Mounts, mount_table
from local_workspace.config import WorkspaceDirs
from tests.workspace.harness import start_workspace

TARGET_READY = 5.0
TARGET_EMPTY_COMMAND = 0.2
RUNTIME = "17.3.x-cpu-ml-scala2.13"
CHAIN = "DEV-telco-churn-initial-model-train-register"
TRAIN = "DEV-telco-churn-model-train"
RESULTS = Path(__file__).resolve().parent / "results" / "clusters.json"


def _seconds(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def cluster_ready(w, repeat: int) -> tuple[list[float], str]:
    """create_and_wait's seconds, each cluster deleted but the last, whose id is returned."""
    seconds, details = [], None
    for i in range(repeat):
        if details is not None:
            w.clusters.permanent_delete(details.cluster_id)
        started = time.perf_counter()
        details = w.clusters.create_and_wait(cluster_name=f"bench-{i}", spark_version=RUNTIME, num_workers=0,
                                             timeout=timedelta(minutes=5))
        seconds.append(time.perf_counter() - started)
    return seconds, details.cluster_id


def empty_command(w, cluster_id: str, repeat: int) -> tuple[list[float], list[float]]:
    """Seconds of an empty command: the SDK's execute_and_wait, and execute + a 10 ms status poll."""
    from databricks.sdk.service.compute import CommandStatus, Language

    context = w.command_execution.create_and_wait(cluster_id=cluster_id, language=Language.PYTHON).id
    ids = {"cluster_id": cluster_id, "context_id": context}
    sdk = [_seconds(lambda: w.command_execution.execute_and_wait(**ids, language=Language.PYTHON, command="pass"))
           for _ in range(repeat)]

    def polled():
        command = w.command_execution.execute(**ids, language=Language.PYTHON, command="pass").response.id
        while w.command_execution.command_status(**ids, command_id=command).status != CommandStatus.FINISHED:
            time.sleep(0.01)

    api = [_seconds(polled) for _ in range(repeat)]
    w.command_execution.destroy(**ids)
    return sdk, api


def _ok(done) -> None:
    if done.returncode:
        raise RuntimeError(f"{done.args[:3]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


def execute_vs_launch(workspace, folder: Path, repeat: int) -> tuple[list[float], list[float]]:
    """Seconds of `dbx execute --job TRAIN` on an all-purpose cluster and of `dbx launch TRAIN --trace`."""
    from benchmarks.workspace import _git_clone_copy
    from tests.workspace.harness import dbx

    project = _git_clone_copy(folder)
    w = workspace.sdk()
    w.clusters.create_and_wait(cluster_name="bench-dev", spark_version=RUNTIME, num_workers=0,
                               timeout=timedelta(minutes=5))
    where = ("--cluster-name", "bench-dev", "--environment", "dev")
    for task in ("data-ingest", "feature-table-creation"):  # the features model-train reads, built once
        _ok(dbx(workspace, project, "execute", CHAIN, "--task", task, *where))
    _ok(dbx(workspace, project, "deploy", TRAIN, "--environment", "dev"))
    executed, launched = [], []
    for _ in range(repeat):  # alternating, so a slow minute of the machine hits both
        executed.append(_seconds(lambda: _ok(dbx(workspace, project, "execute", "--job", TRAIN, "--no-rebuild", *where))))
        launched.append(_seconds(lambda: _ok(dbx(workspace, project, "launch", TRAIN, "--environment", "dev",
                                                 "--trace"))))
    return executed, launched


def process_cost(repeat: int) -> tuple[float, float, str | None]:
    """Median seconds to run `python -c pass`, bare and inside the mounts (and why not, if unavailable)."""
    with tempfile.TemporaryDirectory() as folder:
        mounts = Mounts(mount_table(WorkspaceDirs(Path(folder) / "ws").create()))
        argv = [sys.executable, "-S", "-c", "pass"]

        def median(command: list[str]) -> float:
            runs = []
            for _ in range(repeat):
                started = time.perf_counter()
                subprocess.run(command, check=True)
                runs.append(time.perf_counter() - started)
            return statistics.median(runs)

        return median(argv), median(mounts.wrap(argv)), mounts.reason


def _line(label: str, seconds: list[float], target: float | None = None) -> str:
    median = statistics.median(seconds)
    verdict = "" if target is None else f" (target <= {target:g} s: {'PASS' if median <= target else 'MISS'})"
    return f"{label}: median {median:.2f} s over {len(seconds)} [{min(seconds):.2f} .. {max(seconds):.2f}]{verdict}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.clusters", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-dbx", action="store_true", help="leave out dbx execute vs dbx launch (minutes)")
    args = parser.parse_args(argv)
    repeat = max(args.repeat, 3)
    figures = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "load at start": os.getloadavg()}
    print(figures["date"], "load average", " ".join(f"{x:.1f}" for x in os.getloadavg()))
    bare, mounted, reason = process_cost(max(repeat, 10))
    print(f"fresh process: {bare * 1000:.0f} ms bare, {mounted * 1000:.0f} ms inside the mounts"
          + (f" (mounts unavailable: {reason})" if reason else f" (+{(mounted - bare) * 1000:.0f} ms)"), flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-clusters-") as tmp:
        workspace = start_workspace(Path(tmp) / "ws", profile="legacy")  # dbx's artifact_location is in the DBFS root
        try:
            w = workspace.sdk()
            ready, cluster_id = cluster_ready(w, repeat)
            print(_line("all-purpose cluster create -> RUNNING (w.clusters.create_and_wait)", ready, TARGET_READY), flush=True)
            sdk, api = empty_command(w, cluster_id, max(repeat, 10))
            print(_line("empty command (w.command_execution.execute_and_wait)", sdk, TARGET_EMPTY_COMMAND))
            print(_line("empty command (execute, then command_status every 10 ms)", api, TARGET_EMPTY_COMMAND), flush=True)
            w.clusters.permanent_delete(cluster_id)
            figures.update({"cluster ready s": ready, "empty command (execute_and_wait) s": sdk,
                            "empty command (10 ms poll) s": api})
            if not args.no_dbx:
                executed, launched = execute_vs_launch(workspace, Path(tmp), repeat)
                print(_line(f"dbx execute --job {TRAIN} (all-purpose cluster, running)", executed))
                print(_line(f"dbx launch {TRAIN} --trace (a new job cluster)", launched))
                figures.update({"dbx execute s": executed, "dbx launch s": launched})
                faster = statistics.median(executed) < statistics.median(launched)
                print(f"{'PASS' if faster else 'MISS'} dbx execute faster than dbx launch: "
                      f"{statistics.median(executed) / statistics.median(launched):.2f}x")
        finally:
            workspace.stop()
    figures["load at end"] = os.getloadavg()
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
