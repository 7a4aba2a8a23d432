"""The project's wheel: built from the checkout with uv and uploaded to DBFS for a run's libraries."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from telco_churn.ci.errors import CiError


def _uv() -> list[str]:
    beside = Path(sys.executable).parent / "uv"
    found = str(beside) if beside.exists() else shutil.which("uv")
    return [found] if found else [sys.executable, "-m", "uv"]


def build_wheel(project: Path, out_dir: Path) -> Path:
    """`uv build --wheel` of the checkout into out_dir (from uv's cache first: no index needed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [*_uv(), "build", "--wheel", "--quiet", "-o", str(out_dir), str(project)]
    done = subprocess.run([*command, "--offline"], capture_output=True, text=True)
    if done.returncode:
        done = subprocess.run(command, capture_output=True, text=True)
    wheels = sorted(out_dir.glob("*.whl"))
    if done.returncode or not wheels:
        raise CiError(f"building the wheel of {project} failed: {(done.stderr or done.stdout).strip()[-2000:]}")
    return wheels[-1]


def upload_wheel(client, wheel: Path, dbfs_dir: str) -> str:
    """The wheel on DBFS, under its own name (pip needs it); its dbfs:/ path."""
    target = f"{dbfs_dir.rstrip('/')}/{wheel.name}"
    with wheel.open("rb") as handle:
        client.dbfs.upload(target, handle, overwrite=True)
    return f"dbfs:{target}" if not target.startswith("dbfs:") else target
