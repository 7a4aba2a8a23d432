"""Job and submit-run settings: validated once, when they arrive, with errors naming the task."""

from __future__ import annotations

import copy
from typing import Any

from local_workspace.errors import InvalidParameterValue

# Task types this workspace can run, and the ones it knows but cannot run (refused up front).
RUNNABLE_TASK_TYPES = ("python_wheel_task", "spark_python_task", "notebook_task", "condition_task", "run_job_task")
CLUSTERLESS_TASK_TYPES = ("condition_task", "run_job_task")  # they run in the workspace, on no cluster
CONDITION_OPS = ("EQUAL_TO", "NOT_EQUAL", "GREATER_THAN", "GREATER_THAN_OR_EQUAL", "LESS_THAN", "LESS_THAN_OR_EQUAL")
KNOWN_TASK_TYPES = RUNNABLE_TASK_TYPES + (
    "spark_jar_task", "spark_submit_task", "pipeline_task", "sql_task", "dbt_task", "for_each_task", "clean_rooms_notebook_task", "dashboard_task", "power_bi_task",
)
CLUSTER_FIELDS = ("job_cluster_key", "new_cluster", "existing_cluster_id", "environment_key")
# The top-level fields the Jobs API keeps (databricks-sdk's JobSettings, and a submit run's);
# others, such as the `workflow_type` dbx 0.8 adds, are dropped as Databricks drops them.
JOB_FIELDS = frozenset((
    "budget_policy_id", "continuous", "deployment", "description", "duration_target", "edit_mode",
    "email_notifications", "environment_variables", "environments", "format", "git_source", "health", "job_clusters",
    "max_concurrent_runs", "name", "notification_settings", "parameters", "parent_path", "performance_target",
    "queue", "run_as", "schedule", "tags", "tasks", "timeout_seconds", "trigger", "triggers", "usage_policy_id",
    "webhook_notifications", "run_name", "access_control_list", "idempotency_token",
))
RUN_IF = ("ALL_SUCCESS", "AT_LEAST_ONE_SUCCESS", "NONE_FAILED", "ALL_DONE", "AT_LEAST_ONE_FAILED", "ALL_FAILED")


def task_type(task: dict) -> str:
    types = [t for t in KNOWN_TASK_TYPES if t in task]
    key = task.get("task_key", "?")
    if len(types) != 1:
        found = ", ".join(types) or "none"
        raise InvalidParameterValue(f"Task {key} must have exactly one task type (python_wheel_task, "
                                    f"spark_python_task, notebook_task, ...); found {found}")
    if types[0] not in RUNNABLE_TASK_TYPES:
        raise InvalidParameterValue(f"Task {key}: {types[0]} is not supported by this local workspace; "
                                    f"supported: {', '.join(RUNNABLE_TASK_TYPES)}")
    return types[0]


def _single_task(settings: dict) -> dict:
    """A Jobs 2.0 single-task body (task type, cluster and libraries at the top) as one task."""
    task = {"task_key": settings.get("name") or "task"}
    for field in (*KNOWN_TASK_TYPES, *CLUSTER_FIELDS, "libraries", "timeout_seconds", "max_retries"):
        if field in settings:
            task[field] = settings.pop(field)
    settings["tasks"] = [task]
    return settings


def _check_cluster(task: dict, job_clusters: dict[str, dict]) -> None:
    key = task["task_key"]
    chosen = [f for f in CLUSTER_FIELDS if task.get(f)]
    if task_type(task) in CLUSTERLESS_TASK_TYPES:
        if chosen or task.get("libraries"):
            raise InvalidParameterValue(f"Task {key}: a {task_type(task)} runs on no cluster; remove "
                                        f"{', '.join(chosen) or 'libraries'}")
        return
    if len(chosen) != 1:
        raise InvalidParameterValue(f"Task {key} must set exactly one of job_cluster_key, new_cluster "
                                    f"or existing_cluster_id; found {', '.join(chosen) or 'none'}")
    if chosen[0] == "environment_key":
        raise InvalidParameterValue(f"Task {key}: serverless environments are not supported by this local "
                                    "workspace; give the task a cluster")
    if chosen[0] == "job_cluster_key" and task["job_cluster_key"] not in job_clusters:
        raise InvalidParameterValue(f"Task {key} refers to job cluster '{task['job_cluster_key']}', "
                                    f"which is not among the job's job_clusters ({', '.join(job_clusters) or 'none'})")
    if chosen[0] == "new_cluster":
        check_cluster_spec(task["new_cluster"], f"Task {key}: new_cluster")


