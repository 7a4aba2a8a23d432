"""One load per process of each logged model: the scoring passes of a process share it.

A logged model never changes: its MLmodel file carries a model_uuid made when it was logged, and a
registered version points at one logged model for good. Loading one costs more than scoring the
story's daily batch (unpickling, the MLmodel and flavor files, and MLflow's check of the model's
requirements against what is installed), so a process that scores the same version again, as the
story's fourteen daily inference jobs do, reuses the model it loaded. The key is the MLmodel file's
content, so any other logged model, or a changed file, loads afresh, with every check MLflow makes.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path

# A few models per process (the story's Production and Staging versions, a retrained one); the
# oldest is dropped beyond that, so a long-lived process does not keep every model it ever scored.
MAX_MODELS = 4

_models: OrderedDict[str, object] = OrderedDict()
_lock = threading.Lock()


def model_key(model_dir: str | Path) -> str:
    """What identifies a logged model: the digest of its MLmodel file (model_uuid included)."""
    return hashlib.sha256((Path(model_dir) / "MLmodel").read_bytes()).hexdigest()


def load_once(model_dir: str | Path):
    """mlflow.pyfunc.load_model(model_dir), or the model this process already loaded from the same
    logged model. Partitions scoring at once wait for one load instead of each doing it."""
    import mlflow

    from telco_churn.package_map import shared_package_map

    key = model_key(model_dir)
    with _lock:
        if key in _models:
            _models.move_to_end(key)
            return _models[key]
        # Loading checks the model's requirements against what is installed, on MLflow's package map.
        with shared_package_map():
            model = mlflow.pyfunc.load_model(str(model_dir))
        _models[key] = model
        while len(_models) > MAX_MODELS:
            _models.popitem(last=False)
        return model
