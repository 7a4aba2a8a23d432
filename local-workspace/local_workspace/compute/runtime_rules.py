"""Databricks Runtime versions: parsed once, and the floor a workspace's profile sets."""

from __future__ import annotations

import re

_VERSION = re.compile(r"^(\d+)\.(\d+)\.")


def runtime_version(spark_version: object) -> tuple[int, int] | None:
    """`17.3.x-cpu-ml-scala2.13` -> (17, 3); None for a name that is not a runtime version."""
    match = _VERSION.match(spark_version) if isinstance(spark_version, str) else None
    return (int(match.group(1)), int(match.group(2))) if match else None


def runtime_refusal(spec: dict, minimum: tuple[int, int] | None) -> str | None:
    """Why a cluster below the profile's floor is refused (the "disable legacy features" setting
    disables Databricks Runtime versions prior to 13.3 LTS); None when it is not."""
    version = runtime_version(spec.get("spark_version"))
    if minimum is None or version is None or version >= minimum:
        return None
    return (
        f"INVALID_PARAMETER_VALUE: Databricks Runtime {spec['spark_version']} is disabled in this workspace: "
        f"legacy features are disabled, which disables Databricks Runtime versions prior to "
        f"{minimum[0]}.{minimum[1]} LTS. Use spark_version {minimum[0]}.{minimum[1]}.x or later.")
