"""The browser side of the workspace: its own routes, cookie sessions instead of the Bearer
token, CSRF checks, HTML error pages, and MLflow's UI under /ml/."""

from __future__ import annotations

import hmac
import logging
import secrets
import traceback
from urllib.parse import quote

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect, send_from_directory
from werkzeug.wrappers import Request, Response

from local_workspace.compute.runner import RunExecutor
from local_workspace.errors import ResourceDoesNotExist, WorkspaceError
from local_workspace.http import reply
from local_workspace.services.jobs.models import Jobs
from local_workspace.ui import mlflow_mount
from local_workspace.compute.all_purpose import AllPurposeClusters
from local_workspace.ui.auth import LOGIN_COOKIE, SESSION_COOKIE, Sessions, same_origin, set_cookie
from local_workspace.ui.compute_pages import ComputePages
from local_workspace.ui.pages import Pages
from local_workspace.ui.render import HERE, Renderer

log = logging.getLogger("local_workspace")
PREFIXES = ("/jobs", "/runs", "/compute", "/login", "/logout", "/ui-static", mlflow_mount.PREFIX)


class UiSite:
    def __init__(self, token: str, jobs: Jobs, executor: RunExecutor, all_purpose: AllPurposeClusters | None = None):
        self.sessions = Sessions(token)
        self.render = Renderer()
        pages = Pages(jobs, executor, self.render)
        compute = [] if all_purpose is None else _compute_rules(ComputePages(all_purpose, self.render))
        self.map = Map([
            *compute,
            Rule("/", endpoint=pages.home, methods=["GET"]),
            Rule("/jobs", endpoint=pages.jobs_list, methods=["GET"]),
            Rule("/jobs/<int:job_id>", endpoint=pages.job, methods=["GET"]),
            Rule("/jobs/<int:job_id>/run-now", endpoint=pages.run_now, methods=["POST"]),
            Rule("/runs/<int:run_id>", endpoint=pages.run, methods=["GET"]),
            Rule("/runs/<int:run_id>/cancel", endpoint=pages.cancel, methods=["POST"]),
            Rule("/runs/<int:run_id>/repair", endpoint=pages.repair, methods=["POST"]),
            Rule("/logout", endpoint=self.logout, methods=["POST"]),
        ], strict_slashes=False, merge_slashes=False)

    def serves(self, path: str) -> bool:
        return path == "/" or any(path == p or path.startswith(p + "/") for p in PREFIXES)

    def dispatch(self, request: Request, environ: dict) -> Response | None:
        """A response, or None after rewriting environ for MLflow's app (/ml/...)."""
        try:
            return self._dispatch(request, environ)
        except Exception:  # noqa: BLE001 - a bug becomes an error page, never a traceback
            log.error("Internal error on %s %s:\n%s", request.method, request.path, traceback.format_exc())
            return self.render.error(500, "Internal error", "The workspace hit an internal error; see its log.")

    def _dispatch(self, request: Request, environ: dict) -> Response | None:
        path = request.path
        if path.startswith("/ui-static/"):
            return send_from_directory(HERE / "static", path[len("/ui-static/"):], environ)
        if path == "/login":
            return self.login(request)
        session = self.sessions.session_of(request)
        if path == mlflow_mount.PREFIX or path.startswith(mlflow_mount.PREFIX + "/"):
            return self._mlflow(request, environ, session)
        if session is None:
            if request.method in ("GET", "HEAD"):
                return redirect(self._login_url(request), 303)
            return self.render.error(401, "Log in first", "Your session has ended; log in again.", back="/login")
        csrf = self.sessions.csrf_token(session)
        try:
            endpoint, args = self.map.bind_to_environ(environ).match()
        except NotFound:
            return self.render.error(404, "Not found", f"There is no page at {path}.", csrf)
        except MethodNotAllowed:
            return self.render.error(405, "Not allowed", f"{request.method} is not allowed on {path}.", csrf)
        if request.method == "POST" and not self.sessions.csrf_ok(request, session):
            return self.render.error(403, "Refused", "The form's CSRF token is missing or wrong; nothing was "
                                     "changed. Reload the page and try again.", csrf)
        try:
            return endpoint(request, csrf, **args)
        except ResourceDoesNotExist as exc:
            return self.render.error(404, "Not found", exc.message, csrf)
        except WorkspaceError as exc:
            return self.render.error(exc.status, "Refused", exc.message, csrf, back=path.rsplit("/", 1)[0])

    def _mlflow(self, request: Request, environ: dict, session: str | None) -> Response | None:
        page = mlflow_mount.ui_route(request.path)
        if session is None:
            if request.method == "GET" and (page or request.path in ("/ml", "/ml/")):
                return redirect(self._login_url(request), 303)
            return reply({"error_code": "UNAUTHENTICATED", "message": "Log in to the workspace first"}, 401)
        if request.method not in ("GET", "HEAD", "OPTIONS") and not same_origin(request):
            return reply({"error_code": "PERMISSION_DENIED", "message": "Cross-site request refused"}, 403)
        if request.path == mlflow_mount.PREFIX:
            return redirect("/ml/", 308)
        if page:
            return redirect(page, 303)
        mlflow_mount.mount(environ)
        return None

    def _login_url(self, request: Request) -> str:
        return "/login?next=" + quote(request.full_path.rstrip("?"), safe="")

    def login(self, request: Request) -> Response:
        """The form (GET) and its check (POST): the workspace token is the password."""
        target = _local(request.values.get("next", "/jobs"))
        if request.method == "POST":
            given, expected = request.form.get("login_csrf", ""), request.cookies.get(LOGIN_COOKIE, "")
            if not given or not hmac.compare_digest(given.encode(), expected.encode()):
                return self._login_form(target, 403, "The login form expired; try again.")
            if not self.sessions.token_matches(request.form.get("token", "")):
                return self._login_form(target, 401, "Wrong token.")
            response = redirect(target, 303)
            set_cookie(response, SESSION_COOKIE, self.sessions.new_session(), None)
            response.delete_cookie(LOGIN_COOKIE, path="/")
            return response
        return self._login_form(target, 200, "")

    def _login_form(self, target: str, status: int, message: str) -> Response:
        nonce = secrets.token_urlsafe(16)
        response = self.render.page("login.html", None, status=status, target=target, message=message, nonce=nonce)
        set_cookie(response, LOGIN_COOKIE, nonce, 600)
        return response

    def logout(self, request: Request, csrf: str) -> Response:
        response = redirect("/login", 303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


def _compute_rules(compute: ComputePages) -> list[Rule]:
    return [
        Rule("/compute", endpoint=compute.compute, methods=["GET"]),
        Rule("/compute/<cluster_id>/start", endpoint=compute.start, methods=["POST"]),
        Rule("/compute/<cluster_id>/restart", endpoint=compute.restart, methods=["POST"]),
        Rule("/compute/<cluster_id>/terminate", endpoint=compute.terminate, methods=["POST"]),
    ]


def _local(target: str) -> str:
    """Only a path on this site may follow a login (no open redirect)."""
    ok = target.startswith("/") and not target.startswith(("//", "/\\")) and "\n" not in target and "\r" not in target
    return target if ok else "/jobs"
