"""Early refusals when the settings do not fit the workspace: checked once the engine is up,
before a job reads or writes anything, each naming the setting to change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telco_churn.errors import ConfigError

if TYPE_CHECKING:
    from telco_churn.config.environment import EnvSettings
    from telco_churn.runtime import Runtime
    from telco_churn.tracking import TrackingStore

# The names a session's catalog has when it is the workspace (Hive) metastore, not Unity Catalog.
WORKSPACE_METASTORES = frozenset({"hive_metastore", "spark_catalog"})


def check_catalog(spark, env: "EnvSettings", source: str) -> None:
    """platform legacy on a workspace whose default catalog is in Unity Catalog, or a catalog
    the session cannot use (missing, or no USE CATALOG), is refused."""
    current = spark.catalog.currentCatalog()
    if env.catalog is None:
        if current not in WORKSPACE_METASTORES:
            raise ConfigError(source, f"environment '{env.name}' has no catalog (platform: legacy) but the workspace's "
                                      f"default catalog '{current}' is in Unity Catalog: set platform: uc and catalog",
                              "platform")
        return
    usable = sorted(c.name for c in spark.catalog.listCatalogs())
    if env.catalog not in usable:
        raise ConfigError(source, f"catalog '{env.catalog}' of environment '{env.name}' does not exist or you lack "
                                  f"USE CATALOG on it (catalogs you can use: {', '.join(usable)}): create it, get "
                                  "USE CATALOG on it, or set catalog", "catalog")


# What a workspace whose registry is disabled answers: 403 PERMISSION_DENIED ("The legacy workspace
# model registry is disabled ...", the local workspace's uc profile); FEATURE_DISABLED is MLflow's
# code for a feature a server has switched off. No published Databricks reference names the code.
REGISTRY_OFF_CODES = ("PERMISSION_DENIED", "FEATURE_DISABLED")


def check_registry(tracking: "TrackingStore", env: "EnvSettings", source: str) -> None:
    """Stages on a workspace whose workspace model registry is disabled (new accounts whose
    default catalog is in Unity Catalog, since April 2024) are refused."""
    if env.model_registry != "stages" or tracking.registry_uri.split("://")[0] != "databricks":
        return
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    try:
        # Listing is allowed to anyone where the registry is on (it shows what the caller may see):
        # a refusal of the list itself means the registry is off.
        MlflowClient(tracking.tracking_uri, tracking.registry_uri).search_registered_models(max_results=1)
    except MlflowException as exc:
        if exc.error_code not in REGISTRY_OFF_CODES:
            raise
        raise ConfigError(source, f"the workspace model registry is disabled in this workspace ({exc.message}): "
                                  "set platform: uc (Unity Catalog registry, aliases) for environment "
                                  f"'{env.name}'", "platform") from None


def check_platform(runtime: "Runtime", env: "EnvSettings", tracking: "TrackingStore", source: str) -> None:
    """The checks that apply where the job runs: none on this machine's engines."""
    if runtime.engine.kind == "databricks":
        check_catalog(runtime.spark, env, source)
    if runtime.engine.kind in ("databricks", "connect"):
        check_registry(tracking, env, source)
