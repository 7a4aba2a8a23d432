"""Token management: an admin makes a token for a service principal (on-behalf-of)."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from local_workspace.http import Params, caller, reply
from local_workspace.principals import Principals


class TokenManagementResponses:
    def __init__(self, principals: Principals):
        self.principals = principals

    def create_obo_token(self, request: Request) -> Response:
        caller(request).require_admin("create tokens on behalf of service principals")
        params = Params(request)
        lifetime = params.get("lifetime_seconds", None)
        return reply(self.principals.create_obo_token(params.str("application_id"),
                                                      int(lifetime) if lifetime is not None else None,
                                                      params.str("comment", None)))
