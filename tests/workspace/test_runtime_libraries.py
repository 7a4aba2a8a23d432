"""A cluster's Python libraries follow its runtime (local_workspace/compute/runtimes.py): a
17.3 LTS ML cluster has the versions of the release notes, an unknown runtime the workspace's own,
and a model logged on one 17.3 cluster loads on another."""

from __future__ import annotations

import io
import json
from importlib.metadata import version

import pytest
from databricks.sdk.service import compute, jobs

from local_workspace.compute.runtimes import RUNTIMES, runtime_for

ML_17_3 = "17.3.x-cpu-ml-scala2.13"
UNKNOWN = "99.1.x-cpu-ml-scala2.13"
# The six libraries' versions, as a task sees them (None: not installed).
VERSIONS = b"""import json
from importlib.metadata import PackageNotFoundError, version
import mlflow, numpy, pandas, pyarrow, sklearn
try:
    feature_engineering = version("databricks-feature-engineering")
except PackageNotFoundError:
    feature_engineering = None
print("VERSIONS " + json.dumps({"mlflow": mlflow.__version__, "scikit-learn": sklearn.__version__,
    "pandas": pandas.__version__, "numpy": numpy.__version__, "pyarrow": pyarrow.__version__,
    "databricks-feature-engineering": feature_engineering}))
"""
# A task logs a scikit-learn model to the workspace's MLflow (MLFLOW_TRACKING_URI=databricks);
# another, on another cluster, loads it and predicts.
TRAIN = VERSIONS + b"""import sys
import mlflow, numpy as np
from sklearn.ensemble import RandomForestClassifier
X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
mlflow.set_experiment(sys.argv[1])
with mlflow.start_run() as run:
    mlflow.sklearn.log_model(RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y), name="model")
print("RUN", run.info.run_id)
"""
SCORE = b"""import sys
import mlflow, numpy as np, sklearn
model = mlflow.pyfunc.load_model(f"runs:/{sys.argv[1]}/model")
print("PREDICTED", list(model.predict(np.array([[0.0], [3.0]]))), "WITH", sklearn.__version__)
"""


@pytest.fixture(scope="module")
def client(workspace):
    return workspace.sdk()


def _upload(client, name: str, body: bytes) -> str:
    client.dbfs.upload(f"/tests/runtime-libs/{name}", io.BytesIO(body), overwrite=True)
    return f"dbfs:/tests/runtime-libs/{name}"


def _task(key: str, spark_version: str, script: str, parameters: list[str] | None = None) -> jobs.SubmitTask:
    return jobs.SubmitTask(task_key=key, new_cluster=compute.ClusterSpec(spark_version=spark_version, num_workers=0),
                           spark_python_task=jobs.SparkPythonTask(python_file=script, parameters=parameters or []))


def _output(client, run, key: str) -> str:
    task = next(t for t in run.tasks if t.task_key == key)
    output = client.jobs.get_run_output(task.run_id)
    assert task.state.result_state == jobs.RunResultState.SUCCESS, (output.error, output.error_trace, output.logs)
    return output.logs


def _printed(logs: str, marker: str) -> str:
    return next(line for line in logs.splitlines() if line.startswith(marker + " "))[len(marker) + 1:]


def test_the_table_matches_17_3_ml_clusters_only():
    ml = runtime_for(ML_17_3)
    assert ml is not None and ml is runtime_for("17.3.x-cpu-ml-scala2.12")
    assert runtime_for("17.3.x-scala2.13") is None and runtime_for(UNKNOWN) is None and runtime_for(None) is None
    assert {"mlflow-skinny", "scikit-learn", "pandas", "numpy", "pyarrow",
            "databricks-feature-engineering"} <= set(ml.libraries) and ml in RUNTIMES


@pytest.fixture(scope="module")
def first_run(client):
    """One run: a task on a 17.3 ML cluster prints the versions and logs a model; another, on a
    cluster of a runtime the table does not know, prints the versions."""
    train, versions = _upload(client, "train.py", TRAIN), _upload(client, "versions.py", VERSIONS)
    return client.jobs.submit(run_name="runtime-libraries", tasks=[
        _task("ml", ML_17_3, train, ["/Shared/runtime-libraries"]), _task("unknown", UNKNOWN, versions)]).result()


def test_a_17_3_ml_cluster_has_the_release_notes_versions_and_an_unknown_runtime_the_workspaces(client, first_run):
    listed = runtime_for(ML_17_3).libraries
    on_ml = json.loads(_printed(_output(client, first_run, "ml"), "VERSIONS"))
    assert on_ml == {"mlflow": listed["mlflow-skinny"], "scikit-learn": listed["scikit-learn"],
                     "pandas": listed["pandas"], "numpy": listed["numpy"], "pyarrow": listed["pyarrow"],
                     "databricks-feature-engineering": listed["databricks-feature-engineering"]}
    on_unknown = json.loads(_printed(_output(client, first_run, "unknown"), "VERSIONS"))
    assert on_unknown == {"mlflow": version("mlflow"), "scikit-learn": version("scikit-learn"),
                          "pandas": version("pandas"), "numpy": version("numpy"), "pyarrow": version("pyarrow"),
                          "databricks-feature-engineering": None}


def test_a_model_logged_on_one_17_3_cluster_loads_on_another(client, first_run):
    run_id = _printed(_output(client, first_run, "ml"), "RUN")
    score = _upload(client, "score.py", SCORE)
    scored = client.jobs.submit(run_name="runtime-score", tasks=[_task("score", ML_17_3, score, [run_id])]).result()
    assert _printed(_output(client, scored, "score"), "PREDICTED") == (
        f"[np.int64(0), np.int64(1)] WITH {runtime_for(ML_17_3).libraries['scikit-learn']}")
    trained_on = next(t for t in first_run.tasks if t.task_key == "ml").cluster_instance.cluster_id
    assert trained_on != scored.tasks[0].cluster_instance.cluster_id
