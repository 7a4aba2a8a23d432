"""SCIM `Me`: the workspace's one user."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from local_workspace.http import reply

USER_ID = "1000"


class ScimResponses:
    def __init__(self, user: str):
        self.user = user

    def me(self, request: Request) -> Response:
        return reply({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": USER_ID, "userName": self.user,
            "displayName": self.user.split("@")[0], "active": True,
            "emails": [{"value": self.user, "type": "work", "primary": True}],
            "groups": [{"display": "admins", "value": "1", "type": "direct"}],
            "entitlements": [{"value": "workspace-access"}, {"value": "allow-cluster-create"}],
        })
