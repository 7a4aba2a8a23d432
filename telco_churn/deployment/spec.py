"""Reads conf/deployment.yml (dbx 0.8 format): workflows, tasks, file references, task order."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import yaml

from telco_churn.config.loader import load_yaml

FILE_PREFIXES = ("file:fuse://", "file://")
# Workflow names carry their deployment environment as a prefix: PROD-telco-churn-model-train.
ENV_PREFIXES = {"DEV": "dev", "STAGING": "staging", "PROD": "prod"}
WORKFLOW_NAME_RE = re.compile(r"\b(?:DEV|STAGING|PROD)-telco-churn(?:-[a-z0-9]+)+\b")
TASK_TYPES = (
    "python_wheel_task",
    "spark_python_task",
    "notebook_task",
    "spark_jar_task",
    "spark_submit_task",
    "pipeline_task",
    "sql_task",
    "dbt_task",
    # Control flow: no cluster, no command line (the closed loop of docs/monitoring.md).
    "condition_task",
    "run_job_task",
)


class DeploymentSpecError(ValueError):
    """The deployment file is unreadable or does not describe valid workflows."""


class UnknownNameError(DeploymentSpecError):
    """An environment, workflow or task name that the deployment file does not define."""


class DependencyError(DeploymentSpecError):
    """A depends_on that names no task of the workflow, or a cycle."""


@dataclass(frozen=True)
class Task:
    key: str
    task_type: str
    depends_on: tuple[str, ...]
    arguments: tuple[str, ...]  # the command line Databricks passes to the task
    package_name: str | None = None
    entry_point: str | None = None
    python_file: str | None = None
    job_cluster_key: str | None = None
    new_cluster: bool = False
    existing_cluster_id: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Workflow:
    name: str
    environment: str
    tasks: tuple[Task, ...]
    job_cluster_keys: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def task(self, key: str) -> Task:
        for task in self.tasks:
            if task.key == key:
                return task
        raise UnknownNameError(f"workflow {self.name} has no task '{key}'; tasks: {', '.join(self.task_keys)}")

    @property
    def task_keys(self) -> list[str]:
        return [t.key for t in self.tasks]

    def ordered_tasks(self) -> list[Task]:
        """Tasks in an order that runs every task after its depends_on."""
        return topological_order(self.tasks, self.name)


@dataclass(frozen=True)
class DeploymentSpec:
    path: Path
    environments: Mapping[str, Mapping[str, Workflow]]

    @property
    def environment_names(self) -> list[str]:
        return list(self.environments)

    def workflows(self, environment: str) -> Mapping[str, Workflow]:
        if environment not in self.environments:
            valid = ", ".join(self.environments) or "(none)"
            raise UnknownNameError(
                f"unknown deployment environment '{environment}' in {self.path}; valid: {valid}"
            )
        return self.environments[environment]

    def workflow(self, environment: str, name: str) -> Workflow:
        workflows = self.workflows(environment)
        if name not in workflows:
            elsewhere = [env for env, wfs in self.environments.items() if name in wfs]
            hint = f" (it is defined in environment {', '.join(elsewhere)})" if elsewhere else ""
            raise UnknownNameError(
                f"unknown workflow '{name}' in environment '{environment}' of {self.path}{hint}; "
                f"valid: {', '.join(workflows)}"
            )
        return workflows[name]


def environment_of(workflow_name: str) -> str | None:
    """The deployment environment a workflow name's prefix stands for (PROD- -> prod)."""
    prefix = workflow_name.split("-", 1)[0]
    return ENV_PREFIXES.get(prefix)


def workflow_names_in(text: str) -> set[str]:
    """Every DEV-/STAGING-/PROD-telco-churn-... name mentioned in a text."""
    return set(WORKFLOW_NAME_RE.findall(text))