def check_cluster_spec(spec: Any, where: str) -> None:
    if not isinstance(spec, dict):
        raise InvalidParameterValue(f"{where} must be an object")
    if not spec.get("spark_version") and not spec.get("policy_id"):
        raise InvalidParameterValue(f"{where} needs a spark_version")
    env = spec.get("spark_env_vars", {})
    if not isinstance(env, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
        raise InvalidParameterValue(f"{where}: spark_env_vars must map names to strings")


def _check_libraries(task: dict) -> None:
    libraries = task.get("libraries", [])
    if not isinstance(libraries, list):
        raise InvalidParameterValue(f"Task {task['task_key']}: libraries must be a list")
    for library in libraries:
        if not isinstance(library, dict) or len(library) != 1:
            raise InvalidParameterValue(f"Task {task['task_key']}: each library is an object with one kind, e.g. "
                                        "{\"whl\": \"dbfs:/...\"} or {\"pypi\": {\"package\": \"...\"}}")
        kind, value = next(iter(library.items()))
        if kind == "pypi":
            if not isinstance(value, dict) or not isinstance(value.get("package"), str):
                raise InvalidParameterValue(f"Task {task['task_key']}: a pypi library needs a package")
        elif kind in ("whl", "requirements"):
            if not isinstance(value, str) or not value:
                raise InvalidParameterValue(f"Task {task['task_key']}: a {kind} library needs a path")
        else:
            raise InvalidParameterValue(f"Task {task['task_key']}: {kind} libraries are not supported by this "
                                        "local workspace; use whl, pypi or requirements")


def _check_task_body(task: dict) -> None:
    key = task["task_key"]
    kind = task_type(task)
    body = task[kind]
    if not isinstance(body, dict):
        raise InvalidParameterValue(f"Task {key}: {kind} must be an object")
    if kind == "python_wheel_task":
        for field in ("package_name", "entry_point"):
            if not isinstance(body.get(field), str) or not body[field]:
                raise InvalidParameterValue(f"Task {key}: python_wheel_task needs {field}")
        if body.get("named_parameters") == {}:
            del body["named_parameters"]  # dbx 0.8 sends an empty one beside `parameters`
        if "parameters" in body and "named_parameters" in body:
            raise InvalidParameterValue(f"Task {key}: python_wheel_task takes parameters or named_parameters, not both")
    if kind == "condition_task":
        if body.get("op") not in CONDITION_OPS:
            raise InvalidParameterValue(f"Task {key}: condition_task op must be one of {', '.join(CONDITION_OPS)}")
        for side in ("left", "right"):
            if not isinstance(body.get(side), str):
                raise InvalidParameterValue(f"Task {key}: condition_task needs {side}, a string")
    if kind == "run_job_task":
        if not isinstance(body.get("job_id"), int) or isinstance(body.get("job_id"), bool):
            raise InvalidParameterValue(f"Task {key}: run_job_task needs job_id, an integer")
        if not isinstance(body.get("job_parameters", {}), dict):
            raise InvalidParameterValue(f"Task {key}: run_job_task job_parameters must be an object")
    if kind == "spark_python_task" and not isinstance(body.get("python_file"), str):
        raise InvalidParameterValue(f"Task {key}: spark_python_task needs python_file")
    if kind == "notebook_task" and not isinstance(body.get("notebook_path"), str):
        raise InvalidParameterValue(f"Task {key}: notebook_task needs notebook_path")
    parameters = body.get("parameters", [])
    if not isinstance(parameters, list) or not all(isinstance(p, str) for p in parameters):
        raise InvalidParameterValue(f"Task {key}: parameters must be a list of strings")
    named = body.get("named_parameters", body.get("base_parameters", {}))
    if not isinstance(named, dict):
        raise InvalidParameterValue(f"Task {key}: named parameters must be an object")


def topological_order(tasks: list[dict]) -> list[str]:
    """Task keys with every task after the tasks it depends on; refuses cycles."""
    deps = {t["task_key"]: [d["task_key"] for d in t.get("depends_on", [])] for t in tasks}
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(key: str, trail: tuple[str, ...]) -> None:
        if state.get(key) == 2:
            return
        if state.get(key) == 1:
            raise InvalidParameterValue(f"Tasks depend on each other in a cycle: {' -> '.join((*trail, key))}")
        state[key] = 1
        for dep in deps[key]:
            visit(dep, (*trail, key))
        state[key] = 2
        order.append(key)

    for key in deps:
        visit(key, ())
    return order


def normalize(raw: Any, what: str = "job settings") -> dict:
    """Checked settings (a deep copy): tasks, their clusters, libraries, dependencies."""
    if not isinstance(raw, dict):
        raise InvalidParameterValue(f"{what} must be an object")
    settings = copy.deepcopy(raw)
    if "tasks" not in settings:
        settings = _single_task(settings)
    settings = {k: v for k, v in settings.items() if k in JOB_FIELDS}
    tasks = settings["tasks"]
    if not isinstance(tasks, list) or not tasks:
        raise InvalidParameterValue(f"{what}: tasks must be a non-empty list")
    clusters = settings.get("job_clusters", [])
    if not isinstance(clusters, list):
        raise InvalidParameterValue(f"{what}: job_clusters must be a list")
    job_clusters: dict[str, dict] = {}
    for cluster in clusters:
        if not isinstance(cluster, dict) or not isinstance(cluster.get("job_cluster_key"), str):
            raise InvalidParameterValue(f"{what}: each job cluster needs a job_cluster_key")
        check_cluster_spec(cluster.get("new_cluster"), f"Job cluster {cluster['job_cluster_key']}: new_cluster")
        job_clusters[cluster["job_cluster_key"]] = cluster["new_cluster"]
    keys: set[str] = set()
    for task in tasks:
        if not isinstance(task, dict) or not isinstance(task.get("task_key"), str) or not task["task_key"]:
            raise InvalidParameterValue(f"{what}: every task needs a task_key")
        if task["task_key"] in keys:
            raise InvalidParameterValue(f"{what}: task_key '{task['task_key']}' is used twice")
        keys.add(task["task_key"])
        # dbx's own field (no_package), which it leaves in what it sends; the Jobs API ignores fields
        # it does not know, as it does for the job's own (JOB_FIELDS above).
        task.pop("deployment_config", None)
    for task in tasks:
        depends_on = task.get("depends_on", [])
        if not isinstance(depends_on, list) or not all(isinstance(d, dict) and "task_key" in d for d in depends_on):
            raise InvalidParameterValue(f"Task {task['task_key']}: depends_on must be a list of {{\"task_key\": ...}}")
        for dep in depends_on:
            if dep["task_key"] not in keys:
                raise InvalidParameterValue(f"Task {task['task_key']} depends on '{dep['task_key']}', which is not a task of this job")
            _check_outcome(task["task_key"], dep, next(t for t in tasks if t["task_key"] == dep["task_key"]))
        if task.get("run_if", "ALL_SUCCESS") not in RUN_IF:
            raise InvalidParameterValue(f"Task {task['task_key']}: run_if must be one of {', '.join(RUN_IF)}")
        _check_task_body(task)
        _check_cluster(task, job_clusters)
        _check_libraries(task)
        _check_timeout(task.get("timeout_seconds", 0), f"Task {task['task_key']}: timeout_seconds")
    topological_order(tasks)
    if "schedule" in settings:
        settings["schedule"] = check_schedule(settings["schedule"])
    _check_timeout(settings.get("timeout_seconds", 0), f"{what}: timeout_seconds")
    limit = settings.get("max_concurrent_runs", 1)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 0 <= limit <= 1000:
        raise InvalidParameterValue(f"{what}: max_concurrent_runs must be an integer from 0 to 1000")
    return settings


def _check_outcome(key: str, dep: dict, upstream: dict) -> None:
    """`depends_on: [{task_key, outcome}]`: only on a condition_task, and "true" or "false"."""
    if "outcome" not in dep:
        return
    if "condition_task" not in upstream:
        raise InvalidParameterValue(f"Task {key}: depends_on '{dep['task_key']}' has an outcome, but "
                                    f"'{dep['task_key']}' is not a condition_task")
    if dep["outcome"] not in ("true", "false"):
        raise InvalidParameterValue(f"Task {key}: depends_on '{dep['task_key']}' outcome must be \"true\" or \"false\"")


def check_schedule(schedule: Any) -> dict:
    """A job's `schedule`: a valid quartz cron, a known time zone, pause_status (UNPAUSED by default)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from local_workspace.services.jobs.quartz import QuartzCron, QuartzError

    if not isinstance(schedule, dict):
        raise InvalidParameterValue("schedule must be an object")
    expression, zone = schedule.get("quartz_cron_expression"), schedule.get("timezone_id")
    if not isinstance(expression, str):
        raise InvalidParameterValue("schedule.quartz_cron_expression is required")
    if not isinstance(zone, str):
        raise InvalidParameterValue("schedule.timezone_id is required")
    try:
        QuartzCron(expression)
    except QuartzError as exc:
        raise InvalidParameterValue(f"Invalid Quartz Cron Expression: {expression}: {exc}") from None
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidParameterValue(f"Invalid timezone_id: {zone}") from None
    pause = schedule.setdefault("pause_status", "UNPAUSED")
    if pause not in ("PAUSED", "UNPAUSED"):
        raise InvalidParameterValue("schedule.pause_status must be PAUSED or UNPAUSED")
    return schedule


def _check_timeout(value: Any, where: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidParameterValue(f"{where} must be a non-negative integer")
