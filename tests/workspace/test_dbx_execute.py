"""`dbx execute --cluster-name` on an all-purpose cluster: dbx uploads the wheel through MLflow,
installs it in an execution context from its /dbfs path, restarts Python (runtime 17.3) and runs
the task's entry point; a second `dbx execute` reuses the context kept in .dbx/lock.json.

The cluster is started with ClusterManager.start in the workspace's own process, until the
Clusters API can create all-purpose clusters (then: `w.clusters.create_and_wait`).
"""

from __future__ import annotations

import json
import os
import subprocess
import threading

import pytest

from tests.workspace.harness import DBX_BIN, clean_environment, project_copy

# TELCO_CHURN_ENGINE: the project takes DATABRICKS_RUNTIME_VERSION (which a context has, as on
# Databricks) for a real Databricks runtime with databricks-feature-engineering; this cluster is not one.
SPEC = {"spark_version": "17.3.x-cpu-ml-scala2.13", "num_workers": 0, "node_type_id": "local",
        "spark_env_vars": {"TELCO_CHURN_ENGINE": "connect"}}
CLUSTER = "dev-interactive"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A workspace served from this process (so the test can start an all-purpose cluster in it),
    with its server.json written, so that `telco-churn workspace env` points the clients at it."""
    from werkzeug.serving import make_server

    from local_workspace.app import Workspace
    from local_workspace.cli import client_environment

    workspace = Workspace(tmp_path_factory.mktemp("dbx-execute") / "ws", profile="legacy")  # dbx uploads to the DBFS root
    server = make_server("127.0.0.1", 0, None, threaded=True)
    workspace.port = server.server_port
    server.app = workspace.wsgi()
    workspace.dirs.server_file.write_text(json.dumps({"pid": os.getpid(), "port": workspace.port}))
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    cluster = workspace.clusters.start(run_id=None, name=CLUSTER, spec=SPEC, source="API")
    env = {**clean_environment(), "PIP_NO_BUILD_ISOLATION": "0", **client_environment(workspace.dirs.root)}
    yield workspace, cluster, env
    server.shutdown()
    workspace.close()


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    folder = project_copy(tmp_path_factory.mktemp("clone") / "telco-churn")
    (folder / ".venv-dbx").symlink_to(DBX_BIN.parent)
    return folder


def _dbx(env, project, *args) -> subprocess.CompletedProcess:
    return subprocess.run([str(DBX_BIN / "dbx"), *args], cwd=project, env=env, capture_output=True, text=True,
                          timeout=600)


def test_dbx_execute_runs_the_entry_point_in_a_context_and_reuses_it(served, project):
    workspace, cluster, env = served
    # Local paths for the configuration files until clusters see /dbfs (the mounts), where dbx puts them.
    parameters = {"parameters": ["--env", "dev", "--env-file", str(project / "conf" / "environments.yml"),
                                 "--conf-file", str(project / "conf" / "job_configs" / "demo_setup.yml")]}
    done = _dbx(env, project, "execute", "DEV-telco-churn-demo-setup", "--cluster-name", CLUSTER,
                "--environment", "dev", "--parameters", json.dumps(parameters))
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "Entrypoint execution finished" in done.stdout and "Restarting Python" in done.stdout
    context_id = json.loads((project / ".dbx" / "lock.json").read_text())["context_id"]
    assert workspace.commands.context_status(cluster.cluster_id, context_id)["status"] == "Running"

    again = _dbx(env, project, "execute", "DEV-telco-churn-demo-setup", "--cluster-name", CLUSTER,
                 "--environment", "dev", "--parameters", json.dumps(parameters), "--no-rebuild")
    assert again.returncode == 0, again.stdout[-4000:] + again.stderr[-4000:]
    assert "Existing context is active, using it" in again.stdout
    assert json.loads((project / ".dbx" / "lock.json").read_text())["context_id"] == context_id
