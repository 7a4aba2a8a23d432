"""The --cluster-spec file: JSON with `new_cluster` or `existing_cluster_id`, `notebook_task`
and `timeout_seconds`. Checked when read; errors name the file and the key."""

from __future__ import annotations

import json
from pathlib import Path

from telco_churn.ci.errors import CiError

KEYS = ("new_cluster", "existing_cluster_id", "notebook_task", "timeout_seconds", "libraries", "run_name")


def _bad(path: Path, key: str, message: str) -> CiError:
    return CiError(f"cluster spec {path}: key '{key}': {message}", exit_code=2)


def load_cluster_spec(path: str | Path, require_notebook: bool = True) -> dict:
    path = Path(path)
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CiError(f"cluster spec {path}: cannot read it: {exc.strerror}", exit_code=2) from None
    except ValueError as exc:
        raise CiError(f"cluster spec {path}: not valid JSON: {exc}", exit_code=2) from None
    if not isinstance(spec, dict):
        raise CiError(f"cluster spec {path}: must be a JSON object", exit_code=2)
    unknown = sorted(set(spec) - set(KEYS))
    if unknown:
        raise _bad(path, unknown[0], f"unknown; valid keys: {', '.join(KEYS)}")
    clusters = [k for k in ("new_cluster", "existing_cluster_id") if spec.get(k)]
    if len(clusters) != 1:
        raise _bad(path, "new_cluster", "give exactly one of new_cluster or existing_cluster_id")
    if "new_cluster" in spec and not isinstance(spec["new_cluster"], dict):
        raise _bad(path, "new_cluster", "must be an object")
    task = spec.get("notebook_task", {})
    if not isinstance(task, dict):
        raise _bad(path, "notebook_task", "must be an object")
    if require_notebook and not isinstance(task.get("notebook_path"), str):
        raise _bad(path, "notebook_task.notebook_path", "missing (a workspace path, or a name in --dst-dir)")
    if not isinstance(task.get("base_parameters", {}), dict):
        raise _bad(path, "notebook_task.base_parameters", "must be an object")
    timeout = spec.get("timeout_seconds", 0)
    if not isinstance(timeout, int) or isinstance(timeout, bool) or timeout < 0:
        raise _bad(path, "timeout_seconds", "must be a non-negative integer")
    if not isinstance(spec.get("libraries", []), list):
        raise _bad(path, "libraries", "must be a list")
    return spec


def parse_pairs(values: list[str], option: str) -> dict[str, str]:
    """KEY=VALUE options as a dict; a value without '=' is an error naming the option."""
    pairs = {}
    for value in values:
        key, eq, rest = value.partition("=")
        if not eq or not key:
            raise CiError(f"{option} {value!r}: expected KEY=VALUE", exit_code=2)
        pairs[key] = rest
    return pairs
