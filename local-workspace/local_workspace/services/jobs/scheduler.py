"""Starts the runs of scheduled jobs (trigger PERIODIC) on their quartz cron, as the Jobs service does.

A PAUSED schedule starts nothing; a job's max_concurrent_runs (and its queue setting) decide, as for
any run, whether a scheduled run that finds the job busy is skipped or queued.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timezone

from local_workspace.services.jobs.models import Jobs
from local_workspace.services.jobs.quartz import QuartzCron

TICK = 0.25
logger = logging.getLogger("local_workspace")


def next_run_time(schedule: dict | None, after: datetime | None = None) -> datetime | None:
    """When an UNPAUSED schedule fires next (aware, in its time zone); None if paused or absent."""
    if not schedule or schedule.get("pause_status", "UNPAUSED") == "PAUSED":
        return None
    after = after or datetime.now(timezone.utc)
    return QuartzCron(schedule["quartz_cron_expression"]).next_after(after, schedule["timezone_id"])


class Scheduler:
    def __init__(self, jobs: Jobs):
        self.jobs = jobs
        self._due: dict[int, tuple[str, datetime | None]] = {}  # job_id -> (schedule as JSON, next fire)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="job-scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(TICK):
            try:
                self.tick(datetime.now(timezone.utc))
            except Exception:  # noqa: BLE001 - one bad tick must not end scheduling
                logger.exception("scheduler tick failed")

    def tick(self, now: datetime) -> list[int]:
        """Starts the runs due at `now`; their run ids."""
        started = []
        seen = set()
        for row in self.jobs.db.query("SELECT job_id, settings FROM jobs WHERE deleted = 0"):
            schedule = json.loads(row["settings"]).get("schedule")
            if not schedule:
                continue
            job_id = row["job_id"]
            seen.add(job_id)
            key = json.dumps(schedule, sort_keys=True)
            known = self._due.get(job_id)
            if known is None or known[0] != key:  # new, changed, paused or resumed: count from now
                self._due[job_id] = (key, next_run_time(schedule, now))
                continue
            due = known[1]
            if due is not None and now >= due:
                started.append(self.jobs.run_now(job_id, {}, "SCHEDULER", trigger="PERIODIC"))
                self._due[job_id] = (key, next_run_time(schedule, now))
        for gone in set(self._due) - seen:
            del self._due[gone]
        return started
