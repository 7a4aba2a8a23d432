"""Steps of the documented Databricks flow, shared by its uc and legacy tests: the release
workflow's deploy commands as written, and `databricks jobs run-now` until the run ends."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from tests.workspace.harness import REPO, LocalWorkspace, databricks_cli

TAG = "v0.1.0"
# What GitHub Actions sets for a push of a v* tag.
GITHUB_TAG_ENV = {"GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_EVENT_NAME": "push", "GITHUB_REF": f"refs/tags/{TAG}",
                  "GITHUB_REF_NAME": TAG, "GITHUB_REF_TYPE": "tag", "GITHUB_REPOSITORY": "example/telco-churn"}
TELCO_CHURN = str(Path(sys.executable).parent / "telco-churn")


def release_deploy_steps() -> list[str]:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "onrelease.yml").read_text())
    return [step["run"] for step in workflow["jobs"]["deploy"]["steps"] if "dbx deploy" in step.get("run", "")]


def ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def run_now(workspace: LocalWorkspace, job_id: int, *extra: str) -> dict:
    """`databricks jobs run-now` (the legacy CLI), then runs/get once the run has succeeded."""
    out = ok(databricks_cli(workspace, "jobs", "run-now", "--version", "2.1", "--job-id", str(job_id), *extra))
    run = workspace.wait_run(json.loads(out)["run_id"])
    assert run["state"]["result_state"] == "SUCCESS", json.dumps(run["state"]) + task_errors(workspace, run)
    return run


def task_errors(workspace: LocalWorkspace, run: dict) -> str:
    client = workspace.sdk().api_client
    outputs = [client.do("GET", "/api/2.1/jobs/runs/get-output", query={"run_id": t["run_id"]}) for t in run["tasks"]]
    return "\n".join(o.get("error_trace", o.get("logs", ""))[-3000:] for o in outputs)


def task_logs(workspace: LocalWorkspace, run: dict) -> str:
    client = workspace.sdk().api_client
    return client.do("GET", "/api/2.1/jobs/runs/get-output", query={"run_id": run["tasks"][0]["run_id"]})["logs"]
