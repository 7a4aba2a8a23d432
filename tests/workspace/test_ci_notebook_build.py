"""`telco-churn ci notebook-build` against a local workspace as Databricks creates one today (profile
uc, no DBFS root): an impossible metric check, a notebook that raises, bad options, and a wheel that
goes to the environment's artifact volume (the training notebook: test_notebook_build_training.py)."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
from databricks.sdk.service import workspace as ws

from tests.workspace.ci_cli import output, telco_churn_here
from tests.workspace.wheels import make_wheel

# An MLflow run made through databricks-sdk, which starts far faster than mlflow on a cluster.
METRIC_NOTEBOOK = """# Databricks notebook source
import time
import uuid

from databricks.sdk import WorkspaceClient

dbutils.widgets.text("max_depth", "3")
client, now = WorkspaceClient(), int(time.time() * 1000)
experiment = client.experiments.create_experiment(f"/Shared/tests/notebook-build-{uuid.uuid4().hex[:6]}").experiment_id
run_id = client.experiments.create_run(experiment_id=experiment, start_time=now).run.info.run_id
client.experiments.log_param(run_id=run_id, key="max_depth", value=dbutils.widgets.get("max_depth"))
client.experiments.log_metric(run_id=run_id, key="roc_auc", value=0.75, timestamp=now)
dbutils.notebook.exit(run_id)
"""
# The same, importing a module that only the attached wheel has.
WHEEL_NOTEBOOK = METRIC_NOTEBOOK.replace("import uuid\n", "import uuid\n\nimport ci_probe  # from the attached wheel\n")
RAISING_NOTEBOOK = """# Databricks notebook source
raise ValueError("the notebook broke on purpose")
"""
SILENT_NOTEBOOK = """# Databricks notebook source
print("trained, but said nothing")
"""
UNKNOWN_RUN_NOTEBOOK = """# Databricks notebook source
dbutils.notebook.exit("0123456789abcdef0123456789abcdef")
"""


@pytest.fixture(scope="module")
def self_contained(tmp_path_factory):
    """A folder with two notebooks that need no wheel, and a cluster spec per notebook."""
    folder = tmp_path_factory.mktemp("self-contained")
    (folder / "src").mkdir()
    (folder / "src" / "metric.py").write_text(METRIC_NOTEBOOK)
    (folder / "src" / "raising.py").write_text(RAISING_NOTEBOOK)
    (folder / "src" / "silent.py").write_text(SILENT_NOTEBOOK)
    (folder / "src" / "unknown_run.py").write_text(UNKNOWN_RUN_NOTEBOOK)
    (folder / "src" / "with_wheel.py").write_text(WHEEL_NOTEBOOK)
    for name in ("metric", "raising", "silent", "unknown_run", "with_wheel"):
        (folder / f"{name}.json").write_text(json.dumps({
            "new_cluster": {"spark_version": "15.4.x-cpu-ml-scala2.12", "num_workers": 0},
            "notebook_task": {"notebook_path": name}, "timeout_seconds": 600}))
    return folder


def _build(uc_workspace, monkeypatch, capsys, folder, name: str, src_dir: str, *checks: str):
    report = folder / f"{name}-report.json"
    done = telco_churn_here(uc_workspace, monkeypatch, capsys, "ci", "notebook-build", "--no-wheel", "--src-dir", src_dir,
                       "--src-files", f"{name}.py", "--dst-dir", f"/Shared/tests/notebook-build-{uuid.uuid4().hex[:6]}",
                       "--cluster-spec", str(folder / f"{name}.json"), "--scratch-dir", str(folder / f"scratch-{name}"),
                       "--report-file", str(report), "--poll-seconds", "0.5", *checks)
    return done, json.loads(report.read_text())


def test_an_impossible_metric_fails_and_the_report_names_the_check(uc_workspace, self_contained, monkeypatch, capsys):
    # Fetched as from a raw git URL (file:// here).
    src = (self_contained / "src").as_uri()
    done, report = _build(uc_workspace, monkeypatch, capsys, self_contained, "metric", src, "--expect-metric", "roc_auc>=0.7",
                          "--expect-metric", "roc_auc>=0.99", "--expect-param", "max_depth=3")
    assert done.returncode == 1, output(done)
    assert report["info"]["result_state"] == "FAILED"
    assert report["info"]["failed_step"] == "fetch MLflow run and check"
    assert "roc_auc>=0.99" in report["info"]["error"] and "roc_auc>=0.7," not in report["info"]["error"]
    assert [(c["check"], c["passed"]) for c in report["checks"]] == [
        ("roc_auc>=0.7", True), ("roc_auc>=0.99", False), ("max_depth=3", True)]
    assert report["checks"][1]["message"] == "roc_auc = 0.75 does not satisfy >= 0.99"
    assert report["databricks_job"]["state"]["result_state"] == "SUCCESS"
    assert report["mlflow_run"]["experiment_name"].startswith("/Shared/tests/notebook-build-")


def test_a_spec_naming_an_existing_cluster_runs_there_and_passes(uc_workspace, self_contained, uc_interactive_cluster,
                                                                  monkeypatch, capsys):
    (self_contained / "on_existing.json").write_text(json.dumps({
        "existing_cluster_id": uc_interactive_cluster, "notebook_task": {"notebook_path": "on_existing"}, "timeout_seconds": 600}))
    (self_contained / "src" / "on_existing.py").write_text(METRIC_NOTEBOOK)
    done, report = _build(uc_workspace, monkeypatch, capsys, self_contained, "on_existing", str(self_contained / "src"),
                          "--expect-metric", "roc_auc>=0.7", "--expect-param", "max_depth=3")
    assert done.returncode == 0, output(done)
    assert report["info"]["result_state"] == "SUCCESS"
    assert report["cluster_spec"]["existing_cluster_id"] == uc_interactive_cluster
    run = uc_workspace.sdk().jobs.get_run(report["databricks_job"]["run_id"])
    assert run.tasks[0].cluster_instance.cluster_id == uc_interactive_cluster


def test_a_raising_notebook_fails_with_its_error_in_the_report(uc_workspace, self_contained, monkeypatch, capsys):
    # Fetched from a workspace folder (exported), as a notebook kept in the workspace is.
    src = f"/Shared/tests/kept-{uuid.uuid4().hex[:6]}"
    client = uc_workspace.sdk()
    client.workspace.mkdirs(src)
    client.workspace.import_(f"{src}/raising", content=base64.b64encode(RAISING_NOTEBOOK.encode()).decode(),
                             format=ws.ImportFormat.SOURCE, language=ws.Language.PYTHON)
    done, report = _build(uc_workspace, monkeypatch, capsys, self_contained, "raising", src, "--expect-metric", "roc_auc>=0.5")
    assert report["downloaded_files"] == [str(self_contained / "scratch-raising" / "notebooks" / "raising.py")]
    assert done.returncode == 1, output(done)
    assert report["info"]["failed_step"] == "check run result"
    assert "ValueError: the notebook broke on purpose" in report["info"]["error"]
    job = report["databricks_job"]
    assert job["state"]["result_state"] == "FAILED"
    assert job["error"] == "ValueError: the notebook broke on purpose"
    assert "Traceback" in job["error_trace"]
    assert report["mlflow_run"] is None and report["checks"] == []
    assert [s["status"] for s in report["steps"]] == ["ok"] * 5 + ["failed", "skipped", "skipped"]


@pytest.mark.parametrize("name, step, error", [
    ("silent", "read exit value", "ended without an exit value: it must end with dbutils.notebook.exit(<MLflow run id>)"),
    ("unknown_run", "fetch MLflow run and check",
     "MLflow run '0123456789abcdef0123456789abcdef' (the notebook's exit value) is not a run of this workspace"),
])
def test_a_notebook_without_a_usable_exit_value_fails_at_its_step(uc_workspace, self_contained, monkeypatch, capsys,
                                                                   name, step, error):
    done, report = _build(uc_workspace, monkeypatch, capsys, self_contained, name, str(self_contained / "src"),
                          "--expect-metric", "roc_auc>=0.5")
    assert done.returncode == 1, output(done)
    assert report["databricks_job"]["state"]["result_state"] == "SUCCESS"  # the run itself went well
    assert report["info"]["result_state"] == "FAILED" and report["info"]["failed_step"] == step
    assert error in report["info"]["error"]
    assert report["mlflow_run"] is None and report["checks"] == []


def test_the_wheel_goes_to_the_environments_artifact_volume_and_the_run_installs_it(
        uc_workspace, self_contained, monkeypatch, capsys, tmp_path):
    wheel = make_wheel(tmp_path, "ci_probe", "VALUE = 1\n", {})
    report = self_contained / "with-wheel-report.json"
    done = telco_churn_here(uc_workspace, monkeypatch, capsys, "ci", "notebook-build", "--wheel", str(wheel),
                            "--param", "env=dev", "--src-dir", str(self_contained / "src"), "--src-files", "with_wheel.py",
                            "--dst-dir", f"/Shared/tests/notebook-build-{uuid.uuid4().hex[:6]}",
                            "--cluster-spec", str(self_contained / "with_wheel.json"),
                            "--scratch-dir", str(self_contained / "scratch-with-wheel"), "--report-file", str(report),
                            "--poll-seconds", "0.5", "--expect-param", "max_depth=3")
    assert done.returncode == 0, output(done)
    (library,) = json.loads(report.read_text())["cluster_spec"]["libraries"]
    # dev's artifact_location in .dbx/project.json is the volume dev.telco_churn.artifacts.
    assert library["whl"].startswith("/Volumes/dev/telco_churn/artifacts/ci/"), library
    assert library["whl"].endswith("/ci_probe-1.0-py3-none-any.whl")
    client = uc_workspace.sdk()
    assert client.volumes.read("dev.telco_churn.artifacts").volume_type.value == "MANAGED"
    with client.files.download(library["whl"]).contents as stored:
        assert stored.read() == wheel.read_bytes()


def test_a_volume_that_cannot_be_created_fails_the_attach_step(uc_workspace, self_contained, monkeypatch, capsys, tmp_path):
    wheel = make_wheel(tmp_path, "ci_probe", "VALUE = 1\n", {})
    report = self_contained / "no-volume-report.json"
    done = telco_churn_here(uc_workspace, monkeypatch, capsys, "ci", "notebook-build", "--wheel", str(wheel),
                            "--wheel-dir", "/Volumes/bad name/s/v/ci", "--src-dir", str(self_contained / "src"),
                            "--src-files", "with_wheel.py", "--dst-dir", f"/Shared/tests/notebook-build-{uuid.uuid4().hex[:6]}",
                            "--cluster-spec", str(self_contained / "with_wheel.json"),
                            "--scratch-dir", str(self_contained / "scratch-no-volume"), "--report-file", str(report))
    assert done.returncode == 1, output(done)
    info = json.loads(report.read_text())["info"]
    assert info["failed_step"] == "attach wheel"
    assert info["error"].startswith("the volume bad name.s.v for the wheel (/Volumes/bad name/s/v/ci) could not be "
                                    "read or created: Invalid catalog name 'bad name'"), info["error"]
    assert "telco-churn artifact-volume" in info["error"]


def test_bad_options_stop_before_the_workspace_is_touched(uc_workspace, self_contained, monkeypatch, capsys):
    destination = f"/Shared/tests/never-{uuid.uuid4().hex[:6]}"
    done = telco_churn_here(uc_workspace, monkeypatch, capsys, "ci", "notebook-build", "--no-wheel", "--src-dir", str(self_contained / "src"),
                       "--dst-dir", destination, "--cluster-spec", str(self_contained / "metric.json"),
                       "--expect-metric", "roc_auc~0.8")
    assert done.returncode == 2 and "--expect-metric 'roc_auc~0.8'" in done.stderr, output(done)
    done = telco_churn_here(uc_workspace, monkeypatch, capsys, "ci", "notebook-build", "--wheel-dir", "/tmp/wheels",
                            "--src-dir", str(self_contained / "src"), "--dst-dir", destination,
                            "--cluster-spec", str(self_contained / "metric.json"))
    assert done.returncode == 2, output(done)
    assert "--wheel-dir /tmp/wheels: give /Volumes/<catalog>/<schema>/<volume>/..." in done.stderr
    done = telco_churn_here(uc_workspace, monkeypatch, capsys, "ci", "notebook-build", "--src-dir", str(self_contained / "src"),
                            "--dst-dir", destination, "--cluster-spec", str(self_contained / "metric.json"))
    assert done.returncode == 2 and "(--param env=dev) or give --wheel-dir" in done.stderr, output(done)
    broken = self_contained / "broken.json"
    broken.write_text(json.dumps({"new_cluster": {"spark_version": "x"}, "notebook_task": {}}))
    done = telco_churn_here(uc_workspace, monkeypatch, capsys, "ci", "notebook-build", "--cluster-spec", str(broken), "--dst-dir", destination)
    assert done.returncode == 2 and f"cluster spec {broken}: key 'notebook_task.notebook_path'" in done.stderr, output(done)
    from databricks.sdk.errors import NotFound

    with pytest.raises(NotFound):
        uc_workspace.sdk().workspace.get_status(destination)
