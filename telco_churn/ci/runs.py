"""One notebook run through runs/submit: submitted, polled with a status line per poll, and
its outcome (state, notebook exit value, error and trace) read back."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

ENDED = ("TERMINATED", "SKIPPED", "INTERNAL_ERROR")


@dataclass
class RunOutcome:
    run_id: int
    job_id: int | None = None
    number_in_job: int | None = None
    life_cycle_state: str = ""
    result_state: str | None = None
    state_message: str = ""
    run_page_url: str | None = None
    notebook_result: str | None = None
    error: str | None = None
    error_trace: str | None = None
    task_run_id: int | None = None
    tasks: list[dict] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.result_state == "SUCCESS"

    def as_report(self) -> dict:
        return {"job_id": self.job_id, "run_id": self.run_id, "number_in_job": self.number_in_job,
                "task_run_id": self.task_run_id, "run_page_url": self.run_page_url,
                "state": {"life_cycle_state": self.life_cycle_state, "result_state": self.result_state,
                          "state_message": self.state_message}}


def submit_notebook(client, run_name: str, spec: dict, notebook_path: str, base_parameters: dict[str, str],
                    libraries: list[dict]) -> int:
    """runs/submit of one notebook task on spec's cluster; the run id."""
    from databricks.sdk.service import jobs

    task = {"task_key": "notebook", "notebook_task": {"notebook_path": notebook_path, "base_parameters": base_parameters},
            "libraries": [*spec.get("libraries", []), *libraries]}
    if spec.get("existing_cluster_id"):
        task["existing_cluster_id"] = spec["existing_cluster_id"]
    else:
        task["new_cluster"] = spec["new_cluster"]
    submitted = client.jobs.submit(run_name=run_name, tasks=[jobs.SubmitTask.from_dict(task)],
                                   timeout_seconds=spec.get("timeout_seconds") or None)
    return submitted.response.run_id  # not .result(): the caller polls, printing each state


def wait_for(client, run_id: int, poll_seconds: float, say: Callable[[str], None],
             stop: Callable[[], bool] = lambda: False) -> RunOutcome:
    """Polls runs/get until the run ends, printing `N: Run R waiting STATE` each time."""
    poll = 0
    while True:
        run = client.jobs.get_run(run_id)
        state = run.state.life_cycle_state.value if run.state and run.state.life_cycle_state else "PENDING"
        if state in ENDED or stop():
            return outcome_of(client, run)
        say(f"{poll}: Run {run_id} waiting {state}")
        poll += 1
        time.sleep(poll_seconds)


def outcome_of(client, run) -> RunOutcome:
    state = run.state
    found = RunOutcome(run.run_id, run.job_id, run.number_in_job,
                       state.life_cycle_state.value if state.life_cycle_state else "",
                       state.result_state.value if state.result_state else None, state.state_message or "",
                       run.run_page_url)
    if run.tasks:
        found.task_run_id = run.tasks[0].run_id
        output = client.jobs.get_run_output(found.task_run_id)
        found.notebook_result = output.notebook_output.result if output.notebook_output else None
        found.error, found.error_trace = output.error, output.error_trace
    return found
