"""The Unity Catalog volume that dbx's artifacts go to (`.dbx/project.json`'s artifact_location):
created, with its catalog and schema when missing, before the first `dbx deploy`.

dbx 0.8.19 uploads to its artifact_location through MLflow, which writes `dbfs:/Volumes/...`
through the Files API, but neither of them creates the volume: `dbx deploy` fails on a missing one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from telco_churn.errors import ConfigError

_VOLUME_URI = re.compile(r"^(?:dbfs:)?/Volumes/([^/]+)/([^/]+)/([^/]+)(/.*)?$")


@dataclass(frozen=True)
class ArtifactVolume:
    catalog: str
    schema: str
    volume: str

    @property
    def full_name(self) -> str:
        return f"{self.catalog}.{self.schema}.{self.volume}"


def artifact_location(project_json: str | Path, environment: str) -> str:
    """An environment's artifact_location in .dbx/project.json."""
    environments = json.loads(Path(project_json).read_text(encoding="utf-8")).get("environments") or {}
    if environment not in environments:
        raise ConfigError(str(project_json), f"no environment '{environment}' (found: {', '.join(sorted(environments))})",
                          "environments")
    return str((environments[environment].get("properties") or {}).get("artifact_location", ""))


def volume_of(location: str) -> ArtifactVolume | None:
    """The volume of a `[dbfs:]/Volumes/<catalog>/<schema>/<volume>/...` location; None for any other."""
    match = _VOLUME_URI.match(location)
    return ArtifactVolume(*match.group(1, 2, 3)) if match else None


def ensure_artifact_volume(client, volume: ArtifactVolume) -> list[str]:
    """Creates what is missing of catalog, schema and managed volume; returns what it created.

    Needs CREATE CATALOG on the metastore (only if the catalog is missing), USE CATALOG and
    CREATE SCHEMA (if the schema is missing), USE SCHEMA and CREATE VOLUME."""
    from databricks.sdk.errors import NotFound
    from databricks.sdk.service.catalog import VolumeType

    created = []
    steps = ((lambda: client.catalogs.get(volume.catalog), lambda: client.catalogs.create(volume.catalog),
              f"catalog {volume.catalog}"),
             (lambda: client.schemas.get(f"{volume.catalog}.{volume.schema}"),
              lambda: client.schemas.create(volume.schema, volume.catalog), f"schema {volume.catalog}.{volume.schema}"),
             (lambda: client.volumes.read(volume.full_name),
              lambda: client.volumes.create(volume.catalog, volume.schema, volume.volume, VolumeType.MANAGED),
              f"volume {volume.full_name}"))
    for read, create, what in steps:
        try:
            read()
        except NotFound:
            create()
            created.append(what)
    return created


def main(args) -> int:
    """`telco-churn artifact-volume --environment ENV`: the driver a user runs once per environment
    (`make deploy` runs it first). A legacy artifact_location (the DBFS root) needs no volume."""
    from telco_churn.ci.client import workspace_client

    location = artifact_location(args.project_json, args.environment)
    volume = volume_of(location)
    if volume is None:
        print(f"artifact_location {location} is not on a Unity Catalog volume (legacy set-up): nothing to create")
        return 0
    created = ensure_artifact_volume(workspace_client(args.profile), volume)
    print(f"Created {', '.join(created)}" if created else f"Volume {volume.full_name} exists")
    return 0
