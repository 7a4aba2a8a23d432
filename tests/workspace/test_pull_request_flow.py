"""The integration-test steps of .github/workflows/onpullrequest.yml, run verbatim against a local
workspace as Databricks creates one today (profile uc): `dbx deploy --assets-only`, then
`dbx launch --from-assets --trace`, after the once-per-environment set-up (staging's artifact volume)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from tests.workspace.flows import TELCO_CHURN, ok
from tests.workspace.harness import REPO

INTEGRATION_TEST = "tests/integration/test_initial_train_register.py"


def integration_steps() -> list[str]:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "onpullrequest.yml").read_text())
    steps = workflow["jobs"]["integration-test"]["steps"]
    return [s["run"] for s in steps if "dbx deploy" in s.get("run", "") or "dbx launch" in s.get("run", "")]


def run_steps(workspace, project, pr: int) -> list[subprocess.CompletedProcess]:
    env = {"GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": f"refs/pull/{pr}/merge",
           "DBX_BRANCH": f"pr-{pr}-run-1-1"}  # the job's `env:` with the values GitHub fills in
    done = []
    for command in integration_steps():
        done.append(workspace.run(["bash", "-e", "-c", command], cwd=project, extra_env=env))
        if done[-1].returncode:
            break
    return done


@pytest.fixture(scope="module")
def staging_volume(uc_workspace, uc_project):
    """docs/deploying-unity-catalog.md's set-up, once per environment: the volume of dbx's artifacts."""
    return ok(uc_workspace.run([TELCO_CHURN, "artifact-volume", "--environment", "staging"], cwd=uc_project))


@pytest.fixture
def workspace(uc_workspace, staging_volume):
    return uc_workspace


@pytest.fixture
def project(uc_project):
    return uc_project


def test_pull_request_integration_test_steps_succeed(workspace, project):
    steps = integration_steps()
    assert len(steps) == 2 and "--assets-only" in steps[0] and "--from-assets" in steps[1]
    done = run_steps(workspace, project, pr=7)
    for step in done:
        assert step.returncode == 0, step.stdout[-3000:] + step.stderr[-3000:]
    assert len(done) == 2
    # --assets-only creates no job; the run was a one-off submit run.
    runs = workspace.sdk().api_client.do("GET", "/api/2.1/jobs/runs/list", query={"run_type": "SUBMIT_RUN"})["runs"]
    assert runs[0]["state"]["result_state"] == "SUCCESS"
    assert runs[0]["tasks"][0]["task_key"] == "integration-test"
    # The wheel and the test files came from staging's artifact volume, not the DBFS root.
    task = workspace.sdk().api_client.do("GET", "/api/2.1/jobs/runs/get", query={"run_id": runs[0]["run_id"]})["tasks"][0]
    assert task["libraries"][-1]["whl"].startswith("dbfs:/Volumes/staging/telco_churn/artifacts/dbx/"), task["libraries"]
    assert task["spark_python_task"]["python_file"].startswith("dbfs:/Volumes/staging/telco_churn/artifacts/dbx/")


@pytest.fixture
def failing_project(project, tmp_path):
    """The clone with a deliberately failing integration test; it runs no chain first, which
    keeps the run short."""
    copy = tmp_path / "telco-churn"
    shutil.copytree(project, copy, symlinks=True)
    test_file = copy / INTEGRATION_TEST
    text = test_file.read_text()
    start = text.index("CHAIN = (")
    end = text.index("\n)\n", start) + 3
    text = text[:start] + "CHAIN = ()\n" + text[end:]
    test_file.write_text(text + "\n\ndef test_deliberately_failing():\n    assert 1 + 1 == 3\n")
    return copy


def test_pull_request_steps_fail_when_the_integration_test_fails(workspace, failing_project):
    done = run_steps(workspace, failing_project, pr=8)
    assert done[0].returncode == 0  # the deploy itself is fine
    assert len(done) == 2 and done[1].returncode != 0
    runs = workspace.sdk().api_client.do("GET", "/api/2.1/jobs/runs/list", query={"run_type": "SUBMIT_RUN"})["runs"]
    assert runs[0]["state"]["result_state"] == "FAILED"
    output = workspace.sdk().api_client.do("GET", "/api/2.1/jobs/runs/get-output", query={"run_id": runs[0]["tasks"][0]["run_id"]})
    assert "test_deliberately_failing" in output["logs"]
