"""Jobs and runs: definitions, run records and their states, in the workspace database.

The states and fields follow the Jobs API 2.1; `compute.runner` moves runs through them.
"""

from __future__ import annotations

import copy
import json
import time
from typing import Any, Callable, Iterable

from local_workspace.errors import InvalidParameterValue, InvalidState, ResourceDoesNotExist
from local_workspace.services.jobs.settings import normalize, task_type
from local_workspace.store import Database, dumps

ACTIVE_STATES = ("QUEUED", "PENDING", "RUNNING", "TERMINATING", "BLOCKED")
FINAL_STATES = ("TERMINATED", "SKIPPED", "INTERNAL_ERROR")
PYTHON_TASKS = ("python_wheel_task", "spark_python_task")
LIST_LIMIT = 100


def now_ms() -> int:
    return int(time.time() * 1000)


class Jobs:
    """Job definitions and run records. `on_new_run(run_id)` hands a run to the executor."""

    def __init__(self, db: Database, user: str, base_url: Callable[[], str]):
        self.db, self.user, self.base_url = db, user, base_url
        self.on_new_run: Callable[[int], None] = lambda run_id: None

    # --- jobs ---------------------------------------------------------------------------

    def _job_row(self, job_id: Any):
        job_id = _id(job_id, "Job")
        row = self.db.one("SELECT * FROM jobs WHERE job_id = ? AND deleted = 0", (job_id,))
        if row is None:
            raise ResourceDoesNotExist(f"Job {job_id} does not exist.")
        return row

    def create(self, settings: Any) -> int:
        checked = normalize(settings)
        checked.setdefault("name", "Untitled")
        checked.setdefault("max_concurrent_runs", 1)
        with self.db.transaction() as conn:
            job_id = self.db.next_id(conn, "job_id", 1)
            conn.execute("INSERT INTO jobs (job_id, settings, created_time, creator_user_name) VALUES (?, ?, ?, ?)",
                         (job_id, dumps(checked), now_ms(), self.user))
        return job_id

    def reset(self, job_id: Any, settings: Any) -> None:
        checked = normalize(settings)
        checked.setdefault("name", "Untitled")
        checked.setdefault("max_concurrent_runs", 1)
        row = self._job_row(job_id)
        with self.db.transaction() as conn:
            conn.execute("UPDATE jobs SET settings = ? WHERE job_id = ?", (dumps(checked), row["job_id"]))

    def update(self, job_id: Any, new_settings: dict, remove: list[str]) -> None:
        row = self._job_row(job_id)
        merged = json.loads(row["settings"])
        for field in remove:
            merged.pop(field, None)
        merged.update(new_settings or {})
        self.reset(row["job_id"], merged)

    def delete(self, job_id: Any) -> None:
        row = self._job_row(job_id)
        with self.db.transaction() as conn:
            conn.execute("UPDATE jobs SET deleted = 1 WHERE job_id = ?", (row["job_id"],))

    def get(self, job_id: Any) -> dict:
        job = self._render_job(self._job_row(job_id))
        job["run_as_user_name"] = job["creator_user_name"]  # jobs/get only, as the Jobs API does
        return job

    def _render_job(self, row, expand_tasks: bool = True) -> dict:
        settings = json.loads(row["settings"])
        if not expand_tasks:
            settings.pop("tasks", None)
            settings.pop("job_clusters", None)
        return {"job_id": row["job_id"], "creator_user_name": row["creator_user_name"],
                "created_time": row["created_time"], "settings": settings}

    def list(self, name: str | None = None, offset: int = 0, limit: int = 20,
             expand_tasks: bool = False) -> tuple[list[dict], bool]:
        rows = self.db.query("SELECT * FROM jobs WHERE deleted = 0 ORDER BY job_id")
        if name is not None:
            rows = [r for r in rows if json.loads(r["settings"]).get("name") == name]
        page = rows[offset: offset + limit]
        return [self._render_job(r, expand_tasks) for r in page], offset + limit < len(rows)

    def settings_of(self, job_id: int) -> dict:
        return json.loads(self._job_row(job_id)["settings"])

    # --- creating runs ------------------------------------------------------------------

    def run_now(self, job_id: Any, overrides: dict, launched_by: str, trigger: str = "ONE_TIME") -> int:
        """A run of the job; trigger as the Jobs API reports it (ONE_TIME, PERIODIC, RUN_JOB_TASK)."""
        row = self._job_row(job_id)
        settings = json.loads(row["settings"])
        spec = apply_overrides(settings, overrides)
        return self._new_run(row["job_id"], "JOB_RUN", settings.get("name"), spec, overrides, launched_by,
                             limit=settings.get("max_concurrent_runs", 1),
                             queue=bool(settings.get("queue", {}).get("enabled")), trigger=trigger)

    def submit(self, payload: Any, launched_by: str) -> int:
        spec = normalize(payload, "runs/submit settings")
        return self._new_run(None, "SUBMIT_RUN", spec.get("run_name") or "Untitled", spec, {}, launched_by,
                             limit=None, queue=False)

    def _new_run(self, job_id: int | None, run_type: str, name: str | None, spec: dict, overrides: dict,
                 launched_by: str, limit: int | None, queue: bool, trigger: str = "ONE_TIME") -> int:
        created = now_ms()
        with self.db.transaction() as conn:
            state, message = "PENDING", ""
            if job_id is not None and limit is not None:
                active = conn.execute(
                    f"SELECT COUNT(*) FROM runs WHERE job_id = ? AND life_cycle_state IN ({_marks(ACTIVE_STATES)})",
                    (job_id, *ACTIVE_STATES)).fetchone()[0]
                if active >= limit:
                    if queue:
                        state, message = "QUEUED", f"Queued: the job already has {active} active run(s), its max_concurrent_runs"
                    else:
                        state = "SKIPPED"
                        message = (f"Skipping this run because the limit of {limit} maximum concurrent runs has been "
                                   "reached.")
            run_id = self.db.next_id(conn, "run_id", 1001)
            result = "SKIPPED" if state == "SKIPPED" else None
            conn.execute(
                "INSERT INTO runs (run_id, job_id, number_in_job, run_type, run_name, trigger, launched_by, spec, "
                "overriding_parameters, life_cycle_state, result_state, state_message, start_time, end_time, "
                "creator_user_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, job_id, run_id, run_type, name, trigger, launched_by, dumps(spec), dumps(overrides), state, result,
                 message, created, created if state == "SKIPPED" else 0, self.user))
            for task in spec["tasks"]:
                task_run_id = self.db.next_id(conn, "run_id", 1001)
                conn.execute("INSERT INTO task_runs (task_run_id, run_id, task_key, life_cycle_state, result_state, "
                             "state_message) VALUES (?, ?, ?, ?, ?, ?)",
                             (task_run_id, run_id, task["task_key"], "SKIPPED" if state == "SKIPPED" else "PENDING",
                              "SKIPPED" if state == "SKIPPED" else None, message if state == "SKIPPED" else ""))
        if state == "PENDING":
            self.on_new_run(run_id)
        return run_id

    # --- reading runs -------------------------------------------------------------------

    def _run_row(self, run_id: Any):
        run_id = _id(run_id, "Run")
        row = self.db.one("SELECT * FROM runs WHERE run_id = ?", (run_id,))
        if row is None:
            raise ResourceDoesNotExist(f"Run {run_id} does not exist.")
        return row

    def task_rows(self, run_id: int, current_only: bool = True) -> list:
        sql = "SELECT * FROM task_runs WHERE run_id = ?" + (" AND current = 1" if current_only else "")
        return self.db.query(sql + " ORDER BY task_run_id", (run_id,))

    def run_spec(self, run_id: int) -> dict:
        return json.loads(self._run_row(run_id)["spec"])

    def run_state(self, run_id: int) -> str:
        return self._run_row(run_id)["life_cycle_state"]

    def get_run(self, run_id: Any) -> dict:
        task_row = self._task_row_or_none(run_id)
        if task_row is not None:
            return self._render_task_as_run(task_row)
        return self.render_run(self._run_row(run_id))

    def _task_row_or_none(self, run_id: Any):
        try:
            return self.db.one("SELECT * FROM task_runs WHERE task_run_id = ?", (int(run_id),))
        except (TypeError, ValueError):
            return None

    def list_runs(self, job_id: Any = None, active_only: bool = False, completed_only: bool = False,
                  offset: int = 0, limit: int = 25, run_type: str | None = None) -> tuple[list[dict], bool]:
        if active_only and completed_only:
            raise InvalidParameterValue("active_only and completed_only cannot both be true")
        clauses, params = [], []
        if job_id is not None:
            self._job_row(job_id)
            clauses.append("job_id = ?")
            params.append(int(job_id))
        if active_only:
            clauses.append(f"life_cycle_state IN ({_marks(ACTIVE_STATES)})")
            params += ACTIVE_STATES
        if completed_only:
            clauses.append(f"life_cycle_state IN ({_marks(FINAL_STATES)})")
            params += FINAL_STATES
        if run_type:
            clauses.append("run_type = ?")
            params.append(run_type)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.db.query(f"SELECT * FROM runs {where} ORDER BY run_id DESC LIMIT ? OFFSET ?",
                             (*params, limit + 1, offset))
        return [self.render_run(r) for r in rows[:limit]], len(rows) > limit

    def render_run(self, row, include_tasks: bool = True) -> dict:
        spec = json.loads(row["spec"])
        tasks_by_key = {t["task_key"]: t for t in spec["tasks"]}
        end = row["end_time"]
        run = {
            "run_id": row["run_id"], "number_in_job": row["number_in_job"], "original_attempt_run_id": row["run_id"],
            "creator_user_name": row["creator_user_name"], "run_name": row["run_name"] or "Untitled",
            "run_type": row["run_type"], "trigger": row["trigger"],
            "state": _state(row), "status": _status(row),
            "start_time": row["start_time"], "setup_duration": row["setup_duration"],
            "execution_duration": row["execution_duration"], "cleanup_duration": 0, "end_time": end,
            "run_duration": (end or now_ms()) - row["start_time"] if row["start_time"] else 0,
            "run_page_url": f"{self.base_url()}/runs/{row['run_id']}", "attempt_number": 0,
        }
        if row["job_id"] is not None:
            run["job_id"] = row["job_id"]
        else:
            run["job_id"] = row["run_id"]  # as on Databricks, a one-time run has a job id of its own
        if spec.get("job_clusters"):
            run["job_clusters"] = spec["job_clusters"]
        overrides = json.loads(row["overriding_parameters"] or "{}")
        if overrides:
            run["overriding_parameters"] = overrides
        if spec.get("parameters"):
            run["job_parameters"] = [{"name": p["name"], "default": p.get("default", ""), "value": p.get("default", "")}
                                     for p in spec["parameters"]]
        history = json.loads(row["repair_history"])
        if history:
            history[-1].update(state=_state(row), end_time=row["end_time"])  # the attempt under way is the run's
            run["repair_history"] = history
        if include_tasks:
            run["tasks"] = [self._render_task(t, tasks_by_key.get(t["task_key"], {}), row) for t in self.task_rows(row["run_id"])]
        return run

    def _render_task(self, task_row, task_spec: dict, run_row) -> dict:
        end = task_row["end_time"]
        task = {key: copy.deepcopy(value) for key, value in task_spec.items()}
        task.update({
            "run_id": task_row["task_run_id"], "task_key": task_row["task_key"], "state": _state(task_row),
            "status": _status(task_row), "start_time": task_row["start_time"],
            "setup_duration": task_row["setup_duration"], "execution_duration": task_row["execution_duration"],
            "cleanup_duration": 0, "end_time": end, "attempt_number": task_row["attempt_number"],
            "run_page_url": f"{self.base_url()}/runs/{run_row['run_id']}?task={task_row['task_key']}",
        })
        if task_row["start_time"]:
            task["run_duration"] = (end or now_ms()) - task_row["start_time"]
        extras = self.task_results(task_row["task_run_id"])
        if "condition_task" in task and extras.get("outcome") is not None:
            task["condition_task"]["outcome"] = extras["outcome"]
        if extras.get("resolved_values"):
            task["resolved_values"] = extras["resolved_values"]
        if task_row["cluster_id"]:
            task["cluster_instance"] = {"cluster_id": task_row["cluster_id"], "spark_context_id": task_row["cluster_id"]}
        return task

    def _render_task_as_run(self, task_row) -> dict:
        """A task run seen as a run (runs/get with a task's run id, get-output's metadata)."""
        run_row = self._run_row(task_row["run_id"])
        spec = json.loads(run_row["spec"])
        task = self._render_task(task_row, next(t for t in spec["tasks"] if t["task_key"] == task_row["task_key"]), run_row)
        run = {key: task[key] for key in ("state", "status", "start_time", "setup_duration", "execution_duration",
                                          "cleanup_duration", "end_time", "run_page_url", "attempt_number",
                                          "cluster_instance", "run_duration") if key in task}
        run["cluster_spec"] = {k: task[k] for k in ("new_cluster", "job_cluster_key", "existing_cluster_id", "libraries")
                               if k in task}
        run.update({"job_id": run_row["job_id"] or run_row["run_id"], "run_id": task_row["task_run_id"],
                    "run_name": task_row["task_key"], "run_type": run_row["run_type"], "trigger": run_row["trigger"],
                    "creator_user_name": run_row["creator_user_name"], "number_in_job": task_row["task_run_id"],
                    "original_attempt_run_id": task_row["task_run_id"], "tasks": [task]})
        return run

    def get_output(self, run_id: Any, logs: Callable[[int], tuple[str, bool]]) -> dict:
        task_row = self._task_row_or_none(run_id)
        if task_row is None:
            row = self._run_row(run_id)
            tasks = self.task_rows(row["run_id"])
            if len(tasks) != 1:
                listed = ", ".join(f"{t['task_key']}: {t['task_run_id']}" for t in tasks)
                raise InvalidParameterValue(
                    "Retrieving the output of runs with multiple tasks is not supported. Please retrieve the output "
                    f"of each individual task run instead ({listed}).")
            task_row = tasks[0]
        text, truncated = logs(task_row["task_run_id"])
        out: dict[str, Any] = {"metadata": self._render_task_as_run(task_row), "logs": text, "logs_truncated": truncated}
        if task_row["error"]:
            out["error"] = task_row["error"]
        if task_row["error_trace"]:
            out["error_trace"] = task_row["error_trace"]
        child = self.task_results(task_row["task_run_id"]).get("child_run_id")
        if child is not None:
            out["run_job_output"] = {"run_id": child}
        if task_row["notebook_result"] is not None:
            out["notebook_output"] = {"result": task_row["notebook_result"], "truncated": False}
        return out

    def repair(self, run_id: Any, rerun_tasks: list[str] | None, rerun_all_failed: bool, rerun_dependents: bool,
               overrides: dict, latest_repair_id: int | None) -> tuple[int, set[str]]:
        """A new repair attempt of an ended run: new task runs for the chosen tasks (and,
        if asked, everything downstream of them); the others keep their results."""
        row = self._run_row(run_id)
        if row["life_cycle_state"] in ACTIVE_STATES:
            raise InvalidState(f"Run {row['run_id']} is still active; it can be repaired once it has ended.")
        if bool(rerun_tasks) == bool(rerun_all_failed):
            raise InvalidParameterValue("Give either rerun_tasks or rerun_all_failed_tasks")
        history = json.loads(row["repair_history"])
        latest = history[-1]["id"] if history else None
        if latest_repair_id is not None and latest_repair_id != latest:
            raise InvalidParameterValue(f"latest_repair_id {latest_repair_id} is not the run's latest repair ({latest})")
        spec = json.loads(row["spec"])
        rows = {t["task_key"]: t for t in self.task_rows(row["run_id"])}
        if rerun_all_failed:
            chosen = {k for k, t in rows.items() if t["result_state"] not in ("SUCCESS", "EXCLUDED")}
            if not chosen:
                raise InvalidParameterValue(f"Run {row['run_id']} has no failed task to repair")
        else:
            unknown = sorted(set(rerun_tasks) - set(rows))
            if unknown:
                raise InvalidParameterValue(f"Run {row['run_id']} has no task {', '.join(unknown)}")
            chosen = set(rerun_tasks)
        if rerun_dependents:
            chosen |= downstream(spec["tasks"], chosen)
        if overrides:
            spec = apply_overrides(spec, overrides)
        now = now_ms()
        with self.db.transaction() as conn:
            repair_id = self.db.next_id(conn, "run_id", 1001)
            if not history:
                history.append({"type": "ORIGINAL", "id": row["run_id"], "start_time": row["start_time"],
                                "task_run_ids": [t["task_run_id"] for t in rows.values()]})
            history[-1].update(end_time=row["end_time"], state=_state(row))
            new_ids = []
            for key in sorted(chosen):
                conn.execute("UPDATE task_runs SET current = 0 WHERE task_run_id = ?", (rows[key]["task_run_id"],))
                task_run_id = self.db.next_id(conn, "run_id", 1001)
                new_ids.append(task_run_id)
                conn.execute("INSERT INTO task_runs (task_run_id, run_id, task_key, attempt_number, repair_id, "
                             "life_cycle_state) VALUES (?, ?, ?, ?, ?, 'PENDING')",
                             (task_run_id, row["run_id"], key, rows[key]["attempt_number"], repair_id))
            history.append({"type": "REPAIR", "id": repair_id, "start_time": now, "task_run_ids": new_ids})
            conn.execute("UPDATE runs SET life_cycle_state = 'PENDING', result_state = NULL, state_message = '', "
                         "end_time = 0, cancel_requested = 0, repair_history = ?, spec = ? WHERE run_id = ?",
                         (dumps(history), dumps(spec), row["run_id"]))
        return repair_id, chosen

    def delete_run(self, run_id: Any) -> None:
        row = self._run_row(run_id)
        if row["life_cycle_state"] in ACTIVE_STATES:
            raise InvalidState(f"Run {row['run_id']} is active; cancel it before deleting it.")
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM task_runs WHERE run_id = ?", (row["run_id"],))
            conn.execute("DELETE FROM runs WHERE run_id = ?", (row["run_id"],))

    def active_runs(self, job_id: int | None = None) -> list[int]:
        sql = f"SELECT run_id FROM runs WHERE life_cycle_state IN ({_marks(ACTIVE_STATES)})"
        params: tuple = ACTIVE_STATES
        if job_id is not None:
            sql += " AND job_id = ?"
            params = (*ACTIVE_STATES, job_id)
        return [r["run_id"] for r in self.db.query(sql + " ORDER BY run_id", params)]

    def resolve_run_id(self, run_id: Any) -> int:
        """The run a run id or a task run id belongs to."""
        task_row = self._task_row_or_none(run_id)
        return task_row["run_id"] if task_row is not None else self._run_row(run_id)["run_id"]

    # --- state changes (used by the executor) --------------------------------------------

    def update_run(self, run_id: int, **fields: Any) -> None:
        _update(self.db, "runs", "run_id", run_id, fields)

    def update_task(self, task_run_id: int, **fields: Any) -> None:
        _update(self.db, "task_runs", "task_run_id", task_run_id, fields)

    def record_task_results(self, task_run_id: int, **fields: Any) -> None:
        """What a task run produced beside its state: task values, a condition's outcome and
        resolved operands, the run a run_job_task started."""
        # JSON in the order the task set its values, as the task's own json.dumps would write them
        encoded = {k: (json.dumps(v) if k in ("task_values", "resolved_values") else v) for k, v in fields.items()}
        with self.db.transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO task_run_results (task_run_id) VALUES (?)", (task_run_id,))
            columns = ", ".join(f"{name} = ?" for name in encoded)
            conn.execute(f"UPDATE task_run_results SET {columns} WHERE task_run_id = ?", (*encoded.values(), task_run_id))

    def task_results(self, task_run_id: int) -> dict:
        row = self.db.one("SELECT * FROM task_run_results WHERE task_run_id = ?", (task_run_id,))
        if row is None:
            return {}
        return {"task_values": json.loads(row["task_values"]), "outcome": row["outcome"],
                "resolved_values": json.loads(row["resolved_values"]) if row["resolved_values"] else None,
                "child_run_id": row["child_run_id"]}

    def run_task_values(self, run_id: int) -> dict[str, dict]:
        """{task_key: {name: value}} of the run's current task runs that set values."""
        rows = self.db.query("SELECT t.task_key, r.task_values FROM task_runs t JOIN task_run_results r "
                             "ON r.task_run_id = t.task_run_id WHERE t.run_id = ? AND t.current = 1", (run_id,))
        return {r["task_key"]: json.loads(r["task_values"]) for r in rows if r["task_values"] != "{}"}

    def request_cancel(self, run_id: int) -> None:
        self.update_run(run_id, cancel_requested=1)

    def fail_interrupted_runs(self, message: str) -> list[int]:
        """Marks every run left active by a workspace that died as failed; their ids."""
        active = self.active_runs()
        end = now_ms()
        with self.db.transaction() as conn:
            for run_id in active:
                conn.execute("UPDATE runs SET life_cycle_state = 'INTERNAL_ERROR', result_state = 'FAILED', "
                             "state_message = ?, end_time = ? WHERE run_id = ?", (message, end, run_id))
                conn.execute(f"UPDATE task_runs SET life_cycle_state = 'INTERNAL_ERROR', result_state = 'FAILED', "
                             f"state_message = ?, end_time = ? WHERE run_id = ? AND current = 1 AND "
                             f"life_cycle_state IN ({_marks(ACTIVE_STATES)})", (message, end, run_id, *ACTIVE_STATES))
        return active

    def next_queued(self, job_id: int) -> int | None:
        row = self.db.one("SELECT run_id FROM runs WHERE job_id = ? AND life_cycle_state = 'QUEUED' ORDER BY run_id",
                          (job_id,))
        return row["run_id"] if row else None


