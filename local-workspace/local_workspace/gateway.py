"""The one HTTP entry point: checks the Host and the token, routes to the services, maps their
typed errors to Databricks-shaped JSON, and hands MLflow's paths to MLflow's own server."""

from __future__ import annotations

import hmac
import logging
import time
import traceback
from typing import Callable, Iterable

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from local_workspace.errors import EndpointNotFound, Unauthenticated, WorkspaceError
from local_workspace.http import Route, reply
from local_workspace.principals import ENVIRON_KEY

log = logging.getLogger("local_workspace")
WELL_KNOWN = "/.well-known/databricks-config"


class Gateway:
    def __init__(self, token: str, allowed_hosts: Callable[[], set[str]], routes: list[Route],
                 public_routes: list[Route], mlflow_app, mlflow_prefixes: Iterable[str], workspace_id: str,
                 ui=None, principals=None):
        self.token, self.allowed_hosts = token, allowed_hosts
        self.principals = principals  # local_workspace.principals.Principals: who a token stands for
        self.ui = ui  # the browser pages (local_workspace.ui.site.UiSite): cookie sessions, not the Bearer token
        self.mlflow_app, self.mlflow_prefixes = mlflow_app, tuple(mlflow_prefixes)
        self.workspace_id = workspace_id
        self._handlers: dict[str, Callable] = {}
        rules = []
        for index, route in enumerate([*routes, *public_routes]):
            name = f"r{index}"
            self._handlers[name] = route.handler
            rules.append(Rule(route.rule, methods=list(route.methods), endpoint=name))
        self._public = {f"r{len(routes) + i}" for i in range(len(public_routes))}
        self.map = Map(rules, strict_slashes=False, merge_slashes=False)

    def __call__(self, environ, start_response):
        request = Request(environ)
        started = time.perf_counter()
        response = self.dispatch(request, environ)
        if response is None:  # MLflow's own app answered
            log.info("%s %s -> mlflow", request.method, request.path)
            return self.mlflow_app(environ, start_response)
        log.info("%s %s %d %.0fms", request.method, request.path, response.status_code,
                 (time.perf_counter() - started) * 1000)
        return response(environ, start_response)

    def _host_ok(self, request: Request) -> bool:
        return (request.host or "").lower() in self.allowed_hosts()

    def authenticated(self, request: Request) -> bool:
        """True for a known bearer token; its principal goes into the request's environ."""
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer":
            return False
        if self.principals is None:
            return hmac.compare_digest(value.strip().encode(), self.token.encode())
        principal = self.principals.identify(value.strip())
        request.environ[ENVIRON_KEY] = principal
        return principal is not None

    def dispatch(self, request: Request, environ) -> Response | None:
        if not self._host_ok(request):
            return reply({"error_code": "BAD_REQUEST",
                          "message": f"This server is the local Databricks workspace; it does not serve {request.host}"}, 421)
        if request.path == WELL_KNOWN:
            return reply({"workspace_id": self.workspace_id, "cloud": "local"})
        if self.ui is not None and self.ui.serves(request.path):
            return self.ui.dispatch(request, environ)
        adapter = self.map.bind_to_environ(environ)
        try:
            endpoint, args = adapter.match()
        except NotFound:
            endpoint, args = None, {}
        except MethodNotAllowed:
            return reply({"error_code": "BAD_REQUEST",
                          "message": f"{request.method} is not allowed on {request.path}"}, 405)
        try:
            if endpoint not in self._public and not self.authenticated(request):
                raise Unauthenticated("Invalid access token.")
            if endpoint is None:
                if request.path.startswith(self.mlflow_prefixes):
                    return None
                raise EndpointNotFound(f"No API found for '{request.method} {request.path}'")
            return self._handlers[endpoint](request, **args)
        except WorkspaceError as exc:
            return reply(exc.body(), exc.status)
        except Exception:  # noqa: BLE001 - any bug becomes a 500 with a Databricks-shaped body
            log.error("Internal error on %s %s:\n%s", request.method, request.path, traceback.format_exc())
            return reply({"error_code": "INTERNAL_ERROR", "message": "Internal error in the local workspace; see its log"}, 500)
