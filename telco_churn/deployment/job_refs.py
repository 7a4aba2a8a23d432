"""run_job_task's job_id by workflow name: dbx 0.8.19 resolves named references for clusters, pools,
pipelines, warehouses and others, but not for jobs. `job://NAME` in conf/deployment.yml is replaced
by the id of the job of that name, found in the workspace, in a copy that dbx then deploys."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import yaml

from telco_churn.config.loader import load_yaml
from telco_churn.deployment.spec import DeploymentSpecError

PREFIX = "job://"


def job_references(raw: Any) -> list[str]:
    """Every workflow name referenced as run_job_task.job_id: job://NAME."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            job_id = (node.get("run_job_task") or {}).get("job_id") if isinstance(node.get("run_job_task"), dict) else None
            if isinstance(job_id, str) and job_id.startswith(PREFIX):
                found.append(job_id[len(PREFIX):])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(raw)
    return sorted(set(found))


def resolve(raw: Any, job_id_of: Callable[[str], int]) -> Any:
    """raw with each run_job_task.job_id job://NAME replaced by job_id_of(NAME)."""
    if isinstance(raw, dict):
        out = {k: resolve(v, job_id_of) for k, v in raw.items()}
        task = out.get("run_job_task")
        if isinstance(task, dict) and isinstance(task.get("job_id"), str) and task["job_id"].startswith(PREFIX):
            out["run_job_task"] = {**task, "job_id": job_id_of(task["job_id"][len(PREFIX):])}
        return out
    if isinstance(raw, list):
        return [resolve(v, job_id_of) for v in raw]
    return raw


def workspace_job_ids(client) -> Callable[[str], int]:
    """NAME -> the id of the one job of that name in the workspace (databricks-sdk's jobs.list)."""
    def job_id_of(name: str) -> int:
        jobs = list(client.jobs.list(name=name))
        if len(jobs) != 1:
            raise DeploymentSpecError(
                f"run_job_task job://{name}: {len(jobs)} job(s) of that name in the workspace; deploy it first "
                f"(dbx deploy {name}) and keep exactly one")
        return int(jobs[0].job_id)
    return job_id_of


def write_resolved(deployment: Path, out: Path, job_id_of: Callable[[str], int],
                   environment: str | None = None) -> list[str]:
    """Writes the deployment file with job://NAME resolved to out; the names resolved. With
    `environment`, only that environment is kept (the others' jobs need not exist here)."""
    raw = load_yaml(Path(deployment).read_text(encoding="utf-8"))
    if environment is not None:
        environments = raw.get("environments") or {}
        if environment not in environments:
            raise DeploymentSpecError(f"{deployment}: no environment '{environment}' under 'environments'")
        raw = {**raw, "environments": {environment: environments[environment]}}
    names = job_references(raw)
    resolved = resolve(raw, job_id_of)
    # Anchors are expanded in the copy: dbx reads it like the original.
    Path(out).write_text(yaml.safe_dump(resolved, sort_keys=False), encoding="utf-8")
    return names
