"""The pages' handlers: jobs list, job, run, and the Run now, Cancel and Repair actions.
They call the same Jobs and RunExecutor code as the Jobs API; runs started here are
launched_by 'UI'."""

from __future__ import annotations

import json
from pathlib import Path

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from local_workspace.compute.runner import RunExecutor
from local_workspace.errors import InvalidParameterValue
from local_workspace.services.jobs.models import Jobs
from local_workspace.ui import views
from local_workspace.ui.render import Renderer

LOG_TAIL = 256 * 1024  # the page shows the end of each log; get-output has the rest


class Pages:
    def __init__(self, jobs: Jobs, executor: RunExecutor, renderer: Renderer):
        self.jobs, self.executor, self.render = jobs, executor, renderer

    def home(self, request: Request, csrf: str) -> Response:
        jobs, _ = self.jobs.list(limit=10**6)
        return self.render.page("home.html", csrf, job_count=len(jobs), active=len(self.jobs.active_runs()))

    def jobs_list(self, request: Request, csrf: str) -> Response:
        query = request.args.get("q", "").strip()
        jobs, _ = self.jobs.list(limit=10**6, expand_tasks=True)
        rows = []
        for job in jobs:
            name = job["settings"].get("name", "Untitled")
            if query and query.lower() not in name.lower():
                continue
            runs, _ = self.jobs.list_runs(job["job_id"], limit=1)
            rows.append({"job": job, "name": name, "tasks": len(job["settings"].get("tasks", [])),
                         "tags": job["settings"].get("tags", {}), "last": runs[0] if runs else None})
        return self.render.page("jobs.html", csrf, rows=rows, query=query)

    def job(self, request: Request, csrf: str, job_id: int) -> Response:
        job = self.jobs.get(job_id)
        settings = job["settings"]
        runs, _ = self.jobs.list_runs(job_id, limit=50)
        triggers = {r["run_id"]: r["launched_by"] for r in
                    self.jobs.db.query("SELECT run_id, launched_by FROM runs WHERE job_id = ?", (job["job_id"],))}
        clusters = settings.get("job_clusters", [])
        facts = {t["task_key"]: views.task_facts(t, clusters) for t in settings.get("tasks", [])}
        mode, prefill = views.run_parameters(settings)
        return self.render.page("job.html", csrf, job=job, settings=settings, runs=runs, triggers=triggers,
                                columns=views.columns(settings.get("tasks", [])), facts=facts, mode=mode,
                                prefill=prefill, schedule=views.schedule_facts(settings))

    def run_now(self, request: Request, csrf: str, job_id: int) -> Response:
        run_id = self.jobs.run_now(job_id, overrides_from(request.form), "UI")
        return redirect(f"/runs/{run_id}", 303)

    def run(self, request: Request, csrf: str, run_id: int) -> Response:
        parent = self.jobs.resolve_run_id(run_id)
        if parent != run_id:  # a task run's id: its run's page, with that task open
            key = self.jobs.get_run(run_id)["run_name"]
            return redirect(f"/runs/{parent}?task={key}", 303)
        run = self.jobs.get_run(run_id)
        selected = request.args.get("task")
        task = next((t for t in run["tasks"] if t["task_key"] == selected), None)
        results = {t["task_key"]: self.jobs.task_results(t["run_id"]) for t in run["tasks"]}
        return self.render.page("run.html", csrf, run=run, columns=views.columns(run["tasks"]),
                                refresh=views.is_active(run["state"]), results=results,
                                selected=task, output=self._output(run_id, task) if task else None,
                                unknown_task=selected if selected and task is None else None)

    def cancel(self, request: Request, csrf: str, run_id: int) -> Response:
        self.executor.cancel(self.jobs.resolve_run_id(run_id))
        return redirect(f"/runs/{run_id}", 303)

    def repair(self, request: Request, csrf: str, run_id: int) -> Response:
        """Re-runs the failed tasks and everything downstream of them, in a new repair attempt."""
        _, tasks = self.jobs.repair(run_id, None, True, True, {}, None)
        self.executor.start(self.jobs.resolve_run_id(run_id), tasks)
        return redirect(f"/runs/{run_id}", 303)

    def _output(self, run_id: int, task: dict) -> dict:
        found = self.jobs.get_output(task["run_id"], lambda _id: ("", False))  # error and trace; logs below
        folder = self.executor.task_dir(run_id, task["task_key"], task["run_id"])
        logs = {name: self._tail(folder / name) for name in ("stdout", "stderr")}
        return {"error": found.get("error", ""), "trace": found.get("error_trace", ""), **logs,
                "message": task["state"].get("state_message", "")}

    def _tail(self, path: Path) -> str:
        if not path.is_file():
            return ""
        with path.open("rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(max(0, size - LOG_TAIL))
            text = handle.read().decode("utf-8", "replace")
        return self.executor.redact(text if size <= LOG_TAIL else "[... earlier output cut ...]\n" + text)


def overrides_from(form) -> dict:
    """Run-now overrides from the dialog's form: python_params (a JSON list of strings) or
    job_parameters (fields jp.<name>); none for the plain Run now button."""
    mode = form.get("mode", "")
    if mode == "python_params":
        try:
            params = json.loads(form.get("python_params", ""))
        except ValueError:
            params = None
        if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
            raise InvalidParameterValue('Parameters must be a JSON list of strings, e.g. ["--env", "prod"]')
        return {"python_params": params}
    if mode == "job_parameters":
        return {"job_parameters": {k[3:]: v for k, v in form.items() if k.startswith("jp.")}}
    if mode:
        raise InvalidParameterValue(f"Unknown parameter mode '{mode}'")
    return {}
