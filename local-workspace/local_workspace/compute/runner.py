"""Executes runs: tasks in `depends_on` order on local clusters, with cancel, timeouts,
UPSTREAM_FAILED and run states recorded as the Jobs API reports them."""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from local_workspace.compute.all_purpose import AllPurposeClusters
from local_workspace.compute.cluster import TASK_MAIN, ClusterError, ClusterManager, LibraryError, LocalCluster
from local_workspace.compute.dbfs_fuse import FuseView
from local_workspace.compute.processes import kill_group
from local_workspace.errors import WorkspaceError
from local_workspace.compute.notebook_task import notebook_spec
from local_workspace.errors import InvalidParameterValue
from local_workspace.services.jobs.conditions import ConditionError, evaluate, excluded
from local_workspace.services.jobs.models import FINAL_STATES, Jobs, now_ms
from local_workspace.services.jobs.settings import CLUSTERLESS_TASK_TYPES, task_type, topological_order

LOG_LIMIT = 5 * 1024 * 1024  # get-output returns the last 5 MB of a task's logs, as Databricks does
POLL = 0.2
TASK_VALUES_FILE = "task_values.json"  # written by dbutils.jobs.taskValues.set on the cluster
# Identifiers other than letters, digits and underscores (a task key with a hyphen) are escaped in
# backticks, as Databricks documents: {{tasks.`model-monitoring`.values.retrain}}.
_REFERENCE = re.compile(r"\{\{\s*((?:[A-Za-z0-9_.]|`[^`{}]+`)+)\s*\}\}")


def resolve_references(text: str, values: dict) -> str:
    """text with each known `{{name}}` replaced by its value; unknown ones stay as written."""
    return _REFERENCE.sub(lambda m: str(values.get(m.group(1).replace("`", ""), m.group(0))), text)


@dataclass
class _RunContext:
    run_id: int
    job_id: int | None
    spec: dict
    deadline: float | None
    cancel: threading.Event = field(default_factory=threading.Event)
    timed_out: threading.Event = field(default_factory=threading.Event)
    procs: dict[int, subprocess.Popen] = field(default_factory=dict)
    task_clusters: dict[int, str] = field(default_factory=dict)  # task_run_id -> the cluster it runs on
    lost_clusters: dict[str, str] = field(default_factory=dict)  # all-purpose clusters ended under the run: why
    clusters: dict[str, LocalCluster] = field(default_factory=dict)
    cluster_locks: dict[str, threading.Lock] = field(default_factory=dict)  # one start per cluster
    to_run: set[str] = field(default_factory=set)  # the task keys this run (or repair) executes
    lock: threading.Lock = field(default_factory=threading.Lock)


def should_run(run_if: str, results: list[str]) -> bool:
    """Whether a task runs, given its dependencies' result states (the Jobs API's run_if)."""
    ok = [r == "SUCCESS" for r in results]
    failed = [r in ("FAILED", "TIMEDOUT", "UPSTREAM_FAILED") for r in results]
    return {
        "ALL_SUCCESS": all(ok), "ALL_DONE": True, "NONE_FAILED": not any(failed),
        "AT_LEAST_ONE_SUCCESS": any(ok), "AT_LEAST_ONE_FAILED": any(failed), "ALL_FAILED": all(failed),
    }[run_if]


