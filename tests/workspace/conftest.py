"""One local workspace for the whole session (tests that kill it start their own)."""

from __future__ import annotations

import subprocess

import pytest

from tests.workspace.browser import browser  # noqa: F401 - one Chromium for the session's browser tests
from tests.workspace.flows import TELCO_CHURN
from tests.workspace.harness import DBX_BIN, LocalWorkspace, dbx, deploy_every_workflow, project_copy, start_workspace

INITIAL = "PROD-telco-churn-initial-model-train-register"


@pytest.fixture(autouse=True)
def _close_pages(request):
    """Closes the pages a browser test opened: an open run page reloads itself while the run is
    active, and a renderer left behind costs the rest of the session CPU."""
    yield
    if "browser" in request.fixturenames:
        for context in request.getfixturevalue("browser").contexts:
            context.close()


@pytest.fixture(scope="session")
def workspace(tmp_path_factory) -> LocalWorkspace:
    running = start_workspace(tmp_path_factory.mktemp("workspaces") / "shared", profile="legacy")
    yield running
    running.stop()


def _clone(folder):
    """The copy as a user or a CI runner has it: a git checkout with .venv-dbx, to run dbx from."""
    (folder / ".venv-dbx").symlink_to(DBX_BIN.parent)
    for command in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"],
                    ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "clone"]):
        subprocess.run(command, cwd=folder, check=True, capture_output=True)
    return folder


@pytest.fixture(scope="session")
def project(tmp_path_factory, dbx_python):
    """A clone of the checkout with the legacy settings, for the legacy session workspace."""
    return _clone(project_copy(tmp_path_factory.mktemp("clone") / "telco-churn"))


@pytest.fixture(scope="session")
def uc_workspace(tmp_path_factory) -> LocalWorkspace:
    """A workspace as Databricks creates one today (profile uc)."""
    running = start_workspace(tmp_path_factory.mktemp("workspaces") / "uc", profile="uc")
    yield running
    running.stop()


@pytest.fixture(scope="session")
def uc_project(tmp_path_factory, dbx_python):
    """A clone of the checkout with its default (Unity Catalog) settings."""
    return _clone(project_copy(tmp_path_factory.mktemp("clone-uc") / "telco-churn", platform="uc"))


@pytest.fixture(scope="session")
def deployed_uc(uc_workspace, uc_project):
    """The README's first steps on a new workspace, once for the modules of SHARED's uc group:
    `telco-churn artifact-volume`, then `dbx deploy` and `dbx launch --trace` of the initial chain
    (prod): (artifact-volume, deploy, launch) completed processes."""
    created = uc_workspace.run([TELCO_CHURN, "artifact-volume", "--environment", "prod"],
                               cwd=uc_project)
    deployed = dbx(uc_workspace, uc_project, "deploy", INITIAL, "--environment", "prod")
    launched = dbx(uc_workspace, uc_project, "launch", INITIAL, "--environment", "prod", "--trace")
    return created, deployed, launched


@pytest.fixture(scope="session")
def deployed_prod(workspace, project):
    """`dbx deploy --environment prod` (every PROD- workflow), then the initial chain launched
    with `dbx launch --trace`: (deploy, launch) completed processes. Every workflow goes through
    `make deploy`'s steps: the retraining job first, whose id the monitoring job's run_job_task needs."""
    done = deploy_every_workflow(workspace, project, "prod")
    launched = dbx(workspace, project, "launch", INITIAL, "--environment", "prod", "--trace")
    return done, launched


def _interactive_cluster(workspace: LocalWorkspace, name: str):
    from datetime import timedelta

    w = workspace.sdk()
    details = w.clusters.create_and_wait(cluster_name=name, spark_version="17.3.x-cpu-ml-scala2.13",
                                         num_workers=0, node_type_id="local", timeout=timedelta(minutes=3))
    yield details.cluster_id
    w.clusters.permanent_delete(details.cluster_id)


@pytest.fixture(scope="session")
def interactive_cluster(workspace) -> str:
    """An all-purpose cluster made as a user makes one (`w.clusters.create_and_wait`), for the
    modules that run on an existing_cluster_id; none of them installs a library on it."""
    yield from _interactive_cluster(workspace, "shared-interactive")


@pytest.fixture(scope="session")
def uc_interactive_cluster(uc_workspace) -> str:
    """The same on the uc session workspace."""
    yield from _interactive_cluster(uc_workspace, "shared-interactive-uc")
