"""The local feature store logs a model as databricks-feature-engineering does: feature_spec.yaml
beside it and the lookup key in its signature; scoring reads that signature as on Databricks."""

from __future__ import annotations

import logging
from pathlib import Path

import mlflow
import yaml

from telco_churn.pipelines.scoring import check_scoring_input
from telco_churn.workload import JobContext


def _model_uri(trained) -> str:
    return f"models:/{trained.env.registered_model_name}/1"


def test_the_signature_holds_the_lookup_key_then_optional_features(trained):
    trained.runtime.tracking(trained.env).activate()
    inputs = mlflow.models.get_model_info(_model_uri(trained)).signature.inputs
    key, *features = inputs.inputs
    assert (key.name, key.type.name, key.required) == ("customerID", "string", True)
    assert features and not any(f.required for f in features)
    assert "tenure" in [f.name for f in features] and "churn" not in [f.name for f in features]


def test_the_feature_spec_is_shaped_as_the_clients(trained, tmp_path):
    trained.runtime.tracking(trained.env).activate()
    folder = Path(mlflow.artifacts.download_artifacts(artifact_uri=_model_uri(trained), dst_path=str(tmp_path)))
    spec = yaml.safe_load((folder / "artifacts" / "feature_spec.yaml").read_text())
    table = trained.env.table("features")
    (key, first), *features = [next(iter(c.items())) for c in spec["input_columns"]]
    # The key is excluded from the training data but kept, as a lookup key, with include: false.
    assert (key, first) == ("customerID", {"source": "training_data", "data_type": "string", "include": False,
                                           "topological_ordering": 0})
    name, tenure = next((n, i) for n, i in features if n == "tenure")
    assert tenure == {"table_name": table, "feature_name": "tenure", "lookup_key": ["customerID"],
                      "data_type": "double", "source": "feature_store",
                      "topological_ordering": [n for n, _ in features].index("tenure") + 1}
    assert spec["input_tables"] == [{table: {}}] and spec["serialization_version"] == 11


def test_scoring_checks_select_the_key_once(trained):
    runtime, env = trained.runtime, trained.env
    ctx = JobContext(env, runtime, runtime.lakehouse, runtime.feature_store(env), runtime.tracking(env),
                     logging.getLogger("test"))
    ctx.tracking.activate()
    keys = runtime.lakehouse.read(env.table("reference")).select(env.id_column)
    report = check_scoring_input(ctx, _model_uri(trained), keys, "reference")
    assert not report.errors
    scored = runtime.feature_store(env).score_batch(_model_uri(trained), keys)
    assert scored.columns.count(env.id_column) == 1 and scored.count() == keys.count()
