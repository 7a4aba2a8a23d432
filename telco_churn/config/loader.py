"""Reads a YAML file, applies overrides and validates it into a pydantic model."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from telco_churn.errors import ConfigError

M = TypeVar("M", bound=BaseModel)
# libyaml's loader where PyYAML has it: the same safe subset, several times faster than the
# pure-Python one (every job reads its environment, job config and data contract).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """YAML text parsed with the safe loader (plain data only); raises yaml.YAMLError."""
    return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader


class StrictModel(BaseModel):
    """Base for every config section: unknown keys and type coercion are errors."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def read_yaml(path: str | Path) -> dict[str, Any]:
    """The mapping at the top of a YAML file, or a ConfigError naming the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read file ({exc.strerror or exc})") from None
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(str(path), f"malformed YAML{at}: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(str(path), f"top level must be a mapping, got {type(data).__name__}")
    return data


def parse_override(text: str, source: str) -> tuple[list[str], Any]:
    """Turns 'a.b=value' into (['a', 'b'], parsed YAML value)."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(source, f"override '{text}' must look like dotted.key=value")
    try:
        value = load_yaml(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key.strip().split("."), value


def apply_overrides(data: dict[str, Any], overrides: list[str], source: str) -> dict[str, Any]:
    """A copy of data with each dotted.key=value override set."""
    result = _deep_copy(data)
    for text in overrides:
        path, value = parse_override(text, source)
        node = result
        for i, part in enumerate(path[:-1]):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            if not isinstance(child, dict):
                raise ConfigError(source, "is not a mapping, cannot override below it", ".".join(path[: i + 1]))
            node = child
        node[path[-1]] = value
    return result


def deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """base updated by top, recursing into mappings present in both."""
    result = _deep_copy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = deep_merge(result[key], value)
        else:
            result[key] = _deep_copy(value)
    return result


def validate(model: type[M], data: dict[str, Any], source: str) -> M:
    """data as an instance of model; the first problem becomes a ConfigError naming the key."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [(".".join(str(p) for p in e["loc"]) or None, _describe(e)) for e in exc.errors()]
        (key, message), *more = problems
        raise ConfigError(source, message, key, more) from None


def load_model(model: type[M], path: str | Path, overrides: list[str] | None = None) -> M:
    """Reads, overrides and validates one YAML file."""
    source = str(path)
    data = apply_overrides(read_yaml(path), overrides or [], source)
    return validate(model, data, source)


def _describe(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "value_error":  # our own validators' messages already show the value
        return error["msg"].removeprefix("Value error, ")
    got = error.get("input")
    shown = repr(got) if not isinstance(got, (dict, list)) else type(got).__name__
    return f"{error['msg']} (got {shown})"


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value
