"""Where a cluster may install a library from (Databricks Runtime 15.0 release notes: libraries
in the DBFS root are disabled by default from 15.0 on; volumes and workspace files are not)."""

from __future__ import annotations

from local_workspace.compute.cluster import LibraryError
from local_workspace.compute.runtime_rules import runtime_version
from local_workspace.paths import DBFS_SCHEME, FUSE_PREFIX

DBFS_LIBRARY_CONF = "spark.databricks.driver.dbfsLibraryInstallationAllowed"
_DRIVER_FAILURE = ("Library installation attempted on the driver node of cluster {cluster_id} and failed. Please refer "
                   "to the following error message to fix the library or contact Databricks support. Error Code: "
                   "DRIVER_LIBRARY_INSTALLATION_FAILURE. Error Message: "
                   "com.databricks.api.base.DatabricksServiceException: {error}")


def dbfs_root_path(path: str) -> str | None:
    """`dbfs:/x` or `/dbfs/x` outside /Volumes -> `/x`; None for any other location."""
    for prefix in (DBFS_SCHEME, FUSE_PREFIX.rstrip("/")):
        if path.startswith(prefix + "/"):
            inner = path[len(prefix):]
            return None if inner == "/Volumes" or inner.startswith("/Volumes/") else inner
    return None


def check_library(kind: str, path: str, spec: dict, cluster_id: str, dbfs_root: bool = True) -> None:
    """Refuses a library stored in the DBFS root, with the runtime's message: on a workspace whose
    DBFS root is disabled, and on runtime 15+ unless the cluster's Spark conf allows it."""
    inner = dbfs_root_path(path)
    if inner is None:
        return
    version = runtime_version(spec.get("spark_version"))
    allowed = str((spec.get("spark_conf") or {}).get(DBFS_LIBRARY_CONF, "")).strip().lower() == "true"
    if version is not None and version[0] >= 15 and not allowed:
        error = "BAD_REQUEST: DBFS library installations are not supported on DBR 15 or above."
    elif not dbfs_root:
        error = f"PERMISSION_DENIED: Public DBFS root is disabled. Access is denied on path: {inner}"
    else:
        return
    raise LibraryError(f'library due to user error for {kind}: "{path}"\n Error messages:\n'
                       + _DRIVER_FAILURE.format(cluster_id=cluster_id, error=error))