def apply_overrides(settings: dict, overrides: dict) -> dict:
    """The run's tasks with run-now's python_params, python_named_params, notebook_params and
    job_parameters applied, as Databricks applies them."""
    spec = copy.deepcopy(settings)
    python_params = overrides.get("python_params")
    named = overrides.get("python_named_params")
    notebook_params = overrides.get("notebook_params")
    job_parameters = overrides.get("job_parameters")
    for value, kind in ((python_params, list), (named, dict), (notebook_params, dict), (job_parameters, dict)):
        if value is not None and not isinstance(value, kind):
            raise InvalidParameterValue(f"Run-now override {value!r} must be a {kind.__name__}")
    if python_params is not None and not all(isinstance(p, str) for p in python_params):
        raise InvalidParameterValue("python_params must be a list of strings")
    for task in spec["tasks"]:
        kind = task_type(task)
        if python_params is not None and kind in PYTHON_TASKS:
            task[kind].pop("named_parameters", None)
            task[kind]["parameters"] = list(python_params)
        if named is not None and kind == "python_wheel_task":
            task[kind].pop("parameters", None)
            task[kind]["named_parameters"] = {str(k): str(v) for k, v in named.items()}
        if notebook_params is not None and kind == "notebook_task":
            task[kind]["base_parameters"] = {**task[kind].get("base_parameters", {}), **notebook_params}
    if job_parameters is not None:
        known = {p["name"]: p for p in spec.get("parameters", [])}
        unknown = sorted(set(job_parameters) - set(known))
        if unknown:
            raise InvalidParameterValue(f"Job parameters {', '.join(unknown)} are not defined by the job")
        for name, value in job_parameters.items():
            known[name]["default"] = str(value)
    return spec


