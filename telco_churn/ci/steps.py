"""Named steps of a driver, each with a status line; after a failure the rest are skipped."""

from __future__ import annotations

import time
from typing import Any, Callable

from telco_churn.ci.errors import CiError


class Steps:
    def __init__(self, names: list[str], say: Callable[[str], None] = print):
        self.names, self.say = names, say
        self.records: list[dict] = []
        self.failed: dict | None = None

    def run(self, name: str, action: Callable[[], Any], always: bool = False) -> Any:
        """action's result; None if an earlier step failed (unless always) or this one fails
        (recorded, not raised)."""
        number = f"[{self.names.index(name) + 1}/{len(self.names)}]"
        if self.failed is not None and not always:
            self.records.append({"step": name, "status": "skipped"})
            self.say(f"{number} {name}: skipped")
            return None
        started = time.monotonic()
        self.say(f"{number} {name} ...")
        try:
            result = action()
        except CiError as exc:
            return self._fail(name, number, str(exc), started)
        except Exception as exc:  # noqa: BLE001 - a workspace or network error fails this step, with its text
            return self._fail(name, number, f"{type(exc).__name__}: {exc}", started)
        self.records.append({"step": name, "status": "ok", "seconds": round(time.monotonic() - started, 1)})
        self.say(f"{number} {name}: ok")
        return result

    def _fail(self, name: str, number: str, message: str, started: float) -> None:
        record = {"step": name, "status": "failed", "message": message, "seconds": round(time.monotonic() - started, 1)}
        self.failed = self.failed or record  # the first failure is the build's
        self.records.append(record)
        self.say(f"{number} {name}: FAILED: {message}")
        return None