def load_deployment(path: str | Path) -> DeploymentSpec:
    """Parses a dbx deployment file (YAML anchors and merge keys resolved)."""
    path = Path(path)
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DeploymentSpecError(f"cannot read deployment file {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise DeploymentSpecError(f"malformed YAML in deployment file {path}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("environments"), dict):
        raise DeploymentSpecError(f"{path}: expected a mapping with an 'environments' section")
    environments: dict[str, dict[str, Workflow]] = {}
    for env_name, env_body in data["environments"].items():
        where = f"{path}: environments.{env_name}"
        if not isinstance(env_body, dict):
            raise DeploymentSpecError(f"{where}: expected a mapping")
        if "jobs" in env_body and "workflows" not in env_body:
            raise DeploymentSpecError(f"{where}: uses the pre-0.7 'jobs:' key; dbx 0.8 expects 'workflows:'")
        raw_workflows = env_body.get("workflows")
        if not isinstance(raw_workflows, list):
            raise DeploymentSpecError(f"{where}: expected a 'workflows' list")
        workflows: dict[str, Workflow] = {}
        for i, raw in enumerate(raw_workflows):
            workflow = _parse_workflow(raw, str(env_name), f"{where}.workflows[{i}]")
            if workflow.name in workflows:
                raise DeploymentSpecError(f"{where}: workflow {workflow.name} is defined twice")
            workflows[workflow.name] = workflow
        environments[str(env_name)] = workflows
    return DeploymentSpec(path=path, environments=environments)


def _parse_workflow(raw: Any, environment: str, where: str) -> Workflow:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise DeploymentSpecError(f"{where}: a workflow needs a 'name'")
    name = raw["name"]
    if "tasks" in raw:
        raw_tasks = raw["tasks"]
        if not isinstance(raw_tasks, list) or not raw_tasks:
            raise DeploymentSpecError(f"{where} ({name}): 'tasks' must be a non-empty list")
        tasks = tuple(_parse_task(t, f"{where} ({name}).tasks[{i}]") for i, t in enumerate(raw_tasks))
    else:
        # Jobs API 2.0 layout: the workflow is its own single task.
        tasks = (_parse_task({"task_key": name, **raw}, f"{where} ({name})"),)
    keys = [t.key for t in tasks]
    duplicated = sorted({k for k in keys if keys.count(k) > 1})
    if duplicated:
        raise DeploymentSpecError(f"{where} ({name}): duplicated task keys {duplicated}")
    clusters = raw.get("job_clusters") or []
    cluster_keys = tuple(c.get("job_cluster_key") for c in clusters if isinstance(c, dict))
    return Workflow(name=name, environment=environment, tasks=tasks, job_cluster_keys=cluster_keys, raw=raw)


def _parse_task(raw: Any, where: str) -> Task:
    if not isinstance(raw, dict) or not isinstance(raw.get("task_key"), str):
        raise DeploymentSpecError(f"{where}: a task needs a 'task_key'")
    key = raw["task_key"]
    types = [t for t in TASK_TYPES if t in raw]
    if len(types) != 1:
        raise DeploymentSpecError(f"{where} (task {key}): expected exactly one task type, found {types or 'none'}")
    task_type = types[0]
    body = raw[task_type] or {}
    depends = raw.get("depends_on") or []
    if not isinstance(depends, list) or not all(isinstance(d, dict) and "task_key" in d for d in depends):
        raise DeploymentSpecError(f"{where} (task {key}): depends_on must be a list of {{task_key: ...}}")
    return Task(
        key=key,
        task_type=task_type,
        depends_on=tuple(str(d["task_key"]) for d in depends),
        arguments=tuple(task_arguments(body, f"{where} (task {key})")),
        package_name=body.get("package_name"),
        entry_point=body.get("entry_point"),
        python_file=body.get("python_file"),
        job_cluster_key=raw.get("job_cluster_key"),
        new_cluster="new_cluster" in raw,
        existing_cluster_id=raw.get("existing_cluster_id"),
        raw=raw,
    )


def task_arguments(body: Mapping[str, Any], where: str = "task") -> list[str]:
    """The argv a task body gets on Databricks: `parameters`, or named_parameters as --key=value."""
    params = body.get("parameters")
    named = body.get("named_parameters")
    if params and named:
        raise DeploymentSpecError(f"{where}: parameters and named_parameters are mutually exclusive")
    if named:
        return [f"--{k}={v}" for k, v in named.items()]
    if params is None:
        return []
    if not isinstance(params, list):
        raise DeploymentSpecError(f"{where}: parameters must be a list of strings")
    return [str(p) for p in params]