def downstream(tasks: list[dict], keys: set[str]) -> set[str]:
    """Every task that depends, directly or not, on one of keys."""
    found: set[str] = set()
    frontier = set(keys)
    while frontier:
        frontier = {t["task_key"] for t in tasks
                    if any(d["task_key"] in frontier for d in t.get("depends_on", [])) and t["task_key"] not in found}
        found |= frontier
    return found


def _id(value: Any, what: str) -> int:
    """A job or run id as given (the legacy CLI sends strings); 400 if it is not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidParameterValue(f"{what} id '{value}' is not a number") from None


def _marks(values: Iterable) -> str:
    return ", ".join("?" for _ in values)


def _update(db: Database, table: str, key: str, value: int, fields: dict) -> None:
    if not fields:
        return
    columns = ", ".join(f"{name} = ?" for name in fields)
    with db.transaction() as conn:
        conn.execute(f"UPDATE {table} SET {columns} WHERE {key} = ?", (*fields.values(), value))


def _state(row) -> dict:
    state = {"life_cycle_state": row["life_cycle_state"], "state_message": row["state_message"] or "",
             "user_cancelled_or_timedout": row["result_state"] in ("CANCELED", "TIMEDOUT")}
    if row["result_state"]:
        state["result_state"] = row["result_state"]
    return state


_TERMINATION = {  # result_state -> (termination code, type), as in the Jobs API `status` field
    "SUCCESS": ("SUCCESS", "SUCCESS"), "FAILED": ("RUN_EXECUTION_ERROR", "CLIENT_ERROR"),
    "TIMEDOUT": ("TIMEOUT", "CLIENT_ERROR"), "CANCELED": ("USER_CANCELED", "SUCCESS"),
    "UPSTREAM_FAILED": ("UPSTREAM_FAILED", "CLIENT_ERROR"), "SKIPPED": ("SKIPPED", "SUCCESS"),
    "UPSTREAM_CANCELED": ("UPSTREAM_CANCELED", "SUCCESS"), "EXCLUDED": ("SKIPPED", "SUCCESS"),
}


def _status(row) -> dict:
    life = row["life_cycle_state"]
    if life in ("TERMINATED", "INTERNAL_ERROR", "SKIPPED"):
        if life == "INTERNAL_ERROR":
            code, kind = "INTERNAL_ERROR", "INTERNAL_ERROR"
        else:
            code, kind = _TERMINATION.get(row["result_state"] or "FAILED", ("RUN_EXECUTION_ERROR", "CLIENT_ERROR"))
        return {"state": "TERMINATED", "termination_details": {"code": code, "type": kind,
                                                               "message": row["state_message"] or ""}}
    return {"state": life}
