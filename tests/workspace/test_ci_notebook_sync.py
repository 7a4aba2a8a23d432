"""`telco-churn notebooks push|pull` against the local workspace: per-branch folders, a remote
change pulled back, and a push that refuses to replace a changed remote notebook."""

from __future__ import annotations

import base64
import uuid

from databricks.sdk.service import workspace as ws

from tests.workspace.ci_cli import output, telco_churn_here

NOTEBOOK = "# Databricks notebook source\nprint('version one')\n"
CHANGED = "# Databricks notebook source\nprint('changed on the workspace')\n"


def test_push_change_refuse_then_pull(workspace, tmp_path, monkeypatch, capsys):
    branch = f"feature/sync-{uuid.uuid4().hex[:6]}"
    env = {"BRANCH_NAME": branch}
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "train.py").write_text(NOTEBOOK)
    (tmp_path / "notebooks" / "helpers.py").write_text("X = 1\n")
    client = workspace.sdk()
    folder = f"/Users/{client.current_user.me().user_name}/{branch.replace('/', '-')}/notebooks"

    pushed = telco_churn_here(workspace, monkeypatch, capsys, "notebooks", "push", cwd=tmp_path, extra_env=env)
    assert pushed.returncode == 0, output(pushed)
    assert f"copied notebooks/train.py -> {folder}/train" in pushed.stdout
    assert f"copied notebooks/helpers.py -> {folder}/helpers.py" in pushed.stdout
    assert client.workspace.get_status(f"{folder}/train").object_type == ws.ObjectType.NOTEBOOK

    client.workspace.import_(f"{folder}/train", content=base64.b64encode(CHANGED.encode()).decode(),
                             format=ws.ImportFormat.SOURCE, language=ws.Language.PYTHON, overwrite=True)
    refused = telco_churn_here(workspace, monkeypatch, capsys, "notebooks", "push", cwd=tmp_path, extra_env=env)
    assert refused.returncode == 1, output(refused)
    assert f"{folder}/train" in refused.stderr and "nothing was copied" in refused.stderr
    exported = client.workspace.export(f"{folder}/train", format=ws.ExportFormat.SOURCE).content
    assert base64.b64decode(exported).decode() == CHANGED  # the refused push changed nothing

    (tmp_path / "notebooks" / "local_only.py").write_text("# only here\n")
    pulled = telco_churn_here(workspace, monkeypatch, capsys, "notebooks", "pull", cwd=tmp_path, extra_env=env)
    assert pulled.returncode == 0, output(pulled)
    assert f"copied {folder}/train -> notebooks/train.py (changed)" in pulled.stdout
    assert "kept notebooks/local_only.py" in pulled.stdout
    assert (tmp_path / "notebooks" / "train.py").read_text() == CHANGED
    assert (tmp_path / "notebooks" / "local_only.py").exists()
    assert "0 new, 1 changed, 1 unchanged" in pulled.stdout

    deleting = telco_churn_here(workspace, monkeypatch, capsys, "notebooks", "pull", "--delete", cwd=tmp_path, extra_env=env)
    assert deleting.returncode == 0 and "deleted notebooks/local_only.py" in deleting.stdout, output(deleting)
    assert not (tmp_path / "notebooks" / "local_only.py").exists()


def test_push_to_the_shared_master_copy_with_overwrite(workspace, tmp_path, monkeypatch, capsys):
    target = f"/Shared/tests/master-{uuid.uuid4().hex[:6]}/notebooks"
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "train.py").write_text(NOTEBOOK)
    client = workspace.sdk()
    client.workspace.mkdirs(target)
    client.workspace.import_(f"{target}/train", content=base64.b64encode(CHANGED.encode()).decode(),
                             format=ws.ImportFormat.SOURCE, language=ws.Language.PYTHON, overwrite=True)
    done = telco_churn_here(workspace, monkeypatch, capsys, "notebooks", "push", "--overwrite", "--to", target, cwd=tmp_path)
    assert done.returncode == 0 and f"copied notebooks/train.py -> {target}/train" in done.stdout, output(done)
    exported = client.workspace.export(f"{target}/train", format=ws.ExportFormat.SOURCE).content
    assert base64.b64decode(exported).decode() == NOTEBOOK


def test_trigger_refuses_a_branch_whose_notebooks_were_not_pushed(workspace, tmp_path, monkeypatch, capsys):
    folder = f"/Users/nobody/never-pushed-{uuid.uuid4().hex[:6]}/notebooks"
    done = telco_churn_here(workspace, monkeypatch, capsys, "ci", "trigger", "train", "--folder", folder)
    assert done.returncode == 1 and f"{folder}/train does not exist: push the branch's notebooks first" in done.stderr, output(done)
    assert not list(workspace.sdk().jobs.list_runs(active_only=True))


def test_a_workspace_refusal_is_one_clear_line(workspace, tmp_path, monkeypatch, capsys):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "train.py").write_text(NOTEBOOK)
    done = telco_churn_here(workspace, monkeypatch, capsys, "notebooks", "push", "--to", "/Shared/../escape", cwd=tmp_path)
    assert done.returncode == 1 and "error: the workspace refused a request:" in done.stderr, output(done)
    assert "'..'" in done.stderr and "Traceback" not in done.stderr


def test_trigger_runs_the_branch_notebook_with_env_and_branch(workspace, tmp_path, monkeypatch, capsys):
    branch = f"feature/trigger-{uuid.uuid4().hex[:6]}"
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "score.py").write_text(
        '# Databricks notebook source\ndbutils.notebook.exit(dbutils.widgets.get("env") + "|" + dbutils.widgets.get("branch"))\n')
    spec = tmp_path / "cluster.json"
    spec.write_text('{"new_cluster": {"spark_version": "15.4.x-cpu-ml-scala2.12", "num_workers": 0}}')
    env = {"BRANCH_NAME": branch}
    assert telco_churn_here(workspace, monkeypatch, capsys, "notebooks", "push", cwd=tmp_path, extra_env=env).returncode == 0
    done = telco_churn_here(workspace, monkeypatch, capsys, "ci", "trigger", "score", "--no-wheel", "--cluster-spec", str(spec),
                            "--poll-seconds", "0.5", extra_env=env)
    assert done.returncode == 0, output(done)
    assert f"SUCCESS, exit value 'dev|{branch}'" in done.stdout
