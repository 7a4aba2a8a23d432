"""python -m benchmarks.workspace [--repeat N]: the local Databricks workspace's figures.

- dbx deploy + dbx launch --trace of PROD-telco-churn-initial-model-train-register on a fresh
  workspace as Databricks creates one today (profile uc, the project's default settings, after
  `telco-churn artifact-volume` as `make deploy` runs it: issue 21's target), then the same on a
  legacy workspace with the legacy settings, next to `telco-churn launch` of the same workflow
  (one process, embedded engine);
- the start of one cluster: a fresh virtualenv over the runtime's libraries and its Spark
  Connect driver listening; then with the project's wheel installed.
The original project takes about a quarter of an hour for that workflow on Databricks.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.workspace.harness import dbx, project_copy, start_workspace
from tools.dbx_venv import ensure_dbx_venv

WORKFLOW = "PROD-telco-churn-initial-model-train-register"
TARGETS = {"deploy + launch": 45.0, "cluster start": 5.0}
TELCO_CHURN = str(Path(sys.executable).parent / "telco-churn")


def _timed(step) -> float:
    started = time.perf_counter()
    done = step()
    if done.returncode:
        raise RuntimeError(f"{done.args} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


def _git_clone_copy(folder: Path, platform: str = "legacy") -> Path:
    project = project_copy(folder / "telco-churn", platform=platform)
    (project / ".venv-dbx").symlink_to(ensure_dbx_venv().parent.parent)
    for command in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"],
                    ["git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "-m", "bench"]):
        subprocess.run(command, cwd=project, check=True, capture_output=True)
    return project


def _cluster_starts(workspace, repeat: int) -> tuple[list[float], list[float]]:
    """Seconds until a cluster is ready (virtualenv, runtime libraries, Spark driver listening),
    and until it has the project's wheel too (the one dbx uploaded)."""
    from local_workspace.compute.cluster import LocalCluster

    wheel = next((workspace.root / "dbfs").rglob("telco_churn-*.whl"))
    ready, with_wheel = [], []
    for i in range(repeat):
        cluster = LocalCluster(f"bench-{i}", "bench", {}, workspace.root / "clusters" / f"bench-{i}", {})
        cluster.folder.mkdir(parents=True)
        started = time.perf_counter()
        cluster.start()
        ready.append(time.perf_counter() - started)
        cluster.install([str(wheel)], cluster.folder / "libraries.log")
        with_wheel.append(time.perf_counter() - started)
        cluster.terminate()
    return ready, with_wheel


def _deploy_and_launch(folder: Path, platform: str) -> tuple[float, float, object]:
    """(deploy s, launch s, the running workspace) of the initial workflow on a fresh workspace."""
    project = _git_clone_copy(folder, platform)
    workspace = start_workspace(folder / f"workspace-{platform}", profile=platform)
    try:
        def deploy():
            if platform == "uc":  # the volume of dbx's artifacts, as `make deploy` makes it first
                made = workspace.run([TELCO_CHURN, "artifact-volume", "--environment", "prod"], cwd=project)
                if made.returncode:
                    return made
            return dbx(workspace, project, "deploy", WORKFLOW, "--environment", "prod")

        deployed = _timed(deploy)
        launched = _timed(lambda: dbx(workspace, project, "launch", WORKFLOW, "--environment", "prod", "--trace"))
    except BaseException:
        workspace.stop()
        raise
    return deployed, launched, workspace


def measure(repeat: int) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {k: [] for k in ("artifact-volume + dbx deploy", "dbx launch --trace", "deploy + launch",
                                                         "deploy + launch (legacy)", "telco-churn launch",
                                                         "cluster start", "cluster start with the wheel")}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="bench-workspace-") as tmp:
            folder = Path(tmp)
            deploy, launch, workspace = _deploy_and_launch(folder / "uc", "uc")
            workspace.stop()
            deploy_legacy, launch_legacy, workspace = _deploy_and_launch(folder / "legacy", "legacy")
            try:
                ready, with_wheel = _cluster_starts(workspace, 3)
                figures["cluster start"] += ready
                figures["cluster start with the wheel"] += with_wheel
            finally:
                workspace.stop()
            local = _timed(lambda: subprocess.run(
                [sys.executable, "-m", "telco_churn.cli", "launch", WORKFLOW, "--workspace-dir", str(folder / "lakehouse")],
                cwd=folder / "uc" / "telco-churn", capture_output=True, text=True))
        figures["artifact-volume + dbx deploy"].append(deploy)
        figures["dbx launch --trace"].append(launch)
        figures["deploy + launch"].append(deploy + launch)
        figures["deploy + launch (legacy)"].append(deploy_legacy + launch_legacy)
        figures["telco-churn launch"].append(local)
    return figures


def report(figures: dict[str, list[float]]) -> str:
    median = {k: statistics.median(v) for k, v in figures.items()}
    lines = [f"{'figure':<32} {'median s':>9}  runs", "-" * 60]
    for name, value in median.items():
        lines.append(f"{name:<32} {value:>9.2f}  {len(figures[name])}")
    ratio = median["deploy + launch"] / median["telco-churn launch"]
    lines.append(f"{'deploy + launch / telco-churn launch':<32} {ratio:>9.2f}x")
    lines.append("(the original project: about 15 minutes for this workflow on Databricks)")
    for name, target in TARGETS.items():
        verdict = "PASS" if median[name] <= target else "MISS"
        lines.append(f"{verdict} {name}: {median[name]:.2f} s (target <= {target:.0f} s)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    print(report(measure(args.repeat)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
