"""The model registry in either style: workspace stages or Unity-Catalog-style aliases."""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator, Literal

if TYPE_CHECKING:
    from mlflow.entities.model_registry import ModelVersion

Role = Literal["candidate", "current"]
RegistryStyle = Literal["stages", "aliases"]
ROLE_NAMES: dict[str, dict[str, str]] = {
    "stages": {"candidate": "Staging", "current": "Production"},
    "aliases": {"candidate": "challenger", "current": "champion"},
}
STAGES = ("None", "Staging", "Production", "Archived")


@contextmanager
def _stages_allowed() -> Iterator[None]:
    # Stages are deprecated in MLflow but are what the workspace registry offers.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        yield


@dataclass(frozen=True)
class VersionInfo:
    version: int
    stage: str
    aliases: tuple[str, ...]
    run_id: str | None


class ModelRegistry:
    def __init__(self, model_name: str, style: RegistryStyle, client=None):
        from mlflow import MlflowClient

        self.name = model_name
        self.style = style
        self.client = client or MlflowClient()

    def exists(self) -> bool:
        from mlflow.exceptions import MlflowException

        try:
            self.client.get_registered_model(self.name)
            return True
        except MlflowException:
            return False

    def role_label(self, role: Role) -> str:
        return ROLE_NAMES[self.style][role]

    def version_uri(self, version: int | str) -> str:
        return f"models:/{self.name}/{version}"

    def find(self, stage_or_alias: str) -> "ModelVersion | None":
        """The version holding a stage (stages style) or an alias (aliases style)."""
        from mlflow.exceptions import MlflowException

        # Asked straight away: every MLflow registry call loads the registered model first, so a
        # separate exists() would load it once more; it is asked only when the call fails.
        try:
            if self.style == "stages":
                with _stages_allowed():
                    latest = self.client.get_latest_versions(self.name, stages=[stage_or_alias])
                return latest[0] if latest else None
            return self.client.get_model_version_by_alias(self.name, stage_or_alias)
        except MlflowException:
            if self.style == "stages" and self.exists():
                raise
            return None

    def version_for(self, role: Role) -> "ModelVersion | None":
        return self.find(self.role_label(role))

    def promote(self, version: int | str) -> None:
        """Makes version the current model; the previous one is archived (or loses the alias)."""
        if self.style == "stages":
            self.set_stage(version, "Production")
        else:
            self.client.set_registered_model_alias(self.name, ROLE_NAMES["aliases"]["current"], str(version))
            self._drop_alias_if_on(ROLE_NAMES["aliases"]["candidate"], version)

    def retire_candidate(self, version: int | str) -> None:
        """Takes a rejected candidate out of the running: archived, or challenger alias removed."""
        if self.style == "stages":
            self.set_stage(version, "Archived")
        else:
            self._drop_alias_if_on(ROLE_NAMES["aliases"]["candidate"], version)

    def set_stage(self, version: int | str, stage: str) -> None:
        if self.style != "stages":
            raise ValueError(f"registry style is '{self.style}': use an alias, not stage '{stage}'")
        if stage not in STAGES:
            raise ValueError(f"unknown stage '{stage}'; valid: {', '.join(STAGES)}")
        with _stages_allowed():
            # One version per Staging/Production, as the UI's "archive existing" checkbox does.
            self.client.transition_model_version_stage(
                self.name, str(version), stage, archive_existing_versions=stage in ("Staging", "Production"))

    def set_alias(self, version: int | str, alias: str) -> None:
        self.client.set_registered_model_alias(self.name, alias, str(version))

    def remove_alias(self, alias: str) -> None:
        self.client.delete_registered_model_alias(self.name, alias)

    def assign(self, version: int | str, target: str) -> None:
        """A stage name in stages style, otherwise an alias."""
        if target in STAGES:
            self.set_stage(version, target)
        else:
            self.set_alias(version, target)

    def _drop_alias_if_on(self, alias: str, version: int | str) -> None:
        holder = self.find(alias)
        if holder is not None and str(holder.version) == str(version):
            self.remove_alias(alias)

    def versions(self) -> list[VersionInfo]:
        from mlflow.exceptions import MlflowException

        try:  # the model, for its aliases: version search results do not carry them in every store
            aliases = self.client.get_registered_model(self.name).aliases or {}
        except MlflowException:
            return []
        found = self.client.search_model_versions(f"name='{self.name}'")
        return sorted(
            (VersionInfo(int(v.version), v.current_stage or "None",
                         tuple(sorted(a for a, n in aliases.items() if str(n) == str(v.version))), v.run_id)
             for v in found),
            key=lambda v: v.version,
        )

    def delete_all(self) -> int:
        """Archives, then deletes every version and the registered model; the number of versions."""
        versions = self.versions()
        if not versions and not self.exists():
            return 0
        for info in versions:
            if self.style == "stages" and info.stage in ("Staging", "Production"):
                self.set_stage(info.version, "Archived")
            self.client.delete_model_version(self.name, str(info.version))
        self.client.delete_registered_model(self.name)
        return len(versions)
