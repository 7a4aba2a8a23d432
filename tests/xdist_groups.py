"""How the test modules are spread over pytest-xdist's workers (`--dist loadgroup`).

Each module is one group, so its module fixtures are built once; modules in SHARED run on one
worker, so a session fixture they share (one dbx deployment, say) is built once too. The
longest groups start first, so that they do not end the run alone on one worker.
"""

from __future__ import annotations

import pytest

# One dbx deployment (`deployed_prod`) for every module that needs it; test_dbx_flows runs first
# (LONGEST_FIRST), so the release flow sees the registry its chain left.
SHARED: dict[str, str] = {module: "prod-deployment" for module in (
    "tests/workspace/test_dbx_flows.py", "tests/workspace/test_notebook_build_training.py",
    "tests/workspace/test_ui_run_now.py")}
LONGEST_FIRST = (
    "tests/workspace/test_dbx_flows.py",
    "tests/workspace/test_notebook_build_training.py",
    "tests/workspace/test_ui_run_now.py",
    "tests/test_faults_million_rows.py",
    "tests/test_story.py",
    "tests/workspace/test_pull_request_flow.py",
    "tests/test_concurrency_runs.py",
)


def _module(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            module = _module(item)
            item.add_marker(pytest.mark.xdist_group(SHARED.get(module, module)))
    rank = {module: i for i, module in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(_module(item), len(rank)))  # stable: order within a module kept
