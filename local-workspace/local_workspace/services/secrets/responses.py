"""Secrets 2.0 over HTTP: scopes, secrets (list never carries a value) and ACLs."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from local_workspace.errors import InvalidParameterValue
from local_workspace.http import Params, b64_field, caller, reply
from local_workspace.services.secrets.models import SecretStore


class SecretsResponses:
    def __init__(self, store: SecretStore):
        self.store = store

    def create_scope(self, request: Request) -> Response:
        params = Params(request)
        self.store.create_scope(params.str("scope"), params.str("initial_manage_principal", None),
                                params.str("scope_backend_type", None), caller(request).name)
        return reply()

    def list_scopes(self, request: Request) -> Response:
        found = self.store.list_scopes()
        return reply({"scopes": found} if found else {})

    def delete_scope(self, request: Request) -> Response:
        scope = Params(request).str("scope")
        self.store.require(caller(request), scope, "MANAGE")
        self.store.delete_scope(scope)
        return reply()

    def put(self, request: Request) -> Response:
        params = Params(request)
        text, raw = params.str("string_value", None), params.get("bytes_value", None)
        if (text is None) == (raw is None):
            raise InvalidParameterValue("Exactly one of string_value and bytes_value must be given")
        value = text.encode("utf-8") if text is not None else b64_field(raw, "bytes_value")
        self.store.require(caller(request), params.str("scope"), "WRITE")
        self.store.put(params.str("scope"), params.str("key"), value)
        return reply()

    def list(self, request: Request) -> Response:
        scope = Params(request).str("scope")
        self.store.require(caller(request), scope, "READ")
        found = self.store.list(scope)
        return reply({"secrets": found} if found else {})

    def get(self, request: Request) -> Response:
        params = Params(request)
        key = params.str("key")
        self.store.require(caller(request), params.str("scope"), "READ")
        return reply({"key": key, "value": self.store.get(params.str("scope"), key)})

    def delete(self, request: Request) -> Response:
        params = Params(request)
        self.store.require(caller(request), params.str("scope"), "WRITE")
        self.store.delete(params.str("scope"), params.str("key"))
        return reply()

    def put_acl(self, request: Request) -> Response:
        params = Params(request)
        self.store.require(caller(request), params.str("scope"), "MANAGE")
        self.store.put_acl(params.str("scope"), params.str("principal"), params.str("permission"))
        return reply()

    def get_acl(self, request: Request) -> Response:
        params = Params(request)
        self.store.require(caller(request), params.str("scope"), "MANAGE")
        return reply(self.store.get_acl(params.str("scope"), params.str("principal")))

    def list_acls(self, request: Request) -> Response:
        scope = Params(request).str("scope")
        self.store.require(caller(request), scope, "MANAGE")
        found = self.store.list_acls(scope)
        return reply({"items": found} if found else {})

    def delete_acl(self, request: Request) -> Response:
        params = Params(request)
        self.store.require(caller(request), params.str("scope"), "MANAGE")
        self.store.delete_acl(params.str("scope"), params.str("principal"))
        return reply()
