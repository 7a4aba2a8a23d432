"""The Unity Catalog model registry, used by MLflow's own `databricks-uc` client unmodified:
register, alias, load by alias, search, and the refusals Unity Catalog makes."""

from __future__ import annotations

import contextlib
import threading
import urllib.request

import numpy as np
import pytest

MODEL = "main.ml.churn"


def _first_mlflow_request(running) -> None:
    request = urllib.request.Request(f"{running.url}/api/2.0/mlflow/experiments/search?max_results=1",
                                     headers={"Authorization": f"Bearer {running.token}"})
    with contextlib.suppress(OSError):
        urllib.request.urlopen(request, timeout=120).read()


@pytest.fixture(scope="module")
def uc_workspace(workspace):
    """The session's workspace, whose Unity Catalog gets the catalog `main` with the schema `ml`."""
    client = workspace.sdk()
    if "main" not in {c.name for c in client.catalogs.list()}:
        client.catalogs.create("main")
        client.schemas.create("ml", "main")
    # The workspace sets up MLflow's server and database on its first MLflow request (about 15 s):
    # start that now, while this process imports MLflow and scikit-learn.
    threading.Thread(target=_first_mlflow_request, args=(workspace,), daemon=True).start()
    return workspace


@pytest.fixture(scope="module")
def mlflow_uc(uc_workspace):
    """MLflow configured only by `workspace env`, with the registry URI clusters get: databricks-uc."""
    import mlflow

    with pytest.MonkeyPatch.context() as patch:
        for name, value in uc_workspace.env().items():
            patch.setenv(name, value)
        patch.setenv("MLFLOW_REGISTRY_URI", "databricks-uc")
        patch.setenv("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
        mlflow.set_tracking_uri("databricks")
        mlflow.set_registry_uri("databricks-uc")
        mlflow.set_experiment("/Shared/uc-registry-test")
        yield mlflow
        mlflow.set_registry_uri(None)
        mlflow.set_tracking_uri(None)


def _train():
    from sklearn.linear_model import LogisticRegression

    features = np.array([[0.0, 1.0], [1.0, 0.0], [0.2, 0.9], [0.9, 0.1]])
    return LogisticRegression().fit(features, [0, 1, 0, 1]), features


def _log(mlflow, signed: bool):
    from mlflow.models import infer_signature

    model, features = _train()
    signature = infer_signature(features, model.predict(features)) if signed else None
    with mlflow.start_run():
        return mlflow.sklearn.log_model(model, name="model", signature=signature,
                                        serialization_format="cloudpickle",
                                        pip_requirements=["scikit-learn"]).model_uri, features  # no inference subprocess


@pytest.fixture(scope="module")
def registered(mlflow_uc):
    """Version 1 of main.ml.churn, registered by mlflow.register_model, with the alias champion."""
    uri, features = _log(mlflow_uc, signed=True)
    version = mlflow_uc.register_model(uri, MODEL)
    mlflow_uc.MlflowClient().set_registered_model_alias(MODEL, "champion", version.version)
    return version, features


def test_register_alias_and_load_by_alias(mlflow_uc, registered):
    version, features = registered
    assert (version.name, version.version, version.status) == (MODEL, "1", "READY")
    client = mlflow_uc.MlflowClient()
    assert client.get_model_version_by_alias(MODEL, "champion").version == "1"
    assert client.get_registered_model(MODEL).aliases == {"champion": "1"}
    loaded = mlflow_uc.pyfunc.load_model(f"models:/{MODEL}@champion")
    assert list(loaded.predict(features)) == [0, 1, 0, 1]


def test_search_versions_and_files(mlflow_uc, registered):
    client = mlflow_uc.MlflowClient()
    found = client.search_model_versions(f"name = '{MODEL}'")
    assert [(v.name, v.version, v.status) for v in found] == [(MODEL, "1", "READY")]
    assert client.search_model_versions("name = 'main.ml.nothing'") == []
    listed = {f.path for f in mlflow_uc.artifacts.list_artifacts(f"models:/{MODEL}/1")}
    assert "MLmodel" in listed


def test_stages_are_refused(mlflow_uc, registered):
    with pytest.raises(Exception, match="unsupported for models in the Unity Catalog"):
        mlflow_uc.MlflowClient().transition_model_version_stage(MODEL, "1", "Production")


def test_model_without_signature_is_refused_and_no_version_registered(mlflow_uc, registered):
    uri, _ = _log(mlflow_uc, signed=False)
    with pytest.raises(Exception, match="signature"):
        mlflow_uc.register_model(uri, "main.ml.unsigned")
    # The client creates the registered model before its own signature check, as on Databricks;
    # no version of it exists.
    assert mlflow_uc.MlflowClient().search_model_versions("name = 'main.ml.unsigned'") == []


def test_server_refuses_unsigned_version_at_finalize(mlflow_uc, registered, uc_workspace):
    """MLflow's own upload path with its client-side check bypassed (as copy_model_version does):
    the workspace still refuses at finalize, with the same message, and keeps no version."""
    from mlflow.exceptions import MlflowException

    uri, _ = _log(mlflow_uc, signed=False)
    store = mlflow_uc.MlflowClient()._get_registry_client().store
    with pytest.raises(MlflowException, match="did not contain any signature metadata") as refused:
        store._create_model_version_with_optional_signature_validation(
            name=MODEL, source=uri, bypass_signature_validation=True)
    assert refused.value.error_code == "INVALID_PARAMETER_VALUE"
    assert [v.version for v in mlflow_uc.MlflowClient().search_model_versions(f"name = '{MODEL}'")] == ["1"]
    assert sorted(p.name for p in (uc_workspace.root / "uc-models" / "main" / "ml" / "churn").iterdir()) == ["1"]


def test_unknown_catalog_and_schema_are_refused(mlflow_uc, registered):
    from mlflow.exceptions import RestException

    client = mlflow_uc.MlflowClient()
    with pytest.raises(RestException, match="Catalog 'nowhere' does not exist") as refused:
        client.create_registered_model("nowhere.ml.churn")
    assert refused.value.error_code == "CATALOG_DOES_NOT_EXIST"
    with pytest.raises(RestException, match="Schema 'main.nowhere' does not exist"):
        client.create_registered_model("main.nowhere.churn")
    # MLflow completes a two-level name with the current catalog of an active Spark session, which a
    # worker of the suite may have (Sail's is `sail`); without one it asks for all three levels.
    with pytest.raises(Exception, match="specify all three levels|Catalog 'sail' does not exist"):
        client.create_registered_model("churn_two_levels.model")


def test_delete_alias_version_and_model(mlflow_uc, registered):
    from mlflow.exceptions import RestException

    uri, _ = _log(mlflow_uc, signed=True)
    client = mlflow_uc.MlflowClient()
    second = mlflow_uc.register_model(uri, "main.ml.scratch")
    client.set_registered_model_alias("main.ml.scratch", "challenger", second.version)
    client.delete_registered_model_alias("main.ml.scratch", "challenger")
    with pytest.raises(RestException, match="challenger"):
        client.get_model_version_by_alias("main.ml.scratch", "challenger")
    client.delete_model_version("main.ml.scratch", second.version)
    client.delete_registered_model("main.ml.scratch")
    with pytest.raises(RestException, match="Routine or Model 'main.ml.scratch' does not exist"):
        client.get_registered_model("main.ml.scratch")


def test_sdk_sees_the_same_registry_in_its_dataclasses(uc_workspace, registered):
    """databricks-sdk's registered_models / model_versions (Unity Catalog's /api/2.1 REST API)."""
    from databricks.sdk.service.catalog import ModelVersionInfo, ModelVersionInfoStatus, RegisteredModelInfo

    from tests.workspace.parity import assert_parses

    w = uc_workspace.sdk()
    model = w.registered_models.get(MODEL)
    assert (model.full_name, model.catalog_name, model.schema_name) == (MODEL, "main", "ml")
    assert [(a.alias_name, a.version_num) for a in model.aliases] == [("champion", 1)]
    champion = w.model_versions.get_by_alias(MODEL, "champion")
    assert (champion.version, champion.status) == (1, ModelVersionInfoStatus.READY)
    listed = [m.full_name for m in w.registered_models.list(catalog_name="main", schema_name="ml")]
    assert MODEL in listed and all(name.startswith("main.ml.") for name in listed)
    assert list(w.registered_models.list(catalog_name="other")) == []
    assert [v.version for v in w.model_versions.list(MODEL)] == [1]
    api = w.api_client
    assert_parses(RegisteredModelInfo, api.do("GET", f"/api/2.1/unity-catalog/models/{MODEL}"))
    assert_parses(ModelVersionInfo, api.do("GET", f"/api/2.1/unity-catalog/models/{MODEL}/versions/1"))


def test_files_of_a_ready_version_cannot_be_rewritten(uc_workspace, registered):
    """Presigned URLs: reads of a READY version's files, never writes; a URL is valid for its method only."""
    import requests
    from databricks.sdk.errors import DatabricksError

    api = uc_workspace.sdk().api_client
    path = "/Models/main/ml/churn/1/MLmodel"
    with pytest.raises(DatabricksError, match="can no longer be written"):
        api.do("POST", "/api/2.0/fs/create-upload-url", body={"path": path})
    with pytest.raises(DatabricksError, match="not a file of a model version"):
        api.do("POST", "/api/2.0/fs/create-download-url", body={"path": "/Models/main/ml/churn/1/../../x/1/MLmodel"})
    url = api.do("POST", "/api/2.0/fs/create-download-url", body={"path": path})["url"]
    assert b"signature" in requests.get(url, timeout=30).content
    assert requests.put(url, data=b"replaced", timeout=30).status_code == 401
    assert b"signature" in requests.get(url, timeout=30).content
