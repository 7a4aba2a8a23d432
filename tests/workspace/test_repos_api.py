"""The Repos API on the local workspace: real git clones under /Repos, switched between branches
and tags, whose notebooks and files run by their /Repos/... path."""

from __future__ import annotations

import subprocess

import pytest
from databricks.sdk.errors import InvalidParameterValue, NotFound
from databricks.sdk.service import compute, jobs, workspace as ws

from tests.workspace.parity import assert_parses

CLUSTER = compute.ClusterSpec(spark_version="17.3.x-cpu-ml-scala2.13", num_workers=0)


def _git(folder, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=folder, check=True,
                          capture_output=True, text=True)
    return done.stdout.strip()


@pytest.fixture(scope="module")
def origin(tmp_path_factory):
    """A git repository with main (X = 'one'), branch two (X = 'two') and tag v2 on it."""
    folder = tmp_path_factory.mktemp("origin")
    (folder / "nb").mkdir()
    (folder / "nb" / "show.py").write_text("# Databricks notebook source\nimport helper\ndbutils.notebook.exit(helper.X)\n")
    (folder / "helper.py").write_text("X = 'one'\n")
    (folder / "script.py").write_text("import sys\nimport helper\nprint('script says', helper.X, sys.argv[1:])\n")
    _git(folder, "init", "-q", "-b", "main")
    _git(folder, "add", "-A")
    _git(folder, "commit", "-qm", "one")
    _git(folder, "checkout", "-qb", "two")
    (folder / "helper.py").write_text("X = 'two'\n")
    _git(folder, "commit", "-qam", "two")
    _git(folder, "tag", "v2")
    _git(folder, "checkout", "-q", "main")
    return folder


def _run_from_repo(workspace, client, path: str) -> tuple[str, str]:
    """(the notebook's exit value, the script's log) of one run of both, by /Repos path."""
    run = workspace.ended(client.jobs.submit(run_name="from-repo", tasks=[
        jobs.SubmitTask(task_key="notebook", new_cluster=CLUSTER,
                        notebook_task=jobs.NotebookTask(notebook_path=f"{path}/nb/show")),
        jobs.SubmitTask(task_key="script", new_cluster=CLUSTER,
                        spark_python_task=jobs.SparkPythonTask(python_file=f"{path}/script.py", parameters=["a"])),
    ]))
    assert run.state.result_state == jobs.RunResultState.SUCCESS, run.state.state_message
    by_key = {t.task_key: t.run_id for t in run.tasks}
    return (client.jobs.get_run_output(by_key["notebook"]).notebook_output.result,
            client.jobs.get_run_output(by_key["script"]).logs)


def test_repo_lifecycle_with_runs_by_repos_path(workspace, origin):
    client = workspace.sdk()
    created = client.repos.create(url=origin.as_uri(), provider="gitHub", path="/Repos/tests/demo")
    assert (created.path, created.branch, created.head_commit_id) == ("/Repos/tests/demo", "main", _git(origin, "rev-parse", "main"))
    api = client.api_client
    assert_parses(ws.GetRepoResponse, api.do("GET", f"/api/2.0/repos/{created.id}"))
    assert_parses(ws.ListReposResponse, api.do("GET", "/api/2.0/repos", query={"path_prefix": "/Repos/tests"}))
    assert [r.id for r in client.repos.list(path_prefix="/Repos/tests")] == [created.id]
    assert client.workspace.get_status("/Repos/tests/demo").object_type == ws.ObjectType.REPO
    top = {o.path: o.object_type for o in client.workspace.list("/Repos/tests/demo")}
    assert top == {"/Repos/tests/demo/nb": ws.ObjectType.DIRECTORY, "/Repos/tests/demo/helper.py": ws.ObjectType.FILE,
                   "/Repos/tests/demo/script.py": ws.ObjectType.FILE}  # no .git
    assert client.workspace.get_status("/Repos/tests/demo/nb/show.py").object_type == ws.ObjectType.NOTEBOOK

    result, logs = _run_from_repo(workspace, client, "/Repos/tests/demo")
    assert result == "one" and "script says one ['a']" in logs

    client.repos.update(created.id, branch="two")
    assert client.repos.get(created.id).branch == "two"
    result, logs = _run_from_repo(workspace, client, "/Repos/tests/demo")
    assert result == "two" and "script says two ['a']" in logs

    client.repos.update(created.id, tag="v2")
    tagged = client.repos.get(created.id)
    assert tagged.branch is None and tagged.head_commit_id == _git(origin, "rev-parse", "v2")

    client.repos.delete(created.id)
    with pytest.raises(NotFound):
        client.repos.get(created.id)
    with pytest.raises(NotFound):
        client.workspace.get_status("/Repos/tests/demo")
    assert not (workspace.root / "workspace" / "Repos" / "tests" / "demo").exists()


def test_bad_repo_requests_are_refused_and_change_nothing(workspace, origin):
    client = workspace.sdk()
    with pytest.raises(InvalidParameterValue, match="clones only local repositories"):
        client.repos.create(url="https://github.com/example/project.git", provider="gitHub", path="/Repos/tests/web")
    with pytest.raises(InvalidParameterValue, match="Invalid provider"):
        client.repos.create(url=origin.as_uri(), provider="svn", path="/Repos/tests/bad")
    with pytest.raises(InvalidParameterValue, match="must be /Repos/<folder>/<repo name>"):
        client.repos.create(url=origin.as_uri(), provider="gitHub", path="/Shared/not-a-repo")
    with pytest.raises(InvalidParameterValue, match="is not a folder"):
        client.repos.create(url="/nonexistent/repository", provider="gitHub", path="/Repos/tests/missing")
    repo = client.repos.create(url=str(origin), provider="gitHub", path="/Repos/tests/kept")
    with pytest.raises(InvalidParameterValue, match="Branch 'nope' does not exist"):
        client.repos.update(repo.id, branch="nope")
    assert client.repos.get(repo.id).branch == "main"
    client.repos.delete(repo.id)
    assert [r.path for r in client.repos.list(path_prefix="/Repos/tests")] == []
    for path in ("/Repos/tests/web", "/Repos/tests/bad", "/Repos/tests/missing", "/Shared/not-a-repo"):
        with pytest.raises(NotFound):
            client.workspace.get_status(path)