def option_values(argv: Iterable[str], option: str) -> list[str]:
    """Every value given to `option` in argv, as `--opt value` or `--opt=value`."""
    args = list(argv)
    values = []
    for i, arg in enumerate(args):
        if arg == option and i + 1 < len(args):
            values.append(args[i + 1])
        elif arg.startswith(option + "="):
            values.append(arg[len(option) + 1 :])
    return values


def replace_option(argv: Iterable[str], option: str, value: str) -> list[str]:
    """argv with every value of `option` set to value (both spellings kept as they were)."""
    args = list(argv)
    out: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == option and i + 1 < len(args):
            out += [arg, value]
            i += 2
            continue
        out.append(f"{option}={value}" if arg.startswith(option + "=") else arg)
        i += 1
    return out


def positional_arguments(argv: Iterable[str], options_with_values: Iterable[str]) -> list[str]:
    """The arguments that are neither options nor option values."""
    takes_value = set(options_with_values)
    args = list(argv)
    out = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in takes_value:
            i += 2
            continue
        if not arg.startswith("--"):
            out.append(arg)
        i += 1
    return out


def is_file_reference(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FILE_PREFIXES)


def file_references(value: Any) -> Iterator[str]:
    """Every file:// and file:fuse:// string inside a (nested) YAML value, in order."""
    if is_file_reference(value):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from file_references(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from file_references(item)


def reference_path(reference: str) -> str:
    """The checkout-relative path of a file:// or file:fuse:// reference."""
    for prefix in FILE_PREFIXES:
        if reference.startswith(prefix):
            return reference[len(prefix) :]
    raise DeploymentSpecError(f"not a file reference: {reference}")


def resolve_reference(reference: str, root: str | Path) -> Path:
    """Where a reference points in the checkout at root (dbx resolves them from the project root)."""
    return Path(root) / reference_path(reference)


def localize_arguments(argv: Iterable[str], root: str | Path) -> list[str]:
    """argv with file references (also inside --opt=file://...) replaced by checkout paths."""
    out = []
    for arg in argv:
        if is_file_reference(arg):
            out.append(str(resolve_reference(arg, root)))
        elif arg.startswith("--") and "=" in arg and is_file_reference(arg.split("=", 1)[1]):
            option, ref = arg.split("=", 1)
            out.append(f"{option}={resolve_reference(ref, root)}")
        else:
            out.append(arg)
    return out


def topological_order(tasks: Iterable[Task], workflow: str = "workflow") -> list[Task]:
    """Tasks ordered so that each comes after its depends_on; file order breaks ties."""
    tasks = list(tasks)
    by_key = {t.key: t for t in tasks}
    for task in tasks:
        for dep in task.depends_on:
            if dep not in by_key:
                raise DependencyError(
                    f"{workflow}: task '{task.key}' depends on '{dep}', which is not a task of this "
                    f"workflow; tasks: {', '.join(by_key)}"
                )
    done: set[str] = set()
    order: list[Task] = []
    while len(order) < len(tasks):
        ready = [t for t in tasks if t.key not in done and all(d in done for d in t.depends_on)]
        if not ready:
            cycle = _find_cycle({t.key: t.depends_on for t in tasks if t.key not in done})
            raise DependencyError(f"{workflow}: depends_on forms a cycle: {' -> '.join(cycle)}")
        order.append(ready[0])
        done.add(ready[0].key)
    return order


def _find_cycle(graph: Mapping[str, tuple[str, ...]]) -> list[str]:
    # Called only when no task is ready, so following the first unfinished dependency
    # from any node must come back to a node already on the path.
    node = next(iter(graph))
    path: list[str] = []
    while node not in path:
        path.append(node)
        node = next(d for d in graph[node] if d in graph)
    return path[path.index(node) :] + [node]


def downstream_of(workflow: Workflow, key: str) -> set[str]:
    """Keys of every task that depends, directly or not, on task `key`."""
    found: set[str] = set()
    frontier = {key}
    while frontier:
        frontier = {t.key for t in workflow.tasks if set(t.depends_on) & frontier} - found
        found |= frontier
    return found
