"""Offline checks of a deployment file against the checkout: files, entry points, task graph."""

from __future__ import annotations

import contextlib
import runpy
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from telco_churn.deployment.spec import (
    DeploymentSpec,
    DeploymentSpecError,
    Task,
    Workflow,
    environment_of,
    file_references,
    option_values,
    reference_path,
    resolve_reference,
    topological_order,
    workflow_names_in,
)

ENTRY_POINT_PREFIX = "telco-churn-"
# Jobs whose runs must never overlap: two deployments at once could each promote their own
# winner (two Production versions, or a champion moved twice). Locally a lock file serializes
# them (telco_churn/pipelines/locking.py); on Databricks the job's max_concurrent_runs does.
ONE_RUN_AT_A_TIME = ("telco-churn-model-deployment",)


@dataclass(frozen=True)
class PackageInfo:
    """What setup.py declares: the distribution name and its console scripts."""

    name: str
    console_scripts: Mapping[str, str]  # script name -> "module:function"


def read_setup_py(setup_py: str | Path) -> PackageInfo:
    """The name and console_scripts that setup.py passes to setup(), read by running it
    with setup() replaced (nothing is built or installed)."""
    import setuptools

    setup_py = Path(setup_py).resolve()
    captured: dict[str, Any] = {}
    original = setuptools.setup
    setuptools.setup = lambda **kwargs: captured.update(kwargs)
    try:
        with contextlib.chdir(setup_py.parent):
            runpy.run_path(str(setup_py), run_name="__main__")
    finally:
        setuptools.setup = original
    if not captured:
        raise DeploymentSpecError(f"{setup_py}: setup() was not called")
    entry_points = captured.get("entry_points") or {}
    scripts: dict[str, str] = {}
    for line in entry_points.get("console_scripts", []) if isinstance(entry_points, dict) else []:
        script, _, target = str(line).partition("=")
        scripts[script.strip()] = target.strip()
    return PackageInfo(name=str(captured.get("name")), console_scripts=scripts)


def job_conf_name(entry_point: str) -> str:
    """The job config a job entry point reads: telco-churn-model-train -> model_train.yml."""
    return entry_point.removeprefix(ENTRY_POINT_PREFIX).replace("-", "_") + ".yml"


def check_deployment(
    spec: DeploymentSpec,
    root: str | Path,
    package: PackageInfo | None = None,
    known_environments: Callable[[Path], set[str]] | None = None,
    job_confs: Mapping[str, str] | None = None,
) -> list[str]:
    """Every problem found, each naming its workflow, task and file; [] when all is well.

    package: what setup.py declares (entry points are checked when given).
    known_environments: reads an --env-file and returns its environment names.
    job_confs: entry point -> the job config file name its job reads (telco_churn.jobs);
    without it the naming rule of job_conf_name() is used.
    """
    root = Path(root)
    problems: list[str] = []
    for workflows in spec.environments.values():
        for workflow in workflows.values():
            problems += check_workflow(workflow, root, package, known_environments, job_confs)
    return problems


def check_workflow(
    workflow: Workflow,
    root: Path,
    package: PackageInfo | None = None,
    known_environments: Callable[[Path], set[str]] | None = None,
    job_confs: Mapping[str, str] | None = None,
) -> list[str]:
    problems: list[str] = []
    where = f"{workflow.environment}/{workflow.name}"

    prefix_env = environment_of(workflow.name)
    if prefix_env != workflow.environment:
        problems.append(
            f"{where}: the name's prefix stands for environment {prefix_env or '(none)'}, "
            f"but it is defined under environment {workflow.environment}"
        )
    try:
        topological_order(workflow.tasks, where)
    except DeploymentSpecError as exc:
        problems.append(str(exc))

    serial = sorted({t.entry_point for t in workflow.tasks if t.entry_point in ONE_RUN_AT_A_TIME})
    if serial and workflow.raw.get("max_concurrent_runs") != 1:
        problems.append(f"{where}: runs {', '.join(serial)}, which must never run twice at once: "
                        f"set max_concurrent_runs: 1 (found {workflow.raw.get('max_concurrent_runs')!r})")
    for ref in file_references({k: v for k, v in workflow.raw.items() if k != "tasks"}):
        if not resolve_reference(ref, root).exists():
            problems.append(f"{where}: referenced file {reference_path(ref)} does not exist ({ref})")
    for task in workflow.tasks:
        found = _check_task(task, workflow, root, package, known_environments, job_confs)
        problems += [f"{where} task {task.key}: {p}" for p in found]
    return problems


