"""Per-environment settings: names of the database, tables, experiments and model."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, model_validator

from telco_churn.config.loader import StrictModel, apply_overrides, deep_merge, read_yaml, validate
from telco_churn.errors import ConfigError

ENVIRONMENTS = ("local", "dev", "staging", "prod")


def _matches(pattern: str, rule: str):
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"'{value}' {rule}")
        return value
    return check


# Checked when the settings load, so a bad name stops the job (exit code 2) before an engine
# starts. The rule of one part of a table name, as TableName.parse applies it; Unity Catalog
# model names follow it too.
Identifier = Annotated[str, AfterValidator(_matches(
    r"[A-Za-z_][A-Za-z0-9_]*", "is not a valid name: letters, digits and underscores, not starting with a digit"))]
ModelName = Annotated[str, AfterValidator(_matches(
    r"[A-Za-z0-9_][A-Za-z0-9_-]*", "is not a valid model name: letters, digits, '_' and '-'"))]
WorkspacePath = Annotated[str, AfterValidator(_matches(
    r"(/[^/\s][^/]*)+", "must be an absolute workspace path such as /Shared/telco-churn/model-train"))]


class Tables(StrictModel):
    bronze: Identifier
    features: Identifier
    labels: Identifier
    reference: Identifier
    inference_input: Identifier
    predictions: Identifier
    # model-inference-batch appends each scoring here (append_to_log); model-monitoring reads it.
    inference_log: Identifier = "churn_inference_log"
    late_labels: Identifier = "churn_late_labels"  # customerID, churn, known_at: labels that arrive later


class Experiments(StrictModel):
    training: WorkspacePath
    deployment: WorkspacePath


Platform = Literal["uc", "legacy"]


class EnvSettings(StrictModel):
    name: str
    # uc: Unity Catalog and its registry; legacy: Hive metastore and the workspace registry.
    platform: Platform = "uc"
    catalog: Identifier | None = None
    database: Identifier
    tables: Tables
    id_column: Identifier  # primary key of every table
    label_column: Identifier  # the integer churn label in the labels and reference tables
    model_name: ModelName
    experiments: Experiments
    model_registry: Literal["stages", "aliases"]
    # Per-branch experiments: <experiment folder>/<branch>/<name>, so each branch's runs stay
    # apart. `branch` defaults to $BRANCH_NAME, else the git checkout's branch.
    branch_experiments: bool = False
    branch: str | None = None

    @model_validator(mode="after")
    def _unity_catalog_has_no_stages(self) -> "EnvSettings":
        if self.platform == "uc" and not self.catalog:
            raise ValueError("catalog must be set when platform is 'uc' (Unity Catalog names are catalog.schema.table); "
                             "set catalog, or platform: legacy for a Hive-metastore workspace")
        if self.platform == "legacy" and self.catalog:
            raise ValueError(f"catalog '{self.catalog}' is set but platform is 'legacy' (Hive metastore, db.table); "
                             "set platform: uc, or catalog: null")
        if self.catalog and self.model_registry == "stages":
            raise ValueError("model_registry must be 'aliases' when catalog is set: Unity Catalog has no stages")
        if self.catalog and "-" in self.model_name:
            raise ValueError(f"model_name '{self.model_name}' may not hold '-' under Unity Catalog (catalog is set)")
        return self

    @property
    def schema_name(self) -> str:
        """database, or catalog.database under Unity Catalog."""
        return f"{self.catalog}.{self.database}" if self.catalog else self.database

    def table(self, key: str) -> str:
        """Fully qualified name of the table known as key in `tables`."""
        return f"{self.schema_name}.{getattr(self.tables, key)}"

    @property
    def registered_model_name(self) -> str:
        return f"{self.schema_name}.{self.model_name}" if self.catalog else self.model_name


class _EnvFile(StrictModel):
    defaults: dict[str, Any]
    # Values applied over an environment whose platform is legacy.
    legacy: dict[str, Any] = {}
    environments: dict[str, dict[str, Any] | None]


def load_environment(path: str | Path, name: str, overrides: list[str] | None = None) -> EnvSettings:
    """The settings of environment `name`: defaults, then its own values, then overrides."""
    source = str(path)
    layout = validate(_EnvFile, read_yaml(path), source)
    if name not in layout.environments:
        valid = ", ".join(sorted(layout.environments))
        raise ConfigError(source, f"unknown environment '{name}'; valid: {valid}", "environments")
    own = layout.environments[name] or {}
    merged = apply_overrides(deep_merge(layout.defaults, own), overrides or [], source)
    if merged.get("platform") == "legacy":
        # defaults < legacy block < the environment's own values < overrides.
        merged = apply_overrides(deep_merge(deep_merge(layout.defaults, layout.legacy), own), overrides or [], source)
    merged["name"] = name
    settings = validate(EnvSettings, _expand(merged, name), source)
    return _per_branch(settings) if settings.branch_experiments else settings


def _per_branch(settings: EnvSettings) -> EnvSettings:
    """Experiments moved into a folder of the branch: /Shared/telco-churn/dev/<branch>/model-train."""
    from telco_churn.branch import current_branch, path_segment
    from telco_churn.logging_setup import get_logger

    branch = settings.branch or current_branch()
    if not branch:
        get_logger("config").warning("branch_experiments is on for '%s' but no branch is known (set BRANCH_NAME or "
                                     "--env-set branch=NAME): logging to the shared experiments", settings.name)
        return settings
    segment = path_segment(branch)
    moved = {key: f"{path.rsplit('/', 1)[0]}/{segment}/{path.rsplit('/', 1)[1]}"
             for key, path in settings.experiments.model_dump().items()}
    return settings.model_copy(update={"branch": branch, "experiments": Experiments(**moved)})


def _expand(value: Any, env: str) -> Any:
    # "{env}" lets one default serve every environment, e.g. database: telco_churn_{env}.
    if isinstance(value, str):
        return value.replace("{env}", env)
    if isinstance(value, dict):
        return {k: _expand(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, env) for v in value]
    return value
