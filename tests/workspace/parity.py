"""Contract checks: a workspace response must parse into databricks-sdk's own dataclass with
nothing lost, every field known to the SDK, every enum value valid."""

from __future__ import annotations

from typing import Any


def lost_fields(raw: Any, parsed: Any, path: str = "") -> list[str]:
    """Where raw has something that the dataclass round trip (from_dict, as_dict) did not keep."""
    if isinstance(raw, dict):
        lost = []
        for key, value in raw.items():
            where = f"{path}.{key}" if path else key
            if not isinstance(parsed, dict) or key not in parsed:
                if value not in ({}, [], None):
                    lost.append(where)
                continue
            lost += lost_fields(value, parsed[key], where)
        return lost
    if isinstance(raw, list):
        if not isinstance(parsed, list) or len(parsed) != len(raw):
            return [path]
        return [f for i, (r, p) in enumerate(zip(raw, parsed)) for f in lost_fields(r, p, f"{path}[{i}]")]
    return [] if raw == parsed or str(raw) == str(parsed) else [f"{path}={raw!r}"]


def assert_parses(cls, raw: dict) -> None:
    parsed = cls.from_dict(raw).as_dict()
    lost = lost_fields(raw, parsed)
    assert not lost, f"{cls.__name__} does not keep {lost}"
