"""Malformed configs stop the job with one clear error, before anything is written."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml

from telco_churn.jobs import JOBS
from telco_churn.paths import default_env_file, default_job_conf

TRAIN = yaml.safe_load(default_job_conf("model_train.yml").read_text())
ENVS = yaml.safe_load(default_env_file().read_text())


def _write(path: Path, data) -> Path:
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def _with(data: dict, dotted: str, value) -> dict:
    copy = yaml.safe_load(yaml.safe_dump(data))
    node = copy
    *parents, last = dotted.split(".")
    for part in parents:
        node = node[part]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return copy


_DELETE = object()

# (case, job config content or None, env file content or None, extra args, expected words in the error)
CASES = [
    ("unknown key", _with(TRAIN, "model_params.max_dept", 8), None, [], ["model_params.max_dept", "unknown key"]),
    ("missing key", _with(TRAIN, "test_size", _DELETE), None, [], ["test_size", "required key is missing"]),
    ("wrong type", _with(TRAIN, "model_params.n_estimators", "many"), None, [], ["model_params.n_estimators", "integer"]),
    ("max_features auto", _with(TRAIN, "model_params.max_features", "auto"), None, [], ["model_params.max_features", "'auto'"]),
    ("out of range", _with(TRAIN, "test_size", 1.5), None, [], ["test_size", "less than 1"]),
    ("malformed yaml", "test_size: 0.25\n  random_state: [42\n", None, [], ["malformed YAML", "line"]),
    ("not a mapping", "- a\n- b\n", None, [], ["top level must be a mapping"]),
    ("override wrong type", None, None, ["--set", "random_state=abc"], ["random_state", "integer"]),
    ("override below a value", None, None, ["--set", "test_size.x=1"], ["test_size", "not a mapping"]),
    ("unknown environment", None, None, ["--env", "qa"], ["unknown environment 'qa'", "local, prod, staging"]),
    ("env wrong type", None, _with(ENVS, "environments.local", {"platform": "legacy", "model_registry": "sometimes"}), [], ["model_registry", "'stages' or 'aliases'"]),
    ("env unknown key", None, _with(ENVS, "defaults.tables.silver", "x"), [], ["tables.silver", "unknown key"]),
    ("unity catalog with stages", None, _with(ENVS, "environments.local", {"catalog": "main", "model_registry": "stages"}), [],
     ["model_registry must be 'aliases'"]),
    ("unity catalog without a catalog", None, _with(ENVS, "environments.local", {"catalog": None}), [],
     ["catalog must be set when platform is 'uc'", "platform: legacy"]),
    ("legacy with a catalog", None, _with(ENVS, "environments.local", {"platform": "legacy", "catalog": "main"}), [],
     ["catalog 'main' is set but platform is 'legacy'"]),
]


@pytest.mark.parametrize("case,job_conf,env_conf,extra,expected", CASES, ids=[c[0] for c in CASES])
def test_config_error_names_file_and_key_and_writes_nothing(tmp_path, caplog, case, job_conf, env_conf, extra, expected):
    conf_file = _write(tmp_path / "model_train.yml", job_conf) if job_conf is not None else default_job_conf("model_train.yml")
    env_file = _write(tmp_path / "environments.yml", env_conf) if env_conf is not None else default_env_file()
    workspace = tmp_path / "workspace"
    args = ["--conf-file", str(conf_file), "--env-file", str(env_file), "--workspace-dir", str(workspace), *extra]

    with caplog.at_level(logging.ERROR):
        code = JOBS["model-train"].main(args)

    assert code == 2
    message = caplog.text
    expected_file = env_file if env_conf is not None or "--env" in extra else conf_file
    assert str(expected_file) in message
    for words in expected:
        assert words in message
    # Validation happens before the engine starts: not even the workspace folder exists.
    assert not workspace.exists()


def test_unreadable_file_is_named(tmp_path, caplog):
    missing = tmp_path / "nope.yml"
    with caplog.at_level(logging.ERROR):
        code = JOBS["demo-setup"].main(["--conf-file", str(missing), "--workspace-dir", str(tmp_path / "ws")])
    assert code == 2
    assert f"{missing}: cannot read file" in caplog.text
    assert not (tmp_path / "ws").exists()


def test_every_shipped_config_validates():
    for job in JOBS.values():
        job(["--workspace-dir", "/nonexistent"])  # raises on any invalid shipped file
