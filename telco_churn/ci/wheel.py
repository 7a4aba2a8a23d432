"""The project's wheel: built from the checkout with uv and uploaded for a run's libraries (a volume or DBFS)."""

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


def upload_wheel(client, wheel: Path, target: str) -> str:
    """The wheel at target, under its own name (pip needs it): a /Volumes/... path through the Files
    API, a dbfs:/... path through the DBFS API. Returns the path a run's libraries name."""
    with wheel.open("rb") as handle:
        if target.startswith("/Volumes/"):
            client.files.upload(target, handle, overwrite=True)
        else:
            client.dbfs.upload(target.removeprefix("dbfs:"), handle, overwrite=True)
    return target
