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


def telco_churn_here(workspace: LocalWorkspace, monkeypatch, capsys, *args: str, cwd: Path = REPO,
                     extra_env: dict | None = None) -> subprocess.CompletedProcess:
    """The same in this process (no interpreter start-up): for the quick commands."""
    from telco_churn.cli import main

    for name, value in {**workspace.env(), **(extra_env or {})}.items():
        if name.upper().startswith(("DATABRICKS_", "HTTP_PROXY", "NO_PROXY", "MLFLOW_", "BRANCH_NAME")):
            monkeypatch.setenv(name, value)
    monkeypatch.chdir(cwd)
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(["telco-churn", *args], code, captured.out, captured.err)
