"""What the pages show, derived from the Jobs API's own job and run dicts: state words,
durations, times, and tasks laid out in columns by their depends_on depth."""

from __future__ import annotations

import json
import time

from local_workspace.services.jobs.models import ACTIVE_STATES
from local_workspace.services.jobs.scheduler import next_run_time
from local_workspace.services.jobs.settings import topological_order

RESULT_WORDS = {"SUCCESS": "Succeeded", "FAILED": "Failed", "TIMEDOUT": "Timed out", "CANCELED": "Canceled",
                "UPSTREAM_FAILED": "Upstream failed", "UPSTREAM_CANCELED": "Upstream canceled",
                "SKIPPED": "Skipped", "EXCLUDED": "Excluded", "SUCCESS_WITH_FAILURES": "Succeeded with failures"}
LIFE_WORDS = {"QUEUED": "Queued", "PENDING": "Pending", "BLOCKED": "Pending", "RUNNING": "Running",
              "TERMINATING": "Running", "INTERNAL_ERROR": "Failed", "SKIPPED": "Skipped", "TERMINATED": "Ended"}
TASK_KINDS = {"python_wheel_task": "Python wheel", "spark_python_task": "Python script", "notebook_task": "Notebook",
              "condition_task": "If/else condition", "run_job_task": "Run Job"}
REPAIRABLE = ("FAILED", "TIMEDOUT", "CANCELED", "UPSTREAM_FAILED", "UPSTREAM_CANCELED")


def state_word(state: dict) -> str:
    """Pending, Running, Succeeded, Failed, Canceled, Timed out (and Queued, Skipped, ...)."""
    result = state.get("result_state")
    if result and state["life_cycle_state"] not in ACTIVE_STATES:
        return RESULT_WORDS.get(result, result.title())
    return LIFE_WORDS.get(state["life_cycle_state"], state["life_cycle_state"].title())


def state_class(state: dict) -> str:
    """A CSS class for a state word: state-succeeded, state-timed-out, ..."""
    return "state-" + state_word(state).lower().replace(" ", "-")


def is_active(state: dict) -> bool:
    return state["life_cycle_state"] in ACTIVE_STATES


def can_repair(run: dict) -> bool:
    return (not is_active(run["state"]) and run.get("job_id") is not None and
            any(t["state"].get("result_state") in REPAIRABLE or t["state"]["life_cycle_state"] == "INTERNAL_ERROR"
                for t in run.get("tasks", [])))


def duration(ms: int | None) -> str:
    if not ms:
        return "-"
    if ms < 1000:
        return f"{ms} ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def clock(ms: int | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(ms / 1000)) if ms else "-"


def columns(tasks: list[dict]) -> list[list[dict]]:
    """Tasks in columns: a task sits one column right of the deepest task it depends on."""
    by_key = {t["task_key"]: t for t in tasks}
    depth: dict[str, int] = {}
    for key in topological_order(tasks):
        depth[key] = 1 + max((depth[d["task_key"]] for d in by_key[key].get("depends_on", [])), default=-1)
    out: list[list[dict]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for key in topological_order(tasks):
        out[depth[key]].append(by_key[key])
    return out


def task_facts(task: dict, job_clusters: list[dict]) -> dict:
    """Type, entry point or file, parameters, cluster and libraries of one task (never its
    cluster's environment variables)."""
    kind = next((k for k in TASK_KINDS if k in task), None)
    body = task.get(kind, {}) if kind else {}
    if kind == "python_wheel_task":
        entry = f"{body.get('package_name')} : {body.get('entry_point')}"
    elif kind == "spark_python_task":
        entry = body.get("python_file", "")
    elif kind == "condition_task":
        entry = f"{body.get('left')} {body.get('op')} {body.get('right')}"
    elif kind == "run_job_task":
        entry = f"job {body.get('job_id')}"
    else:
        entry = body.get("notebook_path", "")
    params = body.get("parameters") or body.get("named_parameters") or body.get("base_parameters")
    return {"kind": TASK_KINDS.get(kind, kind or "unknown"), "entry": entry,
            "parameters": json.dumps(params) if params else "",
            "cluster": _cluster(task, job_clusters), "libraries": [_library(lib) for lib in task.get("libraries", [])],
            "depends_on": [d["task_key"] for d in task.get("depends_on", [])]}


def _cluster(task: dict, job_clusters: list[dict]) -> str:
    if task.get("job_cluster_key"):
        spec = next((c["new_cluster"] for c in job_clusters if c["job_cluster_key"] == task["job_cluster_key"]), {})
        return f"{task['job_cluster_key']} (job cluster, {_cluster_size(spec)})"
    if task.get("new_cluster"):
        return f"new cluster ({_cluster_size(task['new_cluster'])})"
    return task.get("existing_cluster_id") or "-"


def _cluster_size(spec: dict) -> str:
    workers = spec.get("num_workers", 0)
    return f"{spec.get('spark_version', '?')}, {workers} worker{'s' if workers != 1 else ''}"


def _library(library: dict) -> str:
    kind, value = next(iter(library.items()))
    if isinstance(value, dict):
        value = value.get("package") or value.get("coordinates") or json.dumps(value)
    return f"{kind}: {value}"


def schedule_facts(settings: dict) -> dict | None:
    """A scheduled job's cron, time zone, pause status and next run time, for its page."""
    schedule = settings.get("schedule")
    if not schedule:
        return None
    upcoming = next_run_time(schedule)
    return {"cron": schedule["quartz_cron_expression"], "timezone": schedule["timezone_id"],
            "pause_status": schedule.get("pause_status", "UNPAUSED"),
            "next": upcoming.strftime("%Y-%m-%d %H:%M:%S %Z") if upcoming else "none (paused)"}


def run_parameters(settings: dict) -> tuple[str, object]:
    """What the "Run now with different parameters" dialog offers, prefilled: the job's
    parameters (job_parameters), else the first Python task's parameters (python_params)."""
    if settings.get("parameters"):
        return "job_parameters", [(p["name"], p.get("default", "")) for p in settings["parameters"]]
    for task in settings.get("tasks", []):
        for kind in ("python_wheel_task", "spark_python_task"):
            if kind in task and "parameters" in task[kind]:
                return "python_params", json.dumps(task[kind]["parameters"])
    return "python_params", "[]"