class RunExecutor:
    def __init__(self, jobs: Jobs, clusters: ClusterManager, runs_dir: Path, fuse: FuseView,
                 redact: Callable[[str], str], max_parallel_tasks: int = 4, all_purpose: AllPurposeClusters | None = None):
        self.jobs, self.clusters, self.runs_dir, self.fuse = jobs, clusters, runs_dir, fuse
        self.all_purpose = all_purpose
        if all_purpose is not None:
            all_purpose.on_terminate.append(self.fail_runs_on)
        self.redact = redact
        self.max_parallel_tasks = max_parallel_tasks
        self._active: dict[int, _RunContext] = {}
        self._lock = threading.Lock()
        jobs.on_new_run = self.start

    # --- control ------------------------------------------------------------------------

    def start(self, run_id: int, task_keys: set[str] | None = None) -> None:
        thread = threading.Thread(target=self._execute, args=(run_id, task_keys), name=f"run-{run_id}", daemon=True)
        thread.start()

    def cancel(self, run_id: int) -> None:
        self.jobs.request_cancel(run_id)
        with self._lock:
            ctx = self._active.get(run_id)
        if ctx is not None:
            ctx.cancel.set()
            self._kill_tasks(ctx)
        elif self.jobs.run_state(run_id) == "QUEUED":
            self.jobs.update_run(run_id, life_cycle_state="TERMINATED", result_state="CANCELED",
                                 state_message="Run canceled while queued", end_time=now_ms())

    def shutdown(self) -> None:
        with self._lock:
            running = list(self._active.values())
        for ctx in running:
            ctx.cancel.set()
            self._kill_tasks(ctx)

    def wait_idle(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while self._active and time.monotonic() < deadline:
            time.sleep(0.05)

    def _kill_tasks(self, ctx: _RunContext) -> None:
        with ctx.lock:
            procs = list(ctx.procs.values())
        for proc in procs:
            kill_group(proc.pid, grace=3.0, child=proc)

    # --- one run ------------------------------------------------------------------------

    def _execute(self, run_id: int, task_keys: set[str] | None) -> None:
        row = self.jobs.db.one("SELECT * FROM runs WHERE run_id = ?", (run_id,))
        spec = json.loads(row["spec"])
        timeout = spec.get("timeout_seconds") or 0
        ctx = _RunContext(run_id, row["job_id"], spec, time.monotonic() + timeout if timeout else None)
        with self._lock:
            self._active[run_id] = ctx
        final = {"life_cycle_state": "INTERNAL_ERROR", "result_state": "FAILED",
                 "state_message": "Internal error of the local workspace"}
        try:
            self.jobs.update_run(run_id, life_cycle_state="RUNNING", state_message="")
            final = self._run_tasks(ctx, task_keys)
        except Exception:  # noqa: BLE001 - a bug here must still end the run, with its reason
            final["state_message"] = f"Internal error of the local workspace: {traceback.format_exc()[-1500:]}"
        finally:
            # As on Databricks, a run is TERMINATING while its clusters shut down, then ends.
            self.jobs.update_run(run_id, life_cycle_state="TERMINATING")
            for cluster in list(ctx.clusters.values()):
                try:
                    self.clusters.terminate(cluster)
                except Exception:  # noqa: BLE001 - one stuck cluster must not keep others running
                    pass
            self.jobs.update_run(run_id, end_time=now_ms(), **final)
            with self._lock:
                self._active.pop(run_id, None)
            if ctx.job_id is not None:
                queued = self.jobs.next_queued(ctx.job_id)
                if queued is not None:
                    self.jobs.update_run(queued, life_cycle_state="PENDING", state_message="")
                    self.start(queued)

    def _run_tasks(self, ctx: _RunContext, only: set[str] | None) -> dict:
        tasks = {t["task_key"]: t for t in ctx.spec["tasks"]}
        rows = {r["task_key"]: r for r in self.jobs.task_rows(ctx.run_id)}
        results: dict[str, str] = {}
        if only is not None:  # a repair: tasks outside it keep their results
            results = {k: rows[k]["result_state"] for k in tasks if k not in only}
        order = [k for k in topological_order(list(tasks.values())) if k not in results]
        ctx.to_run = set(order)
        futures: dict[Future, str] = {}
        with ThreadPoolExecutor(max_workers=self.max_parallel_tasks, thread_name_prefix=f"run-{ctx.run_id}") as pool:
            while order or futures:
                self._check_deadline(ctx)
                for key in list(order):
                    deps = [d["task_key"] for d in tasks[key].get("depends_on", [])]
                    if any(d not in results for d in deps):
                        continue
                    order.remove(key)
                    if ctx.cancel.is_set() or ctx.timed_out.is_set():
                        results[key] = self._finish_unstarted(ctx, rows[key], "CANCELED" if ctx.cancel.is_set() else "TIMEDOUT")
                    elif excluded(tasks[key], results, self._outcomes(ctx)):
                        results[key] = self._finish_unstarted(ctx, rows[key], "EXCLUDED",
                                                              "Excluded: the conditions it depends on were not met")
                    elif not should_run(tasks[key].get("run_if", "ALL_SUCCESS"), [results[d] for d in deps]):
                        failed = [d for d in deps if results[d] != "SUCCESS"]
                        results[key] = self._finish_unstarted(ctx, rows[key], "UPSTREAM_FAILED",
                                                              f"Upstream task(s) {', '.join(failed)} did not succeed")
                    else:
                        runs = self._run_in_workspace if task_type(tasks[key]) in CLUSTERLESS_TASK_TYPES else self._run_task
                        futures[pool.submit(runs, ctx, tasks[key], rows[key]["task_run_id"])] = key
                if not futures:
                    continue
                done, _ = wait(list(futures), timeout=POLL, return_when=FIRST_COMPLETED)
                for future in done:
                    results[futures.pop(future)] = future.result()
        return self._final_state(ctx, results)

    def _check_deadline(self, ctx: _RunContext) -> None:
        if ctx.deadline is not None and time.monotonic() > ctx.deadline and not ctx.timed_out.is_set():
            ctx.timed_out.set()
            self._kill_tasks(ctx)

    def _finish_unstarted(self, ctx: _RunContext, row, result: str, message: str = "") -> str:
        message = message or {"CANCELED": "The run was canceled before this task started",
                              "TIMEDOUT": "The run timed out before this task started"}[result]
        self.jobs.update_task(row["task_run_id"], life_cycle_state="TERMINATED" if result == "UPSTREAM_FAILED" else "SKIPPED",
                              result_state=result, state_message=message, end_time=now_ms())
        return result

    def _final_state(self, ctx: _RunContext, results: dict[str, str]) -> dict:
        states = {self.jobs.db.one("SELECT life_cycle_state FROM task_runs WHERE run_id = ? AND task_key = ? AND current = 1",
                                   (ctx.run_id, k))["life_cycle_state"] for k in results}
        failed = [k for k, r in results.items() if r not in ("SUCCESS", "EXCLUDED")]
        if ctx.cancel.is_set():
            result, message = "CANCELED", "Run canceled"
        elif ctx.timed_out.is_set() or "TIMEDOUT" in results.values():
            result, message = "TIMEDOUT", f"Run timed out (timeout_seconds {ctx.spec.get('timeout_seconds') or 'of a task'})"
        elif failed:
            first = next((k for k in failed if results[k] == "FAILED"), failed[0])
            result = "FAILED"
            message = (f"Task {first} failed with message: {self._task_message(ctx.run_id, first)}. "
                       "This caused all downstream tasks to get skipped.")
        else:
            result, message = "SUCCESS", ""
        life = "INTERNAL_ERROR" if "INTERNAL_ERROR" in states and result == "FAILED" else "TERMINATED"
        return {"life_cycle_state": life, "result_state": result, "state_message": message}

    def _task_message(self, run_id: int, key: str) -> str:
        row = self.jobs.db.one("SELECT state_message FROM task_runs WHERE run_id = ? AND task_key = ? AND current = 1",
                               (run_id, key))
        return row["state_message"] if row else ""

    # --- one task -----------------------------------------------------------------------

    def task_dir(self, run_id: int, key: str, task_run_id: int) -> Path:
        return self.runs_dir / str(run_id) / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', key)}-{task_run_id}"

    def _run_task(self, ctx: _RunContext, task: dict, task_run_id: int) -> str:
        key = task["task_key"]
        folder = self.task_dir(ctx.run_id, key, task_run_id)
        folder.mkdir(parents=True, exist_ok=True)
        started = now_ms()
        self.jobs.update_task(task_run_id, life_cycle_state="PENDING", start_time=started,
                              state_message="Waiting for the cluster")
        try:
            cluster = self._cluster_for(ctx, task)
            self.jobs.update_task(task_run_id, cluster_id=cluster.cluster_id, state_message="Installing libraries")
            cluster.install(self.fuse.library_specs(task.get("libraries", []), cluster), folder / "libraries.log")
        except (ClusterError, ValueError) as exc:
            what = "Library installation failed for" if isinstance(exc, LibraryError) else "Cluster setup failed:"
            message = self.redact(f"{what} {exc}")
            self.jobs.update_task(task_run_id, life_cycle_state="INTERNAL_ERROR", result_state="FAILED",
                                  state_message=message[-4000:], error=message[-4000:], end_time=now_ms(),
                                  setup_duration=now_ms() - started)
            return "FAILED"
        if ctx.cancel.is_set() or ctx.timed_out.is_set():
            return self._finish_unstarted(ctx, {"task_run_id": task_run_id}, "CANCELED" if ctx.cancel.is_set() else "TIMEDOUT")
        spec_file = folder / "task.json"
        result_file = folder / "result.json"
        try:
            spec_file.write_text(json.dumps(self._task_spec(ctx, task, task_run_id, result_file)))
        except ValueError as exc:  # e.g. a notebook or file that is not there: the task's fault, said plainly
            message = self.redact(str(exc))
            self.jobs.update_task(task_run_id, life_cycle_state="INTERNAL_ERROR", result_state="FAILED",
                                  state_message=message[-4000:], error=message[-4000:], end_time=now_ms())
            return "FAILED"
        with cluster.hold():
            return self._run_process(ctx, task, task_run_id, cluster, folder, spec_file, started)

    def _run_process(self, ctx: _RunContext, task: dict, task_run_id: int, cluster: LocalCluster, folder: Path,
                     spec_file: Path, started: int) -> str:
        proc = cluster.start_task([str(TASK_MAIN), str(spec_file)], folder, folder / "stdout", folder / "stderr")
        with ctx.lock:
            ctx.procs[task_run_id] = proc
            ctx.task_clusters[task_run_id] = cluster.cluster_id
        running = now_ms()
        self.jobs.update_task(task_run_id, life_cycle_state="RUNNING", setup_duration=running - started,
                              state_message="", pid=proc.pid)
        if ctx.cancel.is_set() or ctx.timed_out.is_set():  # asked for while the process was starting
            kill_group(proc.pid, grace=3.0, child=proc)
        task_deadline = time.monotonic() + task["timeout_seconds"] if task.get("timeout_seconds") else None
        task_timed_out = False
        while proc.poll() is None:
            self._check_deadline(ctx)
            if task_deadline is not None and time.monotonic() > task_deadline and not task_timed_out:
                task_timed_out = True
                kill_group(proc.pid, grace=3.0, child=proc)
            time.sleep(POLL)
        kill_group(proc.pid, grace=1.0, child=proc)  # anything the task left behind in its group
        with ctx.lock:
            ctx.procs.pop(task_run_id, None)
            lost = ctx.task_clusters.get(task_run_id)
        if lost in ctx.lost_clusters:
            return self._cluster_lost(task_run_id, running, lost, ctx.lost_clusters[lost])
        return self._record_result(ctx, task_run_id, proc.returncode, folder, running, task_timed_out)

    def fail_runs_on(self, cluster_id: str, why: str) -> None:
        """A cluster ends under its tasks (`why`: was terminated, was permanently deleted): they
        end, FAILED with that reason."""
        with self._lock:
            runs = list(self._active.values())
        for ctx in runs:
            with ctx.lock:
                doomed = [ctx.procs[t] for t, c in ctx.task_clusters.items() if c == cluster_id and t in ctx.procs]
                if doomed:
                    ctx.lost_clusters[cluster_id] = why
            for proc in doomed:
                kill_group(proc.pid, grace=3.0, child=proc)

    def _cluster_lost(self, task_run_id: int, running: int, cluster_id: str, why: str) -> str:
        message = f"Cluster {cluster_id} {why} while the task was running"
        ended = now_ms()
        self.jobs.update_task(task_run_id, life_cycle_state="INTERNAL_ERROR", result_state="FAILED",
                              state_message=message, error=message, end_time=ended, execution_duration=ended - running)
        return "FAILED"

    def _record_result(self, ctx: _RunContext, task_run_id: int, code: int, folder: Path, running: int,
                       task_timed_out: bool) -> str:
        ended = now_ms()
        fields = {"life_cycle_state": "TERMINATED", "end_time": ended, "execution_duration": ended - running,
                  "exit_code": code}
        if ctx.cancel.is_set():
            fields.update(result_state="CANCELED", state_message="Run canceled")
        elif ctx.timed_out.is_set() or task_timed_out:
            fields.update(result_state="TIMEDOUT", state_message="Task timed out")
        elif code == 0:
            fields.update(result_state="SUCCESS", state_message="", notebook_result=_notebook_result(folder))
        else:
            error, trace = self._error_of(folder, code)
            fields.update(result_state="FAILED", state_message=self.redact(error)[-1000:],
                          error=self.redact(error)[-4000:], error_trace=self.redact(trace)[-LOG_LIMIT:])
        values_file = folder / TASK_VALUES_FILE
        if values_file.exists():  # kept whatever the result, as Databricks keeps what a task set
            self.jobs.record_task_results(task_run_id, task_values=json.loads(values_file.read_text()))
        self.jobs.update_task(task_run_id, **fields)
        return fields["result_state"]

    def _error_of(self, folder: Path, code: int) -> tuple[str, str]:
        result_file = folder / "result.json"
        if result_file.exists():
            found = json.loads(result_file.read_text())
            if "error" in found:
                return found["error"], found["error_trace"]
        stderr_tail = (folder / "stderr").read_text(errors="replace")[-20000:]
        last = [line for line in stderr_tail.splitlines() if line.strip()]
        return f"Task exited with code {code}" + (f": {last[-1].strip()}" if last else ""), stderr_tail

    def _cluster_for(self, ctx: _RunContext, task: dict) -> LocalCluster:
        if task.get("existing_cluster_id"):
            if self.all_purpose is None:
                raise ClusterError(f"Cluster {task['existing_cluster_id']} does not exist")
            try:
                return self.all_purpose.ensure_running(task["existing_cluster_id"])
            except InvalidParameterValue as exc:  # unknown, or a job's cluster
                raise ClusterError(exc.message) from None
        if task.get("job_cluster_key"):
            key = f"job_cluster:{task['job_cluster_key']}"
            spec = next(c["new_cluster"] for c in ctx.spec["job_clusters"] if c["job_cluster_key"] == task["job_cluster_key"])
            name = f"job-{ctx.job_id or ctx.run_id}-run-{ctx.run_id}-{task['job_cluster_key']}"
            serves = [t for t in ctx.spec["tasks"]
                      if t.get("job_cluster_key") == task["job_cluster_key"] and t["task_key"] in ctx.to_run]
        else:
            key, spec, name = f"task:{task['task_key']}", task["new_cluster"], f"job-{ctx.job_id or ctx.run_id}-run-{ctx.run_id}-{task['task_key']}"
            serves = [task]
        # Packaged code (a wheel or other libraries, a notebook) imports the runtime's ML libraries:
        # its tasks fork from the workspace's warm launcher. A bare script may import none of them,
        # and starts as a fresh interpreter, which costs it less.
        warm = any(t.get("libraries") or "notebook_task" in t for t in serves)
        with ctx.lock:
            lock = ctx.cluster_locks.setdefault(key, threading.Lock())
        with lock:
            if key not in ctx.clusters:
                ctx.clusters[key] = self.clusters.start(ctx.run_id, name, spec, warm=warm)
            return ctx.clusters[key]

    def _resolver(self, ctx: _RunContext, task: dict, task_run_id: int) -> Callable[[str], str]:
        """Resolves a parameter's `{{...}}` dynamic value references: the job's and task's ids and
        names, job parameters, and the task values (`{{tasks.<key>.values.<name>}}`) of ended tasks."""
        values = {"job.id": ctx.job_id or ctx.run_id, "job_id": ctx.job_id or ctx.run_id, "job.run_id": ctx.run_id,
                  "run_id": ctx.run_id, "parent_run_id": ctx.run_id, "task.run_id": task_run_id,
                  "task.name": task["task_key"], "task_key": task["task_key"],
                  "job.name": ctx.spec.get("name") or ctx.spec.get("run_name") or "",
                  **{f"job.parameters.{p['name']}": p.get("default", "") for p in ctx.spec.get("parameters", [])}}
        for key, named in self.jobs.run_task_values(ctx.run_id).items():
            values.update({f"tasks.{key}.values.{name}": _reference_text(value) for name, value in named.items()})

        return lambda text: resolve_references(text, values)

    def _task_spec(self, ctx: _RunContext, task: dict, task_run_id: int, result_file: Path) -> dict:
        kind = task_type(task)
        body = task[kind]
        substitute = self._resolver(ctx, task, task_run_id)

        def resolve(text: str) -> str:  # a cluster task's parameter: FUSE paths become the cluster's
            return self.fuse.parameter(substitute(text))

        common = {"result_file": str(result_file), "dbfs_root": str(self.fuse.dbfs_root),
                  "task_values": {"task_key": task["task_key"], "file": str(result_file.parent / TASK_VALUES_FILE),
                                  "values": self.jobs.run_task_values(ctx.run_id)}}
        return {**self._kind_spec(kind, body, resolve, result_file), **common}

    def _kind_spec(self, kind: str, body: dict, resolve: Callable[[str], str], result_file: Path) -> dict:
        if kind == "python_wheel_task":
            if "named_parameters" in body:
                params = [f"--{k}={resolve(str(v))}" for k, v in body["named_parameters"].items()]
            else:
                params = [resolve(p) for p in body.get("parameters", [])]
            return {"kind": "python_wheel", "package_name": body["package_name"], "entry_point": body["entry_point"],
                    "parameters": params, "result_file": str(result_file)}
        if kind == "spark_python_task":
            return {"kind": "python_file", "python_file": str(self.fuse.source_file(body["python_file"], body.get("source"))),
                    "parameters": [resolve(p) for p in body.get("parameters", [])], "result_file": str(result_file)}
        if kind == "notebook_task":
            return notebook_spec(self.fuse, body, resolve, result_file)
        raise ClusterError(f"{kind} cannot run on this workspace yet")

    # --- tasks that run in the workspace, on no cluster ----------------------------------

    def _run_in_workspace(self, ctx: _RunContext, task: dict, task_run_id: int) -> str:
        started = now_ms()
        self.jobs.update_task(task_run_id, life_cycle_state="RUNNING", start_time=started, state_message="")
        resolve = self._resolver(ctx, task, task_run_id)
        try:
            if "condition_task" in task:
                result, message = self._condition(task["condition_task"], resolve, task_run_id)
            else:
                result, message = self._run_child_job(ctx, task["run_job_task"], resolve, task_run_id)
        except ConditionError as exc:
            result, message = "FAILED", str(exc)
        ended = now_ms()
        self.jobs.update_task(task_run_id, life_cycle_state="TERMINATED", result_state=result, state_message=message,
                              error=message if result == "FAILED" else None, end_time=ended,
                              execution_duration=ended - started)
        return result

    def _condition(self, body: dict, resolve: Callable[[str], str], task_run_id: int) -> tuple[str, str]:
        left, right = resolve(body["left"]), resolve(body["right"])
        self.jobs.record_task_results(task_run_id, resolved_values={"condition_task": {"left": left, "right": right}})
        outcome = evaluate(body["op"], left, right)
        self.jobs.record_task_results(task_run_id, outcome="true" if outcome else "false")
        return "SUCCESS", ""

    def _run_child_job(self, ctx: _RunContext, body: dict, resolve: Callable[[str], str],
                       task_run_id: int) -> tuple[str, str]:
        """run_job_task: a run of the other job (trigger RUN_JOB_TASK), awaited; cancelling the parent cancels it."""
        overrides = {"job_parameters": {k: resolve(str(v)) for k, v in body["job_parameters"].items()}} \
            if body.get("job_parameters") else {}
        try:
            child = self.jobs.run_now(body["job_id"], overrides, "RUN_JOB_TASK", trigger="RUN_JOB_TASK")
        except WorkspaceError as exc:
            return "FAILED", f"run_job_task could not start job {body['job_id']}: {exc}"
        self.jobs.record_task_results(task_run_id, child_run_id=child)
        stopped = False
        while self.jobs.run_state(child) not in FINAL_STATES:
            if not stopped and (ctx.cancel.is_set() or ctx.timed_out.is_set()):
                self.cancel(child)
                stopped = True
            time.sleep(POLL)
        found = self.jobs.get_run(child)["state"]
        if ctx.cancel.is_set():
            return "CANCELED", "Run canceled"
        if ctx.timed_out.is_set():
            return "TIMEDOUT", "Task timed out"
        if found.get("result_state") == "SUCCESS":
            return "SUCCESS", ""
        return "FAILED", f"The triggered run {child} of job {body['job_id']} ended {found.get('result_state')}: " \
                         f"{found.get('state_message', '')}"

    def _outcomes(self, ctx: _RunContext) -> dict[str, str]:
        rows = self.jobs.task_rows(ctx.run_id)
        return {r["task_key"]: self.jobs.task_results(r["task_run_id"]).get("outcome") for r in rows}

    # --- logs ---------------------------------------------------------------------------

    def logs(self, task_run_id: int) -> tuple[str, bool]:
        row = self.jobs.db.one("SELECT run_id, task_key FROM task_runs WHERE task_run_id = ?", (task_run_id,))
        folder = self.task_dir(row["run_id"], row["task_key"], task_run_id)
        parts = []
        for name in ("libraries.log", "stdout", "stderr"):
            path = folder / name
            if path.exists() and path.stat().st_size:
                parts.append(path.read_bytes())
        text = b"\n".join(parts)
        truncated = len(text) > LOG_LIMIT
        return self.redact(text[-LOG_LIMIT:].decode("utf-8", "replace")), truncated


def _reference_text(value) -> str:
    """A task value as a `{{tasks...}}` reference gives it: strings as they are, the rest as JSON
    (so True is "true", as the condition_task docs say)."""
    return value if isinstance(value, str) else json.dumps(value)


def _notebook_result(folder: Path) -> str | None:
    """A notebook's dbutils.notebook.exit value, recorded by the launcher (None for other tasks)."""
    result_file = folder / "result.json"
    return json.loads(result_file.read_text()).get("notebook_result") if result_file.exists() else None
