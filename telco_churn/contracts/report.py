"""The outcome of every check at a table boundary: logged, saved as JSON, raised on errors."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from logging import Logger
from typing import Any, Literal

from telco_churn.errors import DataValidationError

Severity = Literal["error", "warn"]
MAX_EXAMPLES_SHOWN = 3


@dataclass(frozen=True)
class CheckOutcome:
    """One check: what it looked at, how many rows broke it, and one example."""

    check: str  # e.g. "tenure: range", "field count"
    severity: Severity
    rows_checked: int | None  # None where counting them would cost a pass of its own
    failures: int
    problem: str  # what a failure is, e.g. "value(s) below 0"
    example: str | None = None
    counted: bool = True  # False for a check of the whole input (e.g. "the file is empty")

    @property
    def failed(self) -> bool:
        return self.failures > 0

    def message(self) -> str:
        example = f", e.g. {self.example}" if self.example else ""
        return f"{self.check}: {f'{self.failures} ' if self.counted else ''}{self.problem}{example}"


@dataclass
class ValidationReport:
    """Every check run on one input (a file or a table), in order."""

    target: str  # e.g. "CSV file /data/customers.csv", "bronze table db.bronze_customers"
    outcomes: list[CheckOutcome] = field(default_factory=list)

    def add(self, outcome: CheckOutcome) -> None:
        self.outcomes.append(outcome)

    def extend(self, outcomes: list[CheckOutcome]) -> None:
        self.outcomes.extend(outcomes)

    def passed(self, *checks: str) -> bool:
        """True when every named check ran and no row broke it."""
        ran = {o.check: o for o in self.outcomes}
        return all(name in ran and not ran[name].failed for name in checks)

    @property
    def errors(self) -> list[CheckOutcome]:
        return [o for o in self.outcomes if o.failed and o.severity == "error"]

    @property
    def warnings(self) -> list[CheckOutcome]:
        return [o for o in self.outcomes if o.failed and o.severity == "warn"]

    @property
    def warning_count(self) -> int:
        """Rows that broke warn-level checks, summed over those checks."""
        return sum(o.failures for o in self.warnings)

    def summary(self) -> str:
        return (f"{self.target}: {len(self.outcomes)} check(s), {len(self.errors)} failed, "
                f"{len(self.warnings)} warning(s) on {self.warning_count} value(s)")

    def log(self, logger: Logger) -> None:
        logger.info("Validation of %s", self.summary())
        for outcome in self.warnings:
            logger.warning("Contract warning on %s: %s", self.target, outcome.message())
        for outcome in self.errors:
            logger.error("Contract error on %s: %s", self.target, outcome.message())

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "passed": not self.errors, "errors": len(self.errors),
                "warnings": len(self.warnings), "warning_count": self.warning_count,
                "checks": [{**asdict(o), "outcome": _outcome(o)} for o in self.outcomes]}

    def save_to_run(self, name: str) -> None:
        """Saves the report as validation/<name>.json in the active MLflow run (values masked)."""
        import mlflow

        from telco_churn.redaction import redact

        mlflow.log_dict(redact(self.to_dict()), f"validation/{name}.json")

    def raise_on_errors(self) -> None:
        """A DataValidationError naming the target and each failed check, if any check failed."""
        if not self.errors:
            return
        shown = "; ".join(o.message() for o in self.errors[:MAX_EXAMPLES_SHOWN])
        more = f"; and {len(self.errors) - MAX_EXAMPLES_SHOWN} more failed check(s)" if len(self.errors) > MAX_EXAMPLES_SHOWN else ""
        raise ContractViolation(f"{self.target}: {shown}{more}. Nothing was written.", self)


class ContractViolation(DataValidationError):
    """Data broke error-level checks; the report says which and how."""

    def __init__(self, message: str, report: ValidationReport):
        super().__init__(message)
        self.report = report


def _outcome(o: CheckOutcome) -> str:
    if not o.failed:
        return "passed"
    return "failed" if o.severity == "error" else "warning"


def checked(report: ValidationReport, logger: Logger) -> ValidationReport:
    """Logs the report, then raises if an error-level check failed."""
    report.log(logger)
    report.raise_on_errors()
    return report
