"""Request parameters and JSON replies shared by every service's `responses` module."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

from werkzeug.wrappers import Request, Response

from local_workspace.errors import InvalidParameterValue, MalformedRequest
from local_workspace.principals import ENVIRON_KEY

_MISSING = object()


@dataclass(frozen=True)
class Route:
    methods: tuple[str, ...]
    rule: str
    handler: Callable[..., Response]


class Params:
    """A request's parameters: the JSON body for POST/PATCH, else the query string.

    Databricks clients send GET parameters in the query string and everything else as JSON;
    some send a JSON body with GET too, so both are read, the body winning.
    """

    def __init__(self, request: Request):
        self.request = request
        self.values: dict[str, Any] = dict(request.args.items())
        if request.method in ("POST", "PUT", "PATCH", "DELETE", "GET") and request.content_length:
            if request.mimetype and "json" not in request.mimetype and request.method == "GET":
                return
            raw = request.get_data(cache=True)
            if raw.strip():
                try:
                    body = json.loads(raw)
                except ValueError as exc:
                    raise MalformedRequest(f"Invalid JSON given in the body of the request - {exc}") from None
                if not isinstance(body, dict):
                    raise MalformedRequest("The request body must be a JSON object")
                self.values.update(body)

    def get(self, key: str, default: Any = _MISSING) -> Any:
        if key in self.values and self.values[key] is not None:
            return self.values[key]
        if default is _MISSING:
            raise InvalidParameterValue(f"Missing required field: {key}")
        return default

    def str(self, key: str, default: Any = _MISSING) -> Any:
        value = self.get(key, default)
        if value is not default and not isinstance(value, str):
            raise InvalidParameterValue(f"Field '{key}' must be a string, got {type(value).__name__}")
        return value

    def int(self, key: str, default: Any = _MISSING, minimum: int | None = None) -> Any:
        value = self.get(key, default)
        if value is default:
            return value
        if isinstance(value, bool):
            raise InvalidParameterValue(f"Field '{key}' must be an integer")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise InvalidParameterValue(f"Field '{key}' must be an integer, got '{value}'") from None
        if isinstance(value, float) and value != number:
            raise InvalidParameterValue(f"Field '{key}' must be an integer, got '{value}'")
        if minimum is not None and number < minimum:
            raise InvalidParameterValue(f"Field '{key}' must be at least {minimum}, got {number}")
        return number

    def bool(self, key: str, default: bool = False) -> bool:
        value = self.get(key, default)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise InvalidParameterValue(f"Field '{key}' must be true or false, got '{value}'")

    def dict(self, key: str, default: Any = _MISSING) -> Any:
        value = self.get(key, default)
        if value is not default and not isinstance(value, dict):
            raise InvalidParameterValue(f"Field '{key}' must be an object")
        return value

    def list(self, key: str, default: Any = _MISSING) -> Any:
        value = self.get(key, default)
        if value is not default and not isinstance(value, list):
            raise InvalidParameterValue(f"Field '{key}' must be a list")
        return value


def reply(body: Any = None, status: int = 200) -> Response:
    return Response(json.dumps({} if body is None else body), status=status, mimetype="application/json")


def b64_field(value: object, what: str) -> bytes:
    """The bytes of a base64 request field; 400 naming the field otherwise."""
    import base64
    import binascii

    if not isinstance(value, str):
        raise InvalidParameterValue(f"Field '{what}' must be a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidParameterValue(f"Field '{what}' is not valid base64") from None


def caller(request: Request):
    """The principal who sent the request (local_workspace.principals.Principal), as the gateway
    identified it by its token."""
    found = request.environ.get(ENVIRON_KEY)
    if found is None:
        raise RuntimeError("the request reached a service without an identified caller")
    return found
