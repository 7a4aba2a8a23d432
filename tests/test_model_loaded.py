"""A process loads each logged model once; its scoring passes share it, and any other model loads afresh."""

from __future__ import annotations

import shutil

import mlflow
import pandas as pd
import pytest

from telco_churn.model import loaded


class Doubler(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return model_input * 2


@pytest.fixture
def loads(monkeypatch):
    """The loads MLflow really does, counted; the process's cache starts empty."""
    monkeypatch.setattr(loaded, "_models", type(loaded._models)())
    calls = []
    real = mlflow.pyfunc.load_model

    def counted(uri, *args, **kwargs):
        calls.append(uri)
        return real(uri, *args, **kwargs)

    monkeypatch.setattr(mlflow.pyfunc, "load_model", counted)
    return calls


def _save(path):
    mlflow.pyfunc.save_model(str(path), python_model=Doubler(), pip_requirements=[])
    return path


def test_the_same_logged_model_is_loaded_once_per_process(tmp_path, loads):
    first = _save(tmp_path / "v1")
    # Each inference job downloads the version again into a new folder: still the same logged model.
    copy = shutil.copytree(first, tmp_path / "download-2")
    model = loaded.load_once(first)
    assert loaded.load_once(copy) is model
    assert loads == [str(first)]
    assert list(model.predict(pd.DataFrame({"x": [1, 2]}))["x"]) == [2, 4]


def test_another_logged_model_loads_afresh(tmp_path, loads):
    one, other = _save(tmp_path / "v1"), _save(tmp_path / "v2")  # each save has its own model_uuid
    assert loaded.load_once(one) is not loaded.load_once(other)
    assert loads == [str(one), str(other)]


def test_the_oldest_model_is_dropped_beyond_the_limit(tmp_path, loads, monkeypatch):
    monkeypatch.setattr(loaded, "MAX_MODELS", 1)
    one, other = _save(tmp_path / "v1"), _save(tmp_path / "v2")
    loaded.load_once(one), loaded.load_once(other), loaded.load_once(one)
    assert loads == [str(one), str(other), str(one)]
