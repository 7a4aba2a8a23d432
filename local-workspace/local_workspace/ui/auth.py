"""Browser sessions: a signed, HttpOnly, SameSite=Strict cookie issued for the workspace token,
and a CSRF token per session for every state-changing form."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from werkzeug.wrappers import Request, Response

SESSION_COOKIE = "workspace_session"
LOGIN_COOKIE = "workspace_login"  # double-submit CSRF token of the login form itself
SESSION_SECONDS = 12 * 3600


class Sessions:
    """Stateless sessions: `<issued>.<nonce>.<signature>`, signed with a key derived from the
    workspace token, so a new token ends every session and a restart keeps them."""

    def __init__(self, token: str):
        self._token = token
        self._key = hashlib.sha256(b"local-workspace-ui-session:" + token.encode()).digest()

    def _sign(self, text: str) -> str:
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()

    def token_matches(self, given: str) -> bool:
        return hmac.compare_digest(given.strip().encode(), self._token.encode())

    def new_session(self) -> str:
        body = f"{int(time.time())}.{secrets.token_hex(16)}"
        return f"{body}.{self._sign(body)}"

    def session_of(self, request: Request) -> str | None:
        """The request's valid session value, or None."""
        value = request.cookies.get(SESSION_COOKIE, "")
        body, _, signature = value.rpartition(".")
        issued = body.partition(".")[0]
        if not (body and issued.isdigit() and hmac.compare_digest(signature.encode(), self._sign(body).encode())):
            return None
        return value if time.time() - int(issued) < SESSION_SECONDS else None

    def csrf_token(self, session: str) -> str:
        return self._sign("csrf:" + session)

    def csrf_ok(self, request: Request, session: str) -> bool:
        given = request.form.get("csrf", "") or request.headers.get("X-CSRF-Token", "")
        return bool(given) and hmac.compare_digest(given.encode(), self.csrf_token(session).encode())


def set_cookie(response: Response, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="Strict")


def same_origin(request: Request) -> bool:
    """Whether a cookie-authenticated request comes from this site's own pages (the browser
    says so in Sec-Fetch-Site, or in Origin); used where a form token cannot be sent."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    return origin is not None and origin.partition("://")[2] == (request.host or "")
