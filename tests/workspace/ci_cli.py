"""`telco-churn ...` run as a user runs it, against a local workspace."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.workspace.harness import REPO, LocalWorkspace


def telco_churn(workspace: LocalWorkspace, *args: str, cwd: Path = REPO,
                extra_env: dict | None = None) -> subprocess.CompletedProcess:
    return workspace.run([sys.executable, "-m", "telco_churn.cli", *args], cwd=cwd, extra_env=extra_env)


def output(done: subprocess.CompletedProcess) -> str:
    return f"exit {done.returncode}\n--- stdout\n{done.stdout[-4000:]}\n--- stderr\n{done.stderr[-4000:]}"
