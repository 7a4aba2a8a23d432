"""condition_task: its operators, and which dependents a condition's outcome excludes.

As the Jobs API documents them: EQUAL_TO and NOT_EQUAL compare the operands as strings ("12.0" is
not "12"); the four ordering operators compare them as numbers ("12.0" >= "12"), and fail the
task when an operand is not a number.
"""

from __future__ import annotations

import math
import operator

ORDERING = {"GREATER_THAN": operator.gt, "GREATER_THAN_OR_EQUAL": operator.ge,
            "LESS_THAN": operator.lt, "LESS_THAN_OR_EQUAL": operator.le}


class ConditionError(ValueError):
    """A condition that cannot be evaluated (an ordering operator on a non-number)."""


def _number(text: str, side: str, op: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        value = math.nan
    if math.isnan(value):
        raise ConditionError(f"condition_task {op}: the {side} operand '{text}' is not a number; "
                             f"{op} compares numbers (use EQUAL_TO or NOT_EQUAL for strings)")
    return value


def evaluate(op: str, left: str, right: str) -> bool:
    if op == "EQUAL_TO":
        return left == right
    if op == "NOT_EQUAL":
        return left != right
    return ORDERING[op](_number(left, "left", op), _number(right, "right", op))


def excluded(task: dict, results: dict[str, str], outcomes: dict[str, str | None]) -> bool:
    """Whether a task is EXCLUDED: a dependency is a condition whose outcome is not the one asked
    for, or was itself excluded. With run_if ALL_SUCCESS (the default) one such dependency
    excludes the task; with another run_if, all of them must be."""
    deps = task.get("depends_on", [])
    if not deps:
        return False
    out = [results[d["task_key"]] == "EXCLUDED" or
           ("outcome" in d and results[d["task_key"]] == "SUCCESS" and outcomes.get(d["task_key"]) != d["outcome"])
           for d in deps]
    return any(out) if task.get("run_if", "ALL_SUCCESS") == "ALL_SUCCESS" else all(out)
