"""Workspace profiles: which of Databricks' platform rules a workspace enforces.

`uc` is a workspace as Databricks creates it today (Unity Catalog default catalog, legacy
features disabled); `legacy` is one from before (DBFS root, Hive metastore, workspace model
registry). The profile is chosen when the workspace folder is first created and stored in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROFILE_FILE = "profile"
DEFAULT_PROFILE = "uc"


@dataclass(frozen=True)
class Profile:
    name: str
    dbfs_root: bool  # DBFS root (and /dbfs on clusters) usable
    workspace_registry: bool  # /api/2.0/mlflow/registered-models|model-versions answer
    hive_metastore: bool  # a `hive_metastore` catalog exists
    default_catalog: str | None  # the workspace's Unity Catalog default catalog
    min_runtime: tuple[int, int] | None  # clusters below this Databricks Runtime are refused

    def describe(self) -> str:
        rules = [f"default catalog {self.default_catalog}" if self.default_catalog else "no Unity Catalog default catalog",
                 "DBFS root on" if self.dbfs_root else "DBFS root disabled",
                 "Hive metastore" if self.hive_metastore else "no Hive metastore",
                 "workspace model registry" if self.workspace_registry else "workspace model registry disabled"]
        if self.min_runtime:
            rules.append(f"runtime >= {self.min_runtime[0]}.{self.min_runtime[1]}")
        return f"{self.name} ({', '.join(rules)})"


# Databricks names a workspace's own default catalog `workspace` (with a `default` schema) when
# it provisions Unity Catalog automatically for a new workspace.
PROFILES = {
    "uc": Profile("uc", dbfs_root=False, workspace_registry=False, hive_metastore=False,
                  default_catalog="workspace", min_runtime=(13, 3)),
    "legacy": Profile("legacy", dbfs_root=True, workspace_registry=True, hive_metastore=True,
                      default_catalog=None, min_runtime=None),
}


def profile_named(name: str) -> Profile:
    if name not in PROFILES:
        raise ValueError(f"Unknown workspace profile '{name}': choose one of {', '.join(sorted(PROFILES))}")
    return PROFILES[name]


def stored_profile(root: Path) -> str | None:
    path = Path(root) / PROFILE_FILE
    return path.read_text(encoding="utf-8").strip() if path.is_file() else None


def load_or_create_profile(root: Path, requested: str | None = None) -> Profile:
    """The profile stored in the workspace folder; a new folder stores `requested` (default uc).

    Asking for another profile than the stored one is refused: the folder's state (DBFS files,
    catalogs, registry) was made under its own rules."""
    stored = stored_profile(root)
    if stored is not None:
        if requested and requested != stored:
            raise ValueError(f"The workspace in {root} was created with profile '{stored}', not '{requested}'; "
                             f"use another --dir for a '{requested}' workspace")
        return profile_named(stored)
    profile = profile_named(requested or DEFAULT_PROFILE)
    (Path(root) / PROFILE_FILE).write_text(profile.name + "\n", encoding="utf-8")
    return profile
