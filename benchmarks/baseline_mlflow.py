"""The second baseline: the baseline's ML work plus what MLflow adds, in one plain process.

python -m benchmarks.baseline_mlflow OUT.json --work DIR

The same featurizing, split and forests as benchmarks/baseline.py, then what any MLflow user
writes: a SQLite tracking and registry store, one run per forest with its params and test
roc_auc, both models logged with a signature and an input example and registered, the better
one moved to Production (the older version archived), and the Production model loaded back to
score every row. No Spark, no Delta, no feature store: the story's ratio to this is what the
project costs beyond ML and MLflow.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before the imports below: their cost is reported as imports_s

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
from importlib.metadata import version  # noqa: E402
from pathlib import Path  # noqa: E402

import mlflow  # noqa: E402
from mlflow.models import infer_signature  # noqa: E402

from benchmarks.baseline import CSV, ID, LABEL, _conf, feature_table, held_out, train  # noqa: E402

IMPORTED = time.perf_counter()
REQUIREMENTS = [f"{name}=={version(name)}" for name in ("mlflow", "scikit-learn", "pandas", "numpy", "cloudpickle")]
MODEL = "telco-churn-baseline"


def log_forest(data, conf: dict, depth: int) -> tuple[str, float]:
    """One run: params, the test roc_auc and the logged, registered forest; (version, roc_auc)."""
    with mlflow.start_run(run_name=f"depth-{depth}"):
        model, roc_auc = train(data, conf, depth)
        mlflow.log_params({**conf["model_params"], "max_depth": depth, "test_size": conf["test_size"]})
        mlflow.log_metric("test_roc_auc", roc_auc)
        example = data.drop(columns=[ID, LABEL]).head(5)
        # Pinned requirements, as the project logs them: without them MLflow infers them by
        # loading the model in a subprocess, which would make this baseline slow, not fair.
        info = mlflow.sklearn.log_model(model, name="model", signature=infer_signature(example, model.predict(example)),
                                        input_example=example, registered_model_name=MODEL,
                                        serialization_format="cloudpickle", pip_requirements=REQUIREMENTS)
    return str(info.registered_model_version), roc_auc


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.baseline_mlflow")
    parser.add_argument("out", type=Path)
    parser.add_argument("--work", type=Path, required=True, help="folder for the MLflow store and the features")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=FutureWarning)  # the stages API's deprecation notice
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    store = f"sqlite:///{args.work / 'mlflow.db'}"
    mlflow.set_tracking_uri(store)
    mlflow.set_registry_uri(store)
    mlflow.set_experiment("baseline")
    out = {"imports_s": IMPORTED - STARTED}
    features_conf, train_conf = _conf("feature_table_creation.yml"), _conf("model_train.yml")
    data = feature_table(CSV, features_conf, args.work / "features-mlflow.parquet")
    labelled = data[~held_out(data[ID], features_conf["reference_fraction"])]
    versions = [log_forest(labelled, train_conf, depth) for depth in (4, 8)]
    best, _ = max(versions, key=lambda v: v[1])
    mlflow.MlflowClient().transition_model_version_stage(MODEL, best, "Production", archive_existing_versions=True)
    model = mlflow.pyfunc.load_model(f"models:/{MODEL}/Production")
    out["inference_rows"] = len(model.predict(data.drop(columns=[ID, LABEL])))
    out["total_s"] = time.perf_counter() - STARTED
    args.out.write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
