"""data-ingest's record, kept in bronze's Delta commit, that the commit's rows passed the contract.

A Delta version never changes, so feature-table-creation, reading that very version with the
same contract and the same checks' code, takes the record instead of checking the rows again.
Bronze written any other way (a user's notebook, an OPTIMIZE, an older release) carries no
record, or one for another contract or other checks' code, and is checked in full.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from telco_churn.config import contract as contract_model
from telco_churn.config.contract import DataContract
from telco_churn.contracts import quick_pass, table_checks
from telco_churn.contracts.report import CheckOutcome, ValidationReport

RECORD_KEY = "telco_churn.contract_passed"
RECORDED_CHECK = "contract (checked by data-ingest)"


def fingerprint(contract: DataContract) -> str:
    """The contract's values and the source of the checks that ran it (and of the model that gives
    the values their meaning): a change in any of them voids a record."""
    digest = hashlib.sha256(contract.model_dump_json().encode())
    for module in (table_checks, quick_pass, contract_model):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class ContractRecord:
    contract: str  # fingerprint()
    rows: int
    keys_unique: bool  # every key present and none repeated (trimmed)
    warnings: tuple[tuple[str, int, str], ...]  # (check, failures, problem) of warn-level checks that failed

    @classmethod
    def of(cls, report: ValidationReport, contract: DataContract) -> "ContractRecord":
        """The record of the contract's report on the rows about to be written."""
        return cls(fingerprint(contract), table_checks.contract_row_count(report),
                   table_checks.proves_keys_unique(report, contract),
                   tuple((o.check, o.failures, o.problem) for o in report.warnings))

    def to_note(self) -> str:
        """The Delta commit's userMetadata."""
        return json.dumps({RECORD_KEY: {"contract": self.contract, "rows": self.rows,
                                        "keys_unique": self.keys_unique, "warnings": self.warnings}})

    @classmethod
    def from_note(cls, note: str | None) -> "ContractRecord | None":
        """The record in a commit's userMetadata; None if it holds none (or something else)."""
        try:
            found = json.loads(note or "")[RECORD_KEY]
            return cls(str(found["contract"]), int(found["rows"]), found["keys_unique"] is True,
                       tuple((str(c), int(n), str(p)) for c, n, p in found["warnings"]))
        except (ValueError, TypeError, KeyError):
            return None

    def report(self, contract: DataContract, target: str) -> ValidationReport | None:
        """The checks' outcome as data-ingest found it, if it checked this contract with these checks."""
        if self.contract != fingerprint(contract):
            return None
        report = ValidationReport(target)
        report.add(CheckOutcome(RECORDED_CHECK, "error", self.rows, 0, "check(s) failed"))
        if self.keys_unique:  # what proves_keys_unique looks for
            report.extend([CheckOutcome(f"{contract.key}: {check}", "error", self.rows, 0, "key(s) recorded bad")
                           for check in ("blank", "unique")])
        report.extend([CheckOutcome(check, "warn", self.rows, failures, problem)
                       for check, failures, problem in self.warnings])
        return report
