"""python -m benchmarks.clusters [--repeat N]: all-purpose clusters and the cost of the mounts.

- an all-purpose cluster from `create` to RUNNING, timed around databricks-sdk's own
  `w.clusters.create_and_wait` (its polling included), against a fresh workspace;
- what the /dbfs, /Workspace, /Volumes mounts add to starting a fresh process (bubblewrap);
  tasks forked from the warm launcher pay nothing, the launcher already runs inside them.
"""

from __future__ import annotations

import argparse
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


def cluster_ready(repeat: int) -> list[float]:
    with tempfile.TemporaryDirectory() as folder:
        workspace = start_workspace(Path(folder) / "ws")
        try:
            w, seconds = workspace.sdk(), []
            for i in range(repeat):
                started = time.perf_counter()
                details = w.clusters.create_and_wait(cluster_name=f"bench-{i}", spark_version="13.3.x-cpu-ml-scala2.12",
                                                     num_workers=0, timeout=timedelta(minutes=5))
                seconds.append(time.perf_counter() - started)
                w.clusters.permanent_delete(details.cluster_id)
            return seconds
        finally:
            workspace.stop()


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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.clusters", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    bare, mounted, reason = process_cost(max(args.repeat, 10))
    print(f"fresh process: {bare * 1000:.0f} ms bare, {mounted * 1000:.0f} ms inside the mounts"
          + (f" (mounts unavailable: {reason})" if reason else f" (+{(mounted - bare) * 1000:.0f} ms)"))
    ready = cluster_ready(args.repeat)
    median = statistics.median(ready)
    print(f"all-purpose cluster create -> RUNNING (SDK create_and_wait): median {median:.1f} s over {len(ready)} "
          f"(target <= {TARGET_READY:.0f} s: {'met' if median <= TARGET_READY else 'missed'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
