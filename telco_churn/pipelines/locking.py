"""Runs of one job on one local lakehouse take turns, through a lock file beside its tables.

On Databricks the jobs have no local workspace; `max_concurrent_runs: 1` on the workflows in
conf/deployment.yml plays this part there. The operating system drops the lock of a process
that dies, even by SIGKILL, so a killed run never blocks the next.
"""

from __future__ import annotations

import fcntl
import re
import time
from contextlib import contextmanager
from logging import Logger
from pathlib import Path
from typing import Iterator

from telco_churn.errors import TelcoChurnError
from telco_churn.workload import JobContext

WAIT_SECONDS = 600.0
POLL_SECONDS = 0.2


class ConcurrentRunError(TelcoChurnError):
    """Another run held the lock for longer than we wait."""


@contextmanager
def taking_turns(ctx: JobContext, what: str, wait_seconds: float = WAIT_SECONDS) -> Iterator[None]:
    """Holds the lock called `what` (e.g. 'model-deployment telco_churn_local') while the block runs."""
    with turn_in(ctx.runtime.workspace_dir, what, ctx.logger, wait_seconds):
        yield


@contextmanager
def turn_in(folder: Path | None, what: str, logger: Logger, wait_seconds: float = WAIT_SECONDS) -> Iterator[None]:
    """The lock `what` of the local lakehouse in folder; nothing to hold on Databricks (folder None)."""
    if folder is None:
        yield
        return
    path = folder / "locks" / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', what)}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        _acquire(handle, path, what, logger, wait_seconds)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _acquire(handle, path, what: str, logger: Logger, wait_seconds: float) -> None:
    deadline = time.monotonic() + wait_seconds
    waited = False
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if waited:
                logger.info("Lock %s taken: the other run has ended", path.name)
            return
        except BlockingIOError:
            if not waited:
                logger.info("Another %s run is in progress on this lakehouse; waiting for it (lock %s)", what, path)
                waited = True
            if time.monotonic() > deadline:
                raise ConcurrentRunError(
                    f"Another {what} run has held {path} for more than {wait_seconds:.0f} s; nothing was done. "
                    "Run again when it has ended.") from None
            time.sleep(POLL_SECONDS)
