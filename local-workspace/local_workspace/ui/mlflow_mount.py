"""MLflow's own UI under /ml/, where Databricks serves it: /ml/... requests reach MLflow's
Flask app with the prefix moved to SCRIPT_NAME, and MLflow's printed run links
(/ml/experiments/<id>/runs/<id>) open the UI's #/experiments/... route."""

from __future__ import annotations

from urllib.parse import quote

PREFIX = "/ml"
# First path segments that MLflow's Flask app serves; any other /ml/<path> is a UI route.
APP_SEGMENTS = ("ajax-api", "static-files", "get-artifact", "model-versions", "graphql", "health", "version")


def ui_route(path: str) -> str | None:
    """The UI location a /ml/<route> link stands for, or None when the app serves the path."""
    rest = path[len(PREFIX):].lstrip("/")
    if not rest or rest.split("/", 1)[0] in APP_SEGMENTS:
        return None
    return f"{PREFIX}/#/{quote(rest, safe='/-_.~')}"


def mount(environ: dict) -> None:
    """Rewrites a /ml/... request in place for MLflow's app, mounted at /ml."""
    environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "").rstrip("/") + PREFIX
    environ["PATH_INFO"] = environ["PATH_INFO"][len(PREFIX):] or "/"
