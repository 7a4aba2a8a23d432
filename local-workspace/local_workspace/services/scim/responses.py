"""SCIM: `Me` (whoever the token stands for) and service principals (admins create and delete them)."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from local_workspace.http import Params, caller, reply
from local_workspace.principals import Principals


class ScimResponses:
    def __init__(self, principals: Principals):
        self.principals = principals

    def me(self, request: Request) -> Response:
        who = caller(request)
        if who.service_principal:
            return reply(self.principals.get_service_principal(who.id))
        return reply({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": who.id, "userName": who.name,
            "displayName": who.display_name, "active": True,
            "emails": [{"value": who.name, "type": "work", "primary": True}],
            "groups": [{"display": "admins", "value": "1", "type": "direct"}],
            "entitlements": [{"value": "workspace-access"}, {"value": "allow-cluster-create"}],
        })

    def create_service_principal(self, request: Request) -> Response:
        caller(request).require_admin("create service principals")
        params = Params(request)
        return reply(self.principals.create_service_principal(params.str("displayName"),
                                                              params.str("applicationId", None)), 201)

    def list_service_principals(self, request: Request) -> Response:
        params = Params(request)
        found = self.principals.service_principals()
        start, count = max(int(params.get("startIndex", 1)), 1), int(params.get("count", 10000))
        page = found[start - 1:start - 1 + count]
        return reply({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": len(found),
                      "startIndex": start, "itemsPerPage": len(page), "Resources": page})

    def get_service_principal(self, request: Request, principal_id: str) -> Response:
        return reply(self.principals.get_service_principal(principal_id))

    def delete_service_principal(self, request: Request, principal_id: str) -> Response:
        caller(request).require_admin("delete service principals")
        self.principals.delete_service_principal(principal_id)
        return reply()
