"""The local launcher: task order, skipped downstream tasks, errors, and the prod workflows end to end."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from telco_churn.deployment.launcher import launch, local_arguments, plan_workflow, run_tasks
from telco_churn.deployment.spec import DependencyError, UnknownNameError, load_deployment

REPO = Path(__file__).resolve().parents[1]
STATUS = re.compile(
    r"^  (?P<key>\S+)\s+started (?P<started>\S+)\s+took\s+(?P<took>\S+)\s+(?P<status>SUCCESS|FAILED|SKIPPED)"
)


def statuses(output: str) -> dict[str, str]:
    return {m["key"]: m["status"] for m in map(STATUS.match, output.splitlines()) if m}


def wheel_task(key: str, entry_point: str, conf: str, depends_on: tuple[str, ...] = ()) -> str:
    """One python_wheel_task of a prod workflow, as YAML under `tasks:`."""
    depends = ", ".join(f"{{task_key: {d}}}" for d in depends_on)
    return f"""
          - task_key: {key}
            job_cluster_key: c
            depends_on: [{depends}]
            python_wheel_task:
              package_name: telco_churn
              entry_point: {entry_point}
              parameters: ["--env", "prod", "--env-file", "file:fuse://conf/environments.yml",
                           "--conf-file", "file:fuse://conf/job_configs/{conf}"]"""


def deployment_file(tmp_path: Path, workflows: dict[str, list[str]]) -> Path:
    body = "".join(
        f"""
      - name: {name}
        job_clusters: [{{job_cluster_key: c, new_cluster: {{spark_version: x}}}}]
        tasks:{"".join(tasks)}"""
        for name, tasks in workflows.items()
    )
    path = tmp_path / "deployment.yml"
    path.write_text(f"environments:\n  prod:\n    workflows:{body}\n", encoding="utf-8")
    return path


class Recorder:
    """Stands in for telco_churn.jobs.run_entry_point: records calls, fails the chosen ones."""

    def __init__(self, failing: set[str] = frozenset()):
        self.calls: list[tuple[str, list[str]]] = []
        self.failing = failing

    def __call__(self, name: str, argv: list[str], runtime=None) -> int:
        self.calls.append((name, list(argv)))
        return 1 if name in self.failing else 0


@pytest.fixture
def recorder(monkeypatch):
    def install(failing: set[str] = frozenset()) -> Recorder:
        fake = Recorder(failing)
        monkeypatch.setattr("telco_churn.jobs.run_entry_point", fake)
        return fake

    return install


def test_tasks_run_in_depends_on_order_with_local_arguments(tmp_path, recorder):
    fake = recorder()
    path = deployment_file(tmp_path, {"PROD-telco-churn-x": [
        wheel_task("train", "telco-churn-model-train", "model_train.yml", ("features",)),
        wheel_task("ingest", "telco-churn-data-ingest", "data_ingest.yml"),
        wheel_task("features", "telco-churn-feature-table-creation", "feature_table_creation.yml", ("ingest",)),
    ]})
    plan = plan_workflow("PROD-telco-churn-x", deployment_file=path, project_root=REPO)
    out = io.StringIO()
    results = run_tasks(plan.workflow, plan.root, out=out, runtime=object())
    assert [name for name, _ in fake.calls] == [
        "telco-churn-data-ingest", "telco-churn-feature-table-creation", "telco-churn-model-train"]
    # Always the local environment, with the references resolved in the checkout.
    assert fake.calls[0][1] == ["--env", "local", "--env-file", str(REPO / "conf" / "environments.yml"),
                                "--conf-file", str(REPO / "conf" / "job_configs" / "data_ingest.yml")]
    assert [r.status for r in results] == ["SUCCESS"] * 3
    assert statuses(out.getvalue()) == {"ingest": "SUCCESS", "features": "SUCCESS", "train": "SUCCESS"}
    assert "3 succeeded, 0 failed, 0 skipped" in out.getvalue()


def test_a_failure_skips_its_downstream_tasks_only(tmp_path, recorder):
    fake = recorder(failing={"telco-churn-data-ingest"})
    path = deployment_file(tmp_path, {"PROD-telco-churn-x": [
        wheel_task("ingest", "telco-churn-data-ingest", "data_ingest.yml"),
        wheel_task("features", "telco-churn-feature-table-creation", "feature_table_creation.yml", ("ingest",)),
        wheel_task("train", "telco-churn-model-train", "model_train.yml", ("features",)),
        wheel_task("setup", "telco-churn-demo-setup", "demo_setup.yml"),  # independent: still runs
    ]})
    plan = plan_workflow("PROD-telco-churn-x", deployment_file=path, project_root=REPO)
    out = io.StringIO()
    run_tasks(plan.workflow, plan.root, out=out, runtime=object())
    assert [name for name, _ in fake.calls] == ["telco-churn-data-ingest", "telco-churn-demo-setup"]
    assert statuses(out.getvalue()) == {
        "ingest": "FAILED", "features": "SKIPPED", "train": "SKIPPED", "setup": "SUCCESS"}
    assert "(upstream ingest did not succeed)" in out.getvalue()
    assert "(upstream features did not succeed)" in out.getvalue()


def test_a_task_with_a_bad_conf_fails_and_launch_returns_non_zero(tmp_path, capsys, caplog):
    # Real jobs on the real engine: the first task's job config does not exist.
    path = deployment_file(tmp_path, {"PROD-telco-churn-x": [
        wheel_task("ingest", "telco-churn-data-ingest", "no_such_config.yml"),
        wheel_task("features", "telco-churn-feature-table-creation", "feature_table_creation.yml", ("ingest",)),
    ]})
    code = launch("PROD-telco-churn-x", deployment_file=path, workspace_dir=tmp_path / "lakehouse", project_root=REPO)
    output = capsys.readouterr()
    assert code != 0
    assert statuses(output.out) == {"ingest": "FAILED", "features": "SKIPPED"}
    assert "(exit code 2)" in output.out  # a ConfigError's exit code
    assert "no_such_config.yml" in caplog.text  # the job's own error names the file


def test_unknown_workflow_lists_the_valid_names(capsys):
    assert launch("PROD-telco-churn-model-trian", project_root=REPO) == 2
    err = capsys.readouterr().err
    assert "unknown workflow 'PROD-telco-churn-model-trian' in environment 'prod'" in err
    for name in load_deployment(REPO / "conf" / "deployment.yml").workflows("prod"):
        assert name in err


def test_unknown_environment_lists_the_valid_names(capsys):
    assert launch("PROD-telco-churn-model-train", environment="qa", project_root=REPO) == 2
    assert "unknown deployment environment 'qa'" in capsys.readouterr().err
    with pytest.raises(UnknownNameError, match="valid: dev, staging, prod"):
        plan_workflow("PROD-telco-churn-model-train", environment="qa", project_root=REPO)


def test_a_workflow_of_another_environment_says_where_it_is():
    with pytest.raises(UnknownNameError, match=r"it is defined in environment staging"):
        plan_workflow("STAGING-telco-churn-integration-test", environment="prod", project_root=REPO)


def test_a_cycle_is_refused_before_anything_runs(tmp_path, recorder):
    fake = recorder()
    path = deployment_file(tmp_path, {"PROD-telco-churn-x": [
        wheel_task("a", "telco-churn-data-ingest", "data_ingest.yml", ("b",)),
        wheel_task("b", "telco-churn-demo-setup", "demo_setup.yml", ("a",)),
    ]})
    with pytest.raises(DependencyError, match="cycle: a -> b -> a"):
        plan_workflow("PROD-telco-churn-x", deployment_file=path, project_root=REPO)
    assert launch("PROD-telco-churn-x", deployment_file=path, project_root=REPO) == 2
    assert fake.calls == []


def test_environment_comes_from_the_name_prefix():
    plan = plan_workflow("DEV-telco-churn-model-train", project_root=REPO)
    assert plan.workflow.environment == "dev"
    (task,) = plan.workflow.tasks
    assert local_arguments(task, REPO)[:2] == ["--env", "local"]


# --- the production workflows, end to end on the embedded engine ------------------------------


@pytest.fixture(scope="module")
def prod_workspace(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("prod-lakehouse")


def registry(workspace: Path):
    from mlflow import MlflowClient

    from telco_churn.config.environment import load_environment
    from telco_churn.registry import ModelRegistry
    from telco_churn.tracking import TrackingStore

    env = load_environment(REPO / "conf" / "environments.yml", "local")
    store = TrackingStore.local(workspace)
    client = MlflowClient(store.tracking_uri, store.registry_uri)
    return ModelRegistry(env.registered_model_name, env.model_registry, client)


def run_prod(workflow: str, workspace: Path) -> tuple[int, dict[str, str]]:
    out = io.StringIO()
    code = launch(workflow, workspace_dir=workspace, project_root=REPO, out=out)
    return code, statuses(out.getvalue())


def test_prod_initial_model_train_register(prod_workspace):
    code, seen = run_prod("PROD-telco-churn-initial-model-train-register", prod_workspace)
    assert seen == dict.fromkeys(["demo-setup", "data-ingest", "feature-table-creation", "model-train"], "SUCCESS")
    assert code == 0
    assert [v.version for v in registry(prod_workspace).versions()] == [1]


def test_prod_model_train_deployment_and_inference(prod_workspace):
    reg = registry(prod_workspace)
    if not reg.versions():
        pytest.skip("needs the model of test_prod_initial_model_train_register")
    reg.promote(1)  # the manual promotion after the initial run (telco-churn promote)

    assert run_prod("PROD-telco-churn-model-train", prod_workspace) == (0, {"model-train": "SUCCESS"})
    candidate = max(v.version for v in reg.versions())
    assert candidate == 2
    reg.assign(candidate, reg.role_label("candidate"))  # the manual step before model-deployment

    assert run_prod("PROD-telco-churn-model-deployment", prod_workspace) == (0, {"model-deployment": "SUCCESS"})
    current = reg.version_for("current")
    assert current is not None and int(current.version) in (1, candidate)

    assert run_prod("PROD-telco-churn-model-inference-batch", prod_workspace) == (
        0, {"model-inference-batch": "SUCCESS"})


def test_the_cli_launch_subcommand_reaches_the_launcher(capsys):
    from telco_churn.cli import main

    assert main(["launch", "PROD-telco-churn-model-trian"]) == 2
    assert "valid: PROD-telco-churn-demo-setup" in capsys.readouterr().err
