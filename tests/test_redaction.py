"""No secret value reaches a log line or an MLflow artifact."""

from __future__ import annotations

import logging

from telco_churn.redaction import MASK, redact, redact_text

TOKEN = "dapi-0123456789abcdef-secret"


def test_redact_masks_secret_names_and_values(monkeypatch):
    monkeypatch.setenv("DATABRICKS_TOKEN", TOKEN)
    monkeypatch.setenv("MY_API_KEY", "k3y-value-xyz")
    data = {"password": "hunter22", "note": f"token is {TOKEN}", "nested": [{"client_secret": "s"}], "n": 3}
    assert redact(data) == {"password": MASK, "note": f"token is {MASK}", "nested": [{"client_secret": MASK}], "n": 3}
    assert redact_text("key k3y-value-xyz") == f"key {MASK}"


def test_token_appears_in_no_log_line_and_no_artifact(trained, monkeypatch, capfd, caplog):
    monkeypatch.setenv("DATABRICKS_TOKEN", TOKEN)
    # Route the token everywhere a careless job could leak it: a tag, the run name, the config.
    with caplog.at_level(logging.INFO):
        result = trained.job("model-train", "--set", "model_params.n_estimators=5", "--set", f"tags.note={TOKEN}",
                             "--set", f"run_name=run-{TOKEN}", "--set", "register_model=false")
        logging.getLogger("telco_churn.test").info("about to fail with %s", TOKEN)
    out, err = capfd.readouterr()
    assert TOKEN not in out + err + caplog.text
    assert f"about to fail with {MASK}" in caplog.text  # the line was written, masked

    import mlflow

    run = mlflow.get_run(result.run_id)
    assert TOKEN not in str(run.data.tags) + str(run.info.run_name)
    artifacts = mlflow.artifacts.download_artifacts(run_id=result.run_id)
    from pathlib import Path

    files = [p for p in Path(artifacts).rglob("*") if p.is_file()]
    assert any(p.name == "model_train.json" for p in files)
    for path in files:
        assert TOKEN.encode() not in path.read_bytes(), path
