"""conf/deployment.yml: parsing, offline checks and a local launcher for its workflows."""

from telco_churn.deployment.spec import (
    DependencyError,
    DeploymentSpec,
    DeploymentSpecError,
    Task,
    UnknownNameError,
    Workflow,
    load_deployment,
)

__all__ = [
    "DependencyError",
    "DeploymentSpec",
    "DeploymentSpecError",
    "Task",
    "UnknownNameError",
    "Workflow",
    "load_deployment",
    "launch",
]


def launch(*args, **kwargs) -> int:
    """See telco_churn.deployment.launcher.launch (imported lazily: it pulls in the engine)."""
    from telco_churn.deployment.launcher import launch as _launch

    return _launch(*args, **kwargs)
