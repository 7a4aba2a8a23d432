"""The Spark catalogs of a cluster on a Unity Catalog workspace: one Sail catalog of type `unity`
per catalog of the workspace, each backed by the workspace's own Unity Catalog REST API.

So `USE CATALOG`, three-level names, `CREATE SCHEMA` and `CREATE TABLE ... LOCATION` on the
cluster go to the workspace's Unity Catalog (`w.schemas`, `w.tables` see them), and a name in a
catalog the workspace does not have is not found, as on Databricks. Sail (0.7.2) reads them from
SAIL_CATALOG__LIST and SAIL_CATALOG__DEFAULT_CATALOG when its server starts.
"""

from __future__ import annotations

import json

# Sail's own catalog of that name holds its system tables.
_SAIL_RESERVED = frozenset({"system"})


def sail_catalog_env(base_url: str, token: str, catalogs: list[str], default_catalog: str) -> dict[str, str]:
    """Environment variables for the cluster's Sail server; json.dumps gives TOML-compatible strings."""
    uri = f"{base_url}/api/2.1/unity-catalog"
    entries = [f"{{name={json.dumps(name)}, type=\"unity\", uri={json.dumps(uri)}, "
               f"default_catalog={json.dumps(name)}, token={json.dumps(token)}}}"
               for name in catalogs if name not in _SAIL_RESERVED]
    return {"SAIL_CATALOG__LIST": f"[{', '.join(entries)}]", "SAIL_CATALOG__DEFAULT_CATALOG": default_catalog,
            # The workspace listens on plain http on the loopback interface.
            "UNITY_ALLOW_HTTP_URL": "true"}