def _check_task(
    task: Task,
    workflow: Workflow,
    root: Path,
    package: PackageInfo | None,
    known_environments: Callable[[Path], set[str]] | None,
    job_confs: Mapping[str, str] | None,
) -> list[str]:
    if task.task_type in CONTROL_TASKS:
        return _check_control_task(task, workflow)
    problems: list[str] = []
    for ref in file_references(task.raw):
        if not resolve_reference(ref, root).exists():
            problems.append(f"referenced file {reference_path(ref)} does not exist ({ref})")

    clusters = [c for c in (task.job_cluster_key, task.new_cluster or None, task.existing_cluster_id) if c]
    if len(clusters) != 1:
        problems.append("needs exactly one of job_cluster_key, new_cluster, existing_cluster_id")
    if task.job_cluster_key and task.job_cluster_key not in workflow.job_cluster_keys:
        problems.append(f"job_cluster_key '{task.job_cluster_key}' is not declared in the workflow's job_clusters")

    if task.task_type == "spark_python_task":
        if not str(task.python_file or "").startswith("file://"):
            problems.append(f"python_file must be a file:// reference, got {task.python_file!r}")
    elif task.task_type == "python_wheel_task":
        problems += _check_wheel_task(task, package, job_confs, root)
    else:
        problems.append(f"task type {task.task_type} cannot be run by the local launcher")

    envs = option_values(task.arguments, "--env")
    if envs != [workflow.environment]:
        problems.append(f"passes --env {envs or '(nothing)'}; expected --env {workflow.environment}")
    problems += _check_config_options(task)
    # The job reads conf/environments.yml from inside the wheel (setup.py packages conf/).
    env_file = root / PACKAGED_ENV_FILE
    if known_environments is not None and env_file.exists() and workflow.environment not in known_environments(env_file):
        problems.append(f"environment {workflow.environment} is not defined in {PACKAGED_ENV_FILE}")
    return problems


PACKAGED_ENV_FILE = "conf/environments.yml"


def _check_config_options(task: Task) -> list[str]:
    """No config file handed over as a file:fuse:// reference: dbx gives the job a /dbfs/ path for
    it, in the DBFS root, which a Unity Catalog workspace refuses. The configs ship in the wheel."""
    return [f"{option} {value}: dbx hands file:fuse:// files to the job as /dbfs/ paths in the DBFS root, "
            f"which Unity Catalog workspaces refuse; the configs ship inside the wheel, drop {option}"
            for option in ("--env-file", "--conf-file") for value in option_values(task.arguments, option)
            if value.startswith("file:fuse://")]


def _check_wheel_task(task: Task, package: PackageInfo | None, job_confs: Mapping[str, str] | None,
                      root: Path) -> list[str]:
    problems = []
    if package is not None:
        if task.package_name != package.name:
            problems.append(f"package_name {task.package_name!r} is not setup.py's name {package.name!r}")
        if task.entry_point not in package.console_scripts:
            problems.append(
                f"entry point {task.entry_point!r} is not a console_scripts entry of setup.py "
                f"(declared: {', '.join(sorted(package.console_scripts))})"
            )
    confs = option_values(task.arguments, "--conf-file")
    if job_confs is None:
        expected = job_conf_name(task.entry_point or "")
    elif task.entry_point not in job_confs:
        problems.append(f"entry point {task.entry_point!r} is not a job of telco_churn.jobs.ENTRY_POINTS")
        return problems
    else:
        expected = job_confs[task.entry_point]
    if len(confs) > 1:
        problems.append(f"passes --conf-file {len(confs)} times; expected at most once")
    elif confs and Path(reference_path(confs[0]) if confs[0].startswith("file:") else confs[0]).name != expected:
        problems.append(f"entry point {task.entry_point} gets job config {confs[0]}; expected .../{expected}")
    elif not confs and not (root / "conf" / "job_configs" / expected).is_file():
        problems.append(f"the job reads conf/job_configs/{expected} from inside the wheel, and it does not exist")
    return problems


def defined_environments(env_file: Path) -> set[str]:
    """The environment names an --env-file (conf/environments.yml) defines."""
    from telco_churn.config.loader import read_yaml

    return set(read_yaml(env_file).get("environments") or {})


def undefined_workflow_names(spec: DeploymentSpec, text: str) -> list[str]:
    """Workflow names a text mentions (DEV-/STAGING-/PROD-telco-churn-...) that the
    deployment file does not define in the environment their prefix stands for."""
    missing = []
    for name in sorted(workflow_names_in(text)):
        env = environment_of(name)
        if name not in spec.environments.get(env or "", {}):
            missing.append(f"{name} (not a workflow of environment {env})")
    return missing


CONTROL_TASKS = ("condition_task", "run_job_task")
# The operators of the Jobs API's condition_task.
CONDITION_OPS = ("EQUAL_TO", "NOT_EQUAL", "GREATER_THAN", "GREATER_THAN_OR_EQUAL", "LESS_THAN", "LESS_THAN_OR_EQUAL")


def _check_control_task(task: Task, workflow: Workflow) -> list[str]:
    """condition_task: a known operator and both operands; run_job_task: a job id, or job://NAME of
    a workflow of the same environment (replaced by its id after deployment: dbx cannot resolve it)."""
    body = task.raw[task.task_type] or {}
    if task.task_type == "condition_task":
        problems = [] if body.get("op") in CONDITION_OPS else [f"condition_task op {body.get('op')!r} is not one of {', '.join(CONDITION_OPS)}"]
        return problems + [f"condition_task needs '{side}'" for side in ("left", "right") if body.get(side) in (None, "")]
    job_id = body.get("job_id")
    if isinstance(job_id, int):
        return []
    if isinstance(job_id, str) and job_id.startswith("job://"):
        target_env = environment_of(job_id[len("job://"):])
        return [] if target_env == workflow.environment else [
            f"run_job_task {job_id} names a workflow of environment {target_env or '(none)'}, not {workflow.environment}"]
    return [f"run_job_task job_id must be a job id or job://WORKFLOW-NAME, got {job_id!r}"]
