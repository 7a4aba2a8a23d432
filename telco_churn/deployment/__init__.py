"""conf/deployment.yml: parsing, offline checks and a local launcher for its workflows.

The names below are imported on first use: `telco-churn`'s argument parser reaches this package
(through artifact_volume) for every command, and the spec's YAML and pydantic imports cost more
than the rest of the parser."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from telco_churn.deployment.spec import (
        DependencyError,
        DeploymentSpec,
        DeploymentSpecError,
        Task,
        UnknownNameError,
        Workflow,
        load_deployment,
    )

_SPEC_NAMES = ("DependencyError", "DeploymentSpec", "DeploymentSpecError", "Task", "UnknownNameError", "Workflow",
               "load_deployment")
__all__ = [*_SPEC_NAMES, "launch"]


def __getattr__(name: str):
    if name in _SPEC_NAMES:
        from telco_churn.deployment import spec

        return getattr(spec, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def launch(*args, **kwargs) -> int:
    """See telco_churn.deployment.launcher.launch (imported lazily: it pulls in the engine)."""
    from telco_churn.deployment.launcher import launch as _launch

    return _launch(*args, **kwargs)
