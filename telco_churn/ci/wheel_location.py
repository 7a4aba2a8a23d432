"""Where a CI run's wheel goes, chosen from the project's config or an option, never guessed from
the workspace: the environment's artifact volume (`.dbx/project.json`'s artifact_location,
`/Volumes/<catalog>/<schema>/<volume>/ci/<build>`) on a Unity Catalog workspace, or the DBFS root
(`dbfs:/FileStore/telco-churn/ci/<build>`) when that artifact_location is the legacy one.

Runtimes from 15.0 refuse libraries in the DBFS root, and a workspace created today has none."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from telco_churn.ci.errors import CiError
from telco_churn.deployment.artifact_volume import ArtifactVolume, artifact_location, ensure_artifact_volume, volume_of
from telco_churn.errors import ConfigError

LEGACY_DIR = "dbfs:/FileStore/telco-churn/ci"
OPTION = "--wheel-dir"
OPTION_HELP = ("where to upload the wheel: /Volumes/<catalog>/<schema>/<volume>/... or, on a legacy workspace, dbfs:/... "
               "(default: the environment's artifact volume from .dbx/project.json, under ci/<build>)")


@dataclass(frozen=True)
class WheelDir:
    path: str  # /Volumes/... (uploaded with the Files API) or dbfs:/... (the DBFS API)
    volume: ArtifactVolume | None

    def target(self, wheel_name: str) -> str:
        return f"{self.path.rstrip('/')}/{wheel_name}"


def _given(path: str) -> WheelDir:
    volume = volume_of(path)
    if volume is not None:
        return WheelDir(path.removeprefix("dbfs:"), volume)
    if path.startswith("dbfs:/"):
        return WheelDir(path, None)
    raise CiError(f"{OPTION} {path}: give /Volumes/<catalog>/<schema>/<volume>/... (a Unity Catalog volume) "
                  "or dbfs:/... (the DBFS root of a legacy workspace)", exit_code=2)


def wheel_dir(project: Path, environment: str | None, explicit: str | None, build_id: str) -> WheelDir:
    """The folder for this build's wheel; bad input raises CiError (exit 2) before the workspace is touched."""
    if explicit:
        return _given(explicit)
    if not environment:
        raise CiError(f"no environment to take the wheel's place from: pass the notebook an 'env' parameter "
                      f"(--param env=dev) or give {OPTION}", exit_code=2)
    try:
        location = artifact_location(project / ".dbx" / "project.json", environment)
    except (ConfigError, OSError, ValueError) as exc:
        raise CiError(f"the wheel's place for environment '{environment}': {exc} (or give {OPTION})", exit_code=2) from None
    volume = volume_of(location)
    if volume is None:
        return WheelDir(f"{LEGACY_DIR}/{build_id}", None)
    return WheelDir(f"/Volumes/{volume.catalog}/{volume.schema}/{volume.volume}/ci/{build_id}", volume)


def ensure_volume(client, place: WheelDir) -> list[str]:
    """Creates the volume (and its catalog and schema) when missing, as `telco-churn artifact-volume` does."""
    if place.volume is None:
        return []
    from databricks.sdk.errors import DatabricksError

    try:
        return ensure_artifact_volume(client, place.volume)
    except DatabricksError as exc:
        raise CiError(f"the volume {place.volume.full_name} for the wheel ({place.path}) could not be read or "
                      f"created: {exc}. Create it once (telco-churn artifact-volume --environment ENV), grant "
                      f"READ VOLUME and WRITE VOLUME on it, or give {OPTION}") from None
