"""The checks applied to the notebook's MLflow run: `--expect-metric roc_auc>=0.80`,
`--expect-param max_depth=8`."""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

from telco_churn.ci.errors import CiError

OPERATORS = {">=": operator.ge, "<=": operator.le, "==": operator.eq, "!=": operator.ne, ">": operator.gt,
             "<": operator.lt}
_METRIC = re.compile(r"^\s*([A-Za-z0-9_.\-/ ]+?)\s*(>=|<=|==|!=|>|<)\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*$")


@dataclass(frozen=True)
class MetricCheck:
    text: str
    name: str
    op: str
    value: float

    def apply(self, metrics: dict[str, float]) -> dict:
        """The outcome; a metric `roc_auc` also matches the logged `test_roc_auc`."""
        name = next((n for n in (self.name, f"test_{self.name}") if n in metrics), None)
        if name is None:
            return {"check": self.text, "passed": False,
                    "message": f"metric '{self.name}' was not logged (logged: {', '.join(sorted(metrics)) or 'none'})"}
        actual = metrics[name]
        passed = OPERATORS[self.op](actual, self.value)
        return {"check": self.text, "metric": name, "value": actual, "passed": passed,
                "message": "" if passed else f"{name} = {actual} does not satisfy {self.op} {self.value}"}


@dataclass(frozen=True)
class ParamCheck:
    text: str
    name: str
    value: str

    def apply(self, params: dict[str, str]) -> dict:
        actual = params.get(self.name)
        passed = actual == self.value
        return {"check": self.text, "param": self.name, "value": actual, "passed": passed,
                "message": "" if passed else f"param {self.name} is {actual!r}, expected {self.value!r}"}


def parse_metric_check(text: str) -> MetricCheck:
    found = _METRIC.match(text)
    if not found:
        raise CiError(f"--expect-metric {text!r}: expected NAME OP NUMBER with OP one of "
                      f"{', '.join(OPERATORS)}, e.g. roc_auc>=0.80", exit_code=2)
    return MetricCheck(text, found.group(1).strip(), found.group(2), float(found.group(3)))


def parse_param_check(text: str) -> ParamCheck:
    name, eq, value = text.partition("=")
    if not eq or not name.strip():
        raise CiError(f"--expect-param {text!r}: expected NAME=VALUE, e.g. max_depth=8", exit_code=2)
    return ParamCheck(text, name.strip(), value.strip())
