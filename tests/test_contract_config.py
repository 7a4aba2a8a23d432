"""Names and the data contract are validated when the configs load: exit code 2 before any engine
starts, with the file and the key. The shipped data passes the shipped contract."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml

from telco_churn.config.jobs import FeatureTableConfig
from telco_churn.config.loader import load_model
from telco_churn.jobs import JOBS
from telco_churn.config.contract import PACKAGED_CONTRACT
from telco_churn.paths import DATA_FILE, default_job_conf

CONTRACT = yaml.safe_load(PACKAGED_CONTRACT.read_text())


@pytest.fixture
def no_engine(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("an engine was started")
    monkeypatch.setattr("telco_churn.workload.start_runtime", refuse)


NAMES = [
    ("database with a dash", "database=db-x", ["key 'database'", "'db-x' is not a valid name"]),
    ("catalog with a space", "catalog=my cat", ["key 'catalog'", "'my cat' is not a valid name"]),
    ("dotted table", "tables.features=a.b", ["key 'tables.features'", "'a.b' is not a valid name"]),
    ("model name with a slash", "model_name=a/b", ["key 'model_name'", "'a/b' is not a valid model name"]),
    ("relative experiment", "experiments.training=runs/train", ["key 'experiments.training'", "must be an absolute workspace path"]),
    ("experiment ending in a slash", "experiments.deployment=/Shared/x/", ["key 'experiments.deployment'", "absolute workspace path"]),
    ("label column with a space", "label_column=churn label", ["key 'label_column'", "not a valid name"]),
]


@pytest.mark.parametrize("case,override,expected", NAMES, ids=[n[0] for n in NAMES])
def test_bad_names_exit_2_before_an_engine_starts(no_engine, caplog, case, override, expected):
    with caplog.at_level(logging.ERROR):
        assert JOBS["model-train"].main(["--env-set", override]) == 2
    assert "conf/environments.yml" in caplog.text
    for words in expected:
        assert words in caplog.text


def test_unity_catalog_model_names_take_no_dash(no_engine, caplog):
    args = ["--env-set", "platform=uc", "--env-set", "catalog=main", "--env-set", "model_registry=aliases", "--env-set", "model_name=churn-model"]
    assert JOBS["model-deployment"].main(args) == 2
    assert "may not hold '-' under Unity Catalog" in caplog.text


def _contract_with(path: Path, change) -> Path:
    data = yaml.safe_load(yaml.safe_dump(CONTRACT))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


CONTRACTS = [
    ("unknown rule", lambda c: c["columns"]["tenure"].update(minimum=0), "columns.tenure.minimum", "unknown key"),
    ("range on text", lambda c: c["columns"]["gender"].update(min=0), "columns.gender", "min and max apply to integer and double columns only"),
    ("key not a column", lambda c: c.update(key="id"), None, "key 'id' is not one of the columns"),
    ("one label value", lambda c: c["label"].update(negative_value="Yes"), "label", "positive_value and negative_value must differ"),
    ("bad severity", lambda c: c["columns"]["tenure"].update(severity="fatal"), "columns.tenure.severity", "'error' or 'warn'"),
    ("text domain of a number", lambda c: c["columns"]["SeniorCitizen"].update(values=["0", "1"]), "columns.SeniorCitizen",
     "integer column: values must be integers"),
]


@pytest.mark.parametrize("case,change,key,words", CONTRACTS, ids=[c[0] for c in CONTRACTS])
def test_bad_contract_exits_2_naming_the_contract_file(no_engine, caplog, tmp_path, case, change, key, words):
    contract = _contract_with(tmp_path / "contract.yml", change)
    for job in ("data-ingest", "feature-table-creation"):
        caplog.clear()
        assert JOBS[job].main(["--set", f"contract={contract}"]) == 2
        assert f"Invalid configuration in {contract}" in caplog.text and words in caplog.text
        assert key is None or f"key '{key}" in caplog.text


def test_missing_contract_file_exits_2(no_engine, caplog, tmp_path):
    assert JOBS["data-ingest"].main(["--set", f"contract={tmp_path / 'none.yml'}"]) == 2
    assert "none.yml: cannot read file" in caplog.text


def test_features_come_from_the_contract():
    contract = load_model(FeatureTableConfig, default_job_conf("feature_table_creation.yml")).contract
    assert contract.numeric_columns == ["SeniorCitizen", "tenure", "MonthlyCharges", "TotalCharges"]
    assert len(contract.categorical_columns) == 15 and "customerID" not in contract.categorical_columns
    assert (contract.label.positive_value, contract.label.negative_value) == ("Yes", "No")


def test_the_shipped_data_passes_the_shipped_contract_with_11_warnings(runtime, caplog):
    from telco_churn.contracts.table_checks import check_contract

    contract = load_model(FeatureTableConfig, default_job_conf("feature_table_creation.yml")).contract
    customers = runtime.spark.read.option("header", True).csv(DATA_FILE.as_uri())
    report = check_contract(customers, contract, "shipped data")
    report.log(logging.getLogger("test"))
    print(report.summary())  # shown with pytest -s
    assert report.errors == []
    [warning] = report.warnings
    assert (warning.check, warning.failures, report.warning_count) == ("TotalCharges: blank", 11, 11)
    assert report.summary() == "shipped data: 53 check(s), 0 failed, 1 warning(s) on 11 value(s)"
    assert "Contract warning on shipped data: TotalCharges: blank: 11 blank value(s)" in caplog.text


def test_unknown_encoding_exits_2(no_engine, caplog):
    assert JOBS["data-ingest"].main(["--set", "encoding=utf-99"]) == 2
    assert "key 'encoding': unknown encoding 'utf-99'" in caplog.text
