"""Runs a workflow of conf/deployment.yml on this machine, task by task, like Databricks would."""

from __future__ import annotations

import subprocess
import sys
import time
import traceback
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TextIO

from telco_churn.deployment.spec import (
    Task,
    Workflow,
    environment_of,
    load_deployment,
    localize_arguments,
    replace_option,
    resolve_reference,
)

LOCAL_ENV = "local"
DEFAULT_DEPLOYMENT_FILE = Path("conf") / "deployment.yml"


@dataclass(frozen=True)
class TaskResult:
    key: str
    status: str  # SUCCESS, FAILED or SKIPPED
    started: float | None = None
    seconds: float = 0.0
    detail: str = ""


def launch(
    workflow: str,
    environment: str | None = None,
    deployment_file: str | Path | None = None,
    workspace_dir: str | Path | None = None,
    engine: str | None = "sail",
    *,
    project_root: str | Path | None = None,
    out: TextIO | None = None,
    runtime: Any = None,
) -> int:
    """Runs `workflow` locally with the `local` environment settings; 0 if every task succeeded.

    environment: the deployment environment whose definition is used; by default the one the
    name's prefix stands for (PROD- -> prod). Unknown names print the valid ones and return 2.
    engine: None means auto ($TELCO_CHURN_ENGINE, else sail off Databricks).
    runtime: an open telco_churn.runtime.Runtime to run on (then engine and workspace_dir are
    its own); by default one is opened for the workflow and closed after it.
    """
    from telco_churn.engine import resolve_engine

    out = out or sys.stdout
    try:
        kind = runtime.engine.kind if runtime is not None else resolve_engine(engine)
        plan = plan_workflow(workflow, environment, deployment_file, project_root)
    except ValueError as exc:  # DeploymentSpecError, or an unknown engine
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if runtime is not None:
        workspace_dir = runtime.workspace_dir
    results = run_tasks(plan.workflow, plan.root, workspace_dir=workspace_dir, engine=kind, out=out, runtime=runtime)
    return 0 if all(r.status == "SUCCESS" for r in results) else 1



@dataclass(frozen=True)
class Plan:
    workflow: Workflow
    root: Path


def plan_workflow(
    workflow: str,
    environment: str | None = None,
    deployment_file: str | Path | None = None,
    project_root: str | Path | None = None,
) -> Plan:
    """The workflow definition and the checkout its file references resolve against."""
    if project_root is None:
        from telco_churn.paths import project_root as find_root

        project_root = find_root()
    root = Path(project_root).resolve()
    spec = load_deployment(Path(deployment_file) if deployment_file else root / DEFAULT_DEPLOYMENT_FILE)
    env = environment or environment_of(workflow) or "prod"
    definition = spec.workflow(env, workflow)
    definition.ordered_tasks()  # raises on unknown depends_on and cycles before anything runs
    return Plan(definition, root)


def local_arguments(task: Task, root: Path) -> list[str]:
    """The task's Databricks arguments, pointed at the checkout and at the local environment."""
    return replace_option(localize_arguments(task.arguments, root), "--env", LOCAL_ENV)


def run_tasks(
    workflow: Workflow,
    root: Path,
    workspace_dir: str | Path | None = None,
    engine: str = "sail",
    out: TextIO | None = None,
    runtime: Any = None,
) -> list[TaskResult]:
    """Runs the tasks in depends_on order on one shared runtime; a failure skips its downstream."""
    out = out or sys.stdout
    tasks = workflow.ordered_tasks()
    width = max(len(t.key) for t in tasks)
    print(
        f"{workflow.name}: {len(tasks)} task(s) of environment {workflow.environment}, "
        f"run locally with --env {LOCAL_ENV} (engine {engine})",
        file=out,
        flush=True,
    )
    results: dict[str, TaskResult] = {}
    if runtime is not None:
        context = nullcontext(runtime)
    else:
        from telco_churn.runtime import open_runtime

        context = open_runtime(engine=engine, workspace_dir=workspace_dir)
    with context as shared:
        for task in tasks:
            blocked = [d for d in task.depends_on if results[d].status != "SUCCESS"]
            if blocked:
                result = TaskResult(task.key, "SKIPPED", detail=f"upstream {', '.join(blocked)} did not succeed")
            else:
                result = _run_task(task, root, shared, engine, workspace_dir)
            results[task.key] = result
            print(_status_line(result, width), file=out, flush=True)
    counts = {s: sum(r.status == s for r in results.values()) for s in ("SUCCESS", "FAILED", "SKIPPED")}
    print(
        f"{workflow.name}: {counts['SUCCESS']} succeeded, {counts['FAILED']} failed, {counts['SKIPPED']} skipped",
        file=out,
        flush=True,
    )
    return list(results.values())


def _status_line(result: TaskResult, width: int) -> str:
    started = time.strftime("%H:%M:%S", time.localtime(result.started)) if result.started else "--:--:--"
    took = f"{result.seconds:7.1f}s" if result.started else "      -"
    detail = f"  ({result.detail})" if result.detail else ""
    return f"  {result.key:<{width}}  started {started}  took {took}  {result.status}{detail}"


def _run_task(task: Task, root: Path, runtime: Any, engine: str, workspace_dir: str | Path | None) -> TaskResult:
    started = time.time()
    clock = time.perf_counter()
    runner = _TASK_RUNNERS.get(task.task_type)
    if runner is None:
        return TaskResult(task.key, "FAILED", started, 0.0, f"{task.task_type} cannot run locally")
    try:
        code = runner(task, root, runtime, engine, workspace_dir)
        detail = "" if code == 0 else f"exit code {code}"
    except SystemExit as exc:  # a console script's own sys.exit (argparse errors, entrypoint())
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        detail = "" if code == 0 else f"exit code {code}"
    except Exception as exc:  # noqa: BLE001 - a task's failure must not stop the report
        traceback.print_exc(file=sys.stderr)
        code, detail = 1, f"{type(exc).__name__}: {exc}"
    status = "SUCCESS" if code == 0 else "FAILED"
    return TaskResult(task.key, status, started, time.perf_counter() - clock, detail)


def _run_wheel_task(task: Task, root: Path, runtime: Any, engine: str, workspace_dir: str | Path | None) -> int:
    from telco_churn.jobs import run_entry_point

    return run_entry_point(task.entry_point, local_arguments(task, root), runtime=runtime)


def _run_python_file(task: Task, root: Path, runtime: Any, engine: str, workspace_dir: str | Path | None) -> int:
    # A separate interpreter, as on a cluster: such a file (the integration-test runner) starts
    # its own engine. It gets the workspace only when one was chosen: the integration tests
    # reset the environment they run in, so by default they use a temporary one.
    script = resolve_reference(str(task.python_file), root)
    argv = [sys.executable, str(script), *local_arguments(task, root), "--engine", engine]
    if workspace_dir is not None:
        argv += ["--workspace-dir", str(workspace_dir)]
    return subprocess.run(argv, cwd=root, check=False).returncode


_TASK_RUNNERS: dict[str, Callable[..., int]] = {
    "python_wheel_task": _run_wheel_task,
    "spark_python_task": _run_python_file,
}
