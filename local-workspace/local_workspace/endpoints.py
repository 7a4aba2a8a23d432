"""The table of implemented endpoints, generated from the routes (docs/workspace-endpoints.md keeps
a copy between its endpoints markers; a test checks it is current).

    python -m local_workspace.endpoints                                 # print it
    python -m local_workspace.endpoints --write docs/workspace-endpoints.md   # replace the copy
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from local_workspace.services.clusters import urls as clusters
from local_workspace.services.commands import urls as commands
from local_workspace.services.dbfs import urls as dbfs
from local_workspace.services.libraries import urls as libraries
from local_workspace.services.secrets import urls as secrets
from local_workspace.services.files import urls as files
from local_workspace.services.unity_catalog import urls as unity_catalog
from local_workspace.services.workspace_registry import urls as workspace_registry
from local_workspace.services.jobs import urls as jobs
from local_workspace.services.mlflow import urls as mlflow
from local_workspace.services.mlflow_uc import catalog_urls as uc_models
from local_workspace.services.mlflow_uc import urls as uc_registry
from local_workspace.services.repos import urls as repos
from local_workspace.services.scim import urls as scim
from local_workspace.services.token_management import urls as token_management
from local_workspace.services.workspace import urls as workspace

SERVICES = (("DBFS 2.0", dbfs), ("Workspace 2.0", workspace), ("Repos 2.0", repos), ("Jobs 2.0 / 2.1 / 2.2", jobs),
            ("Clusters 2.0 / 2.1", clusters), ("SCIM", scim), ("MLflow (Databricks-only)", mlflow))
SERVICES += (("Unity Catalog 2.1", unity_catalog), ("Files 2.0", files),
             ("Workspace model registry, disabled (uc profile)", workspace_registry))
SERVICES += (("Libraries 2.0", libraries), ("Command Execution 1.2", commands), ("Secrets 2.0", secrets))
SERVICES += (("MLflow Unity Catalog registry", uc_registry), ("Unity Catalog models", uc_models))
SERVICES += (("Token management 2.0", token_management),)


_VERSION = re.compile(r"^/api/(\d\.\d)/(.*)$")
MARKED = re.compile(r"(<!-- endpoints:start -->\n)(.*?)(\n<!-- endpoints:end -->)", re.S)


class _Named:
    """Stands in for a service's responses object: each handler is just its name."""

    def __getattr__(self, name: str) -> str:
        return name


def endpoint_table() -> str:
    lines = ["| service | method | path |", "| --- | --- | --- |"]
    for title, module in SERVICES:
        routes = module.routes(_Named()) + (module.public_routes(_Named()) if hasattr(module, "public_routes") else [])
        versions: dict[tuple[str, str], list[str]] = {}
        for route in routes:  # one row for the same endpoint under several API versions
            match = _VERSION.match(route.rule)
            rule, version = (f"/api/{{v}}/{match.group(2)}", match.group(1)) if match else (route.rule, "")
            versions.setdefault((" ".join(route.methods), rule), []).append(version)
        for (methods, rule), found in sorted(versions.items(), key=lambda item: (item[0][1], item[0][0])):
            shown = rule.replace("{v}", found[0] if len(found) == 1 else "{" + ",".join(sorted(found)) + "}")
            lines.append(f"| {title} | {methods} | `{shown}` |")
    prefixes = ", ".join(f"`{p}*`" for p in mlflow.MLFLOW_PREFIXES)
    lines.append(f"| MLflow (its own server code) | all | {prefixes} |")
    return "\n".join(lines)


def marked_table(text: str, name: str) -> str:
    """The table between the endpoints markers of a page's text."""
    found = MARKED.search(text)
    if not found:
        raise ValueError(f"{name} has no <!-- endpoints:start --> ... <!-- endpoints:end --> markers")
    return found.group(2)


def write_table(page: Path) -> None:
    """Replaces the table between the page's markers with the current one."""
    text = page.read_text(encoding="utf-8")
    marked_table(text, str(page))
    page.write_text(MARKED.sub(lambda m: m.group(1) + endpoint_table() + m.group(3), text), encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"] and len(sys.argv) == 3:
        write_table(Path(sys.argv[2]))
    else:
        print(endpoint_table())
