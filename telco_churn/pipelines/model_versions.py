"""Which registered model version a job may use: READY, with its model files present."""

from __future__ import annotations

from logging import Logger
from typing import TYPE_CHECKING

from telco_churn.registry import ModelRegistry

if TYPE_CHECKING:
    from mlflow.entities.model_registry import ModelVersion

MODEL_FILE = "MLmodel"


def unusable_reason(registry: ModelRegistry, version: "ModelVersion") -> str | None:
    """Why the version cannot be loaded (not READY, or no model files), or None if it can."""
    import mlflow

    status = getattr(version, "status", None) or "READY"
    if status != "READY":
        # A registration that was interrupted (or is still being copied) is not a model yet.
        return f"its status is {status}, not READY"
    try:
        files = [a.path.rsplit("/", 1)[-1] for a in mlflow.artifacts.list_artifacts(artifact_uri=registry.version_uri(version.version))]
    except Exception as exc:  # noqa: BLE001 - any store error means the files cannot be read
        return f"its model files cannot be listed ({type(exc).__name__})"
    return None if MODEL_FILE in files else f"it has no model artifact ({MODEL_FILE} missing)"


def usable_version(registry: ModelRegistry, stage_or_alias: str, logger: Logger) -> tuple["ModelVersion | None", str | None]:
    """The version in stage_or_alias if it can be used; else None and, when one was found, why it was ignored."""
    version = registry.find(stage_or_alias)
    if version is None:
        return None, None
    reason = unusable_reason(registry, version)
    if reason is None:
        return version, None
    said = f"{registry.name} v{version.version} ({stage_or_alias}) is ignored: {reason}"
    logger.warning(said)
    return None, said
