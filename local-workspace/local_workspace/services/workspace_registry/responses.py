"""The workspace model registry of a workspace whose default catalog is in Unity Catalog: since
April 2024 Databricks disables it there, and every call answers 403 PERMISSION_DENIED."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from local_workspace.errors import PermissionDenied

DISABLED = "The legacy workspace model registry is disabled for the current Databricks workspace."


class DisabledRegistryResponses:
    def refuse(self, request: Request, rest: str = "") -> Response:
        raise PermissionDenied(DISABLED)
