"""The workspace client: $DATABRICKS_HOST/$DATABRICKS_TOKEN, or a --profile of ~/.databrickscfg."""

from __future__ import annotations

from telco_churn.ci.errors import CiError


def workspace_client(profile: str | None = None):
    from databricks.sdk import WorkspaceClient

    try:
        client = WorkspaceClient(profile=profile) if profile else WorkspaceClient()
        client.config.authenticate()
    except ValueError as exc:  # the SDK's configuration errors (no host, unknown profile, ...)
        where = f"profile '{profile}' of ~/.databrickscfg" if profile else "DATABRICKS_HOST/DATABRICKS_TOKEN"
        raise CiError(f"cannot reach a Databricks workspace with {where}: {exc}", exit_code=2) from None
    return client


def host_of(client) -> str:
    return client.config.host.rstrip("/")
