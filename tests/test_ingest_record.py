"""data-ingest's record in bronze's commit: read back whole, refused when foreign, void for another contract."""

from __future__ import annotations

import json

import pytest

from telco_churn.config.contract import PACKAGED_CONTRACT, DataContract
from telco_churn.config.loader import load_model
from telco_churn.contracts.ingest_record import RECORD_KEY, ContractRecord, fingerprint
from telco_churn.contracts.table_checks import proves_keys_unique

CONTRACT = load_model(DataContract, PACKAGED_CONTRACT)
RECORD = ContractRecord(fingerprint(CONTRACT), 7043, True, (("TotalCharges: blank", 11, "blank value(s)"),))


def test_a_record_reads_back_as_the_report_data_ingest_made():
    report = ContractRecord.from_note(RECORD.to_note()).report(CONTRACT, "Bronze table db.t (version 4)")
    assert report.target == "Bronze table db.t (version 4)" and not report.errors
    assert [(o.check, o.failures) for o in report.warnings] == [("TotalCharges: blank", 11)]
    assert report.warning_count == 11 and proves_keys_unique(report, CONTRACT)


def test_keys_not_proven_unique_are_not_claimed():
    record = ContractRecord(RECORD.contract, 10, False, ())
    assert not proves_keys_unique(record.report(CONTRACT, "t"), CONTRACT)


def test_another_contract_voids_the_record():
    stricter = CONTRACT.model_copy(update={"duplicate_keys": "warn"})
    assert fingerprint(stricter) != RECORD.contract
    assert RECORD.report(stricter, "t") is None


@pytest.mark.parametrize("note", [None, "", "a user's note", "[1, 2]", json.dumps({"other": 1}),
                                  json.dumps({RECORD_KEY: {"contract": "x", "rows": "many", "keys_unique": True, "warnings": []}}),
                                  json.dumps({RECORD_KEY: {"contract": "x", "rows": 1, "keys_unique": True}})])
def test_a_note_that_is_no_record_is_none(note):
    assert ContractRecord.from_note(note) is None
