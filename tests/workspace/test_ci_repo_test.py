"""`telco-churn ci repo-test` on a temporary clone of this repository: a branch whose integration
test passes, one whose test fails; the temporary repo under /Repos/ci is gone either way. The same
on an all-purpose cluster (`--existing-cluster-id`), and the Repos-API recipe it follows, run as
its users write it with the legacy `databricks_cli` package (tests/workspace/repos_api_recipe.py).
All on a workspace as Databricks creates one today (profile uc), with the project's default settings."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest

from tests.workspace.ci_cli import output, telco_churn_here
from tests.workspace.harness import DBX_BIN, REPO, project_copy

RECIPE = REPO / "tests" / "workspace" / "repos_api_recipe.py"


def _git(folder, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=folder, check=True, capture_output=True)


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """This checkout as a git repository with branches `passing` (as it is) and `failing`
    (a model config that scikit-learn >= 1.3 refuses, which the integration test must catch)."""
    folder = project_copy(tmp_path_factory.mktemp("repo-test") / "telco-churn", platform="uc")
    _git(folder, "init", "-q", "-b", "main")
    _git(folder, "add", "-A")
    _git(folder, "commit", "-qm", "clone")
    _git(folder, "branch", "passing")
    _git(folder, "checkout", "-qb", "failing")
    config = folder / "conf" / "job_configs" / "model_train.yml"
    config.write_text(config.read_text().replace("max_features: sqrt", "max_features: auto"))
    _git(folder, "commit", "-qam", "max_features: auto")
    _git(folder, "checkout", "-q", "main")
    spec = tmp_path_factory.mktemp("repo-test-spec") / "cluster.json"
    spec.write_text(json.dumps({"new_cluster": {"spark_version": "15.4.x-cpu-ml-scala2.12", "num_workers": 0},
                                "timeout_seconds": 600}))
    return folder, spec


def _repo_test(uc_workspace, monkeypatch, capsys, clone, branch: str):
    folder, spec = clone
    return telco_churn_here(uc_workspace, monkeypatch, capsys, "ci", "repo-test", "--git-url", folder.as_uri(), "--branch", branch,
                       "--cluster-spec", str(spec), "--poll-seconds", "0.5")


def _left_under_repos_ci(uc_workspace) -> list[str]:
    client = uc_workspace.sdk()
    return [o.path for o in client.workspace.list("/Repos/ci")] + [r.path for r in client.repos.list(path_prefix="/Repos/ci")]


def test_repo_test_passes_on_a_good_branch_and_leaves_no_repo(uc_workspace, clone, monkeypatch, capsys):
    done = _repo_test(uc_workspace, monkeypatch, capsys, clone, "passing")
    assert done.returncode == 0, output(done)
    assert "Checked out passing at" in done.stdout and "SUCCESS" in done.stdout
    assert "/Repos/ci/telco-churn_passing_" in done.stdout
    assert _left_under_repos_ci(uc_workspace) == []


def test_repo_test_fails_on_a_broken_branch_with_the_error_and_leaves_no_repo(uc_workspace, clone, monkeypatch, capsys):
    done = _repo_test(uc_workspace, monkeypatch, capsys, clone, "failing")
    assert done.returncode == 1, output(done)
    assert "FAILED" in done.stderr and "max_features" in done.stderr
    assert "Deleted repo" in done.stdout
    assert _left_under_repos_ci(uc_workspace) == []


def test_repo_test_interrupted_cancels_its_run_and_deletes_the_repo(uc_workspace, clone):
    """SIGTERM (a CI runner cancelling the job) while the run is active: exit 130, no repo left."""
    folder, spec = clone
    process = subprocess.Popen([sys.executable, "-m", "telco_churn.cli", "ci", "repo-test", "--git-url", folder.as_uri(),
                                "--branch", "passing", "--cluster-spec", str(spec), "--poll-seconds", "0.2"],
                               cwd=REPO, env=uc_workspace.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in process.stdout:  # until the run is submitted and polled once
        lines.append(line)
        if " waiting " in line:
            break
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, "".join(lines) + out + err
    run_id = int(next(line for line in lines if line.startswith("Submitted run")).split()[2])
    assert f"Interrupted: run {run_id} canceled" in err and "Deleted repo" in out
    assert uc_workspace.wait_run(run_id)["state"]["result_state"] == "CANCELED"
    assert _left_under_repos_ci(uc_workspace) == []


def test_repo_test_on_an_existing_cluster(uc_workspace, clone, uc_interactive_cluster, monkeypatch, capsys):
    folder, _ = clone
    done = telco_churn_here(uc_workspace, monkeypatch, capsys, "ci", "repo-test", "--git-url", folder.as_uri(),
                            "--branch", "passing", "--existing-cluster-id", uc_interactive_cluster, "--poll-seconds", "0.5")
    assert done.returncode == 0, output(done)
    run_id = int(next(line for line in done.stdout.splitlines() if line.startswith("Submitted run")).split()[2])
    run = uc_workspace.sdk().jobs.get_run(run_id)
    assert run.tasks[0].existing_cluster_id == uc_interactive_cluster
    assert run.tasks[0].cluster_instance.cluster_id == uc_interactive_cluster
    assert _left_under_repos_ci(uc_workspace) == []


@pytest.mark.parametrize("branch, state", [("passing", "SUCCESS"), ("failing", "FAILED")])
def test_the_repos_api_recipe_as_written(uc_workspace, clone, uc_interactive_cluster, branch, state):
    """create_repo, update_repo(branch=...), submit_run(run_name, existing_cluster_id, notebook_task),
    then get_run until result_state: SUCCESS on the passing branch, FAILED on the failing one."""
    folder, _ = clone
    path = f"/Repos/recipe/telco-churn-{branch}"
    done = uc_workspace.run([str(DBX_BIN / "python"), str(RECIPE), folder.as_uri(), "gitHub", path, branch,
                          uc_interactive_cluster, "notebooks/integration_test", "0.5"])
    assert done.returncode == (0 if state == "SUCCESS" else 1), output(done)
    assert done.stdout.splitlines()[-1] == state
    if state == "FAILED":
        assert "max_features" in done.stdout  # the notebook's error, in the run's state message
    run_id = int(done.stdout.split()[1])
    assert uc_workspace.sdk().jobs.get_run(run_id).tasks[0].cluster_instance.cluster_id == uc_interactive_cluster
    assert [r.path for r in uc_workspace.sdk().repos.list(path_prefix="/Repos/recipe")] == []
