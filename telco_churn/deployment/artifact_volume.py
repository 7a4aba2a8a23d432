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

_VOLUME_URI = re.compile(r"^dbfs:/Volumes/([^/]+)/([^/]+)/([^/]+)(/.*)?$")


@dataclass(frozen=True)
class ArtifactVolume:
    catalog: str
    schema: str
    volume: str

    @property
    def full_name(self) -> str:
        return f"{self.catalog}.{self.schema}.{self.volume}"


def artifact_volume(project_json: str | Path, environment: str) -> ArtifactVolume:
    """The volume of an environment's artifact_location in .dbx/project.json."""
    source = str(project_json)
    environments = json.loads(Path(project_json).read_text(encoding="utf-8")).get("environments") or {}
    if environment not in environments:
        raise ConfigError(source, f"no environment '{environment}' (found: {', '.join(sorted(environments))})",
                          "environments")
    location = str((environments[environment].get("properties") or {}).get("artifact_location", ""))
    match = _VOLUME_URI.match(location)
    if not match:
        raise ConfigError(source, f"artifact_location {location!r} is not on a Unity Catalog volume "
                          "(dbfs:/Volumes/<catalog>/<schema>/<volume>/...); a legacy workspace needs no volume",
                          f"environments.{environment}.properties.artifact_location")
    return ArtifactVolume(*match.group(1, 2, 3))


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
    """`telco-churn artifact-volume --environment ENV`: the driver a user runs once per environment."""
    from telco_churn.ci.client import workspace_client

    volume = artifact_volume(args.project_json, args.environment)
    created = ensure_artifact_volume(workspace_client(args.profile), volume)
    print(f"Created {', '.join(created)}" if created else f"Volume {volume.full_name} exists")
    return 0
