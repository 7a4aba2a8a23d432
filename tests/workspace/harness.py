"""A local workspace in a temporary folder, and the real clients pointed at it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DBX_BIN = REPO / ".venv-dbx" / "bin"
_CLIENT_VARS = ("DATABRICKS_", "MLFLOW_", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "SPARK_REMOTE", "TELCO_CHURN_")
_COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", ".venv-*", ".workspace", ".lakehouse", "dist", "build",
                                      "*.egg-info", "__pycache__", ".pytest_cache", "results", "docs")


def clean_environment() -> dict[str, str]:
    """This process's environment without any client setting: no workspace is reachable from it."""
    return {k: v for k, v in os.environ.items() if not k.upper().startswith(_CLIENT_VARS)}


@dataclass
class LocalWorkspace:
    root: Path
    process: subprocess.Popen
    port: int
    token: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """This process's environment, cleaned of client settings, plus `telco-churn workspace env`."""
        from local_workspace.cli import client_environment

        clean = clean_environment()
        # pip's build isolation makes each `dbx deploy` install setuptools into a throwaway
        # environment before building the same wheel; .venv-dbx has setuptools already. This
        # is pip configuration (as in a pip.conf), not a change to any command: the wheel is the same.
        return {**clean, "PIP_NO_BUILD_ISOLATION": "0", **client_environment(self.root)}

    def sdk(self):
        from databricks.sdk import WorkspaceClient

        return WorkspaceClient(host=self.url, token=self.token)

    def run(self, argv: list[str], cwd: Path = REPO, extra_env: dict | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess:
        env = {**self.env(), **(extra_env or {})}
        return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)

    def wait_run(self, run_id: int, timeout: float = 300) -> dict:
        """runs/get once the run has ended."""
        client = self.sdk()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = client.api_client.do("GET", "/api/2.1/jobs/runs/get", query={"run_id": run_id})
            if run["state"]["life_cycle_state"] in ("TERMINATED", "SKIPPED", "INTERNAL_ERROR"):
                return run
            time.sleep(0.3)
        raise TimeoutError(f"run {run_id} still active after {timeout} s")

    def ended(self, waiter):
        """The SDK's Run of a `jobs.submit` or `run_now` waiter once it has ended, polled every
        0.3 s (for tests that do not test the SDK's waiter, whose sleeps grow by a second a poll)."""
        self.wait_run(waiter.run_id)
        return self.sdk().jobs.get_run(waiter.run_id)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()


def start_workspace(root: Path, token: str | None = None, profile: str = "legacy") -> LocalWorkspace:
    """`local-workspace serve --profile <profile>` on a free port, in the foreground of a child process."""
    state_file = root / "server.json"
    state_file.unlink(missing_ok=True)
    command = [sys.executable, "-m", "local_workspace", "serve", "--dir", str(root), "--port", "0",
               "--profile", profile]
    if token:
        command += ["--token", token]
    log = (root.parent / f"{root.name}.log").open("ab")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=root.parent)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the workspace exited with {process.returncode}; see {log.name}")
        if state_file.exists():
            state = json.loads(state_file.read_text())
            if state["pid"] == process.pid:
                return LocalWorkspace(root, process, state["port"], (root / "token").read_text().strip())
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("the workspace did not start within 60 s")


def project_copy(destination: Path, platform: str = "legacy") -> Path:
    """A copy of the checkout to deploy from (dbx builds dist/ in it). Its environments run on
    `platform`; legacy takes the documented legacy option: `platform: legacy` and
    .dbx/project.legacy.json (dbx's artifacts in the DBFS root) as .dbx/project.json."""
    shutil.copytree(REPO, destination, ignore=_COPY_IGNORE)
    envs = destination / "conf" / "environments.yml"
    envs.write_text(envs.read_text().replace("\n  platform: uc\n", f"\n  platform: {platform}\n", 1))
    if platform == "legacy":
        shutil.copyfile(destination / ".dbx" / "project.legacy.json", destination / ".dbx" / "project.json")
    return destination


def dbx(workspace: LocalWorkspace, project: Path, *args: str) -> subprocess.CompletedProcess:
    return workspace.run([str(DBX_BIN / "dbx"), *args], cwd=project)


def deploy_every_workflow(workspace: LocalWorkspace, project: Path, env: str) -> subprocess.CompletedProcess:
    """`make deploy ENV=env`'s steps: the artifacts' volume (none for a legacy artifact_location),
    the retraining workflow, `telco-churn resolve-job-refs` (dbx cannot name a job in
    run_job_task), then every workflow from the resolved copy."""
    steps = [[str(REPO / ".venv" / "bin" / "telco-churn"), "artifact-volume", "--environment", env],
             [str(DBX_BIN / "dbx"), "deploy", f"{env.upper()}-telco-churn-retraining", "--environment", env],
             [str(REPO / ".venv" / "bin" / "telco-churn"), "resolve-job-refs", "--environment", env,
              "--out", "conf/deployment-resolved.yml"],
             [str(DBX_BIN / "dbx"), "deploy", "--deployment-file", "conf/deployment-resolved.yml", "--environment", env,
              "--no-rebuild"]]
    for step in steps:
        done = workspace.run(step, cwd=project)
        assert done.returncode == 0, f"{step[1:3]}: " + done.stdout[-3000:] + done.stderr[-3000:]
    return done


def databricks_cli(workspace: LocalWorkspace, *args: str) -> subprocess.CompletedProcess:
    return workspace.run([str(DBX_BIN / "databricks"), *args])
