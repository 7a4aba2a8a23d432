"""How the test modules are spread over pytest-xdist's workers.

Each module is one unit of work, so its module fixtures are built once; the modules in SHARED
form one unit, so a session fixture they share (one dbx deployment) is built once too. The
longest units start first, so that they do not end the run alone on one worker.
"""

from __future__ import annotations

import pytest

# One dbx deployment (`deployed_prod`) for every module that needs it; test_dbx_flows runs first
# (LONGEST_FIRST), so its promotion sees the registry the chain left.
SHARED: dict[str, str] = {module: "prod-deployment" for module in (
    "tests/workspace/test_dbx_flows.py",
    "tests/workspace/test_ui_run_now.py", "tests/workspace/test_shipped_notebooks.py",
    "tests/workspace/test_monitoring_loop_dbx.py")}  # unranked below, so last in the group: it may promote a version
# One uc deployment (`deployed_uc`) likewise; test_dbx_flow_uc runs first: it counts the model's versions.
SHARED.update({module: "uc-deployment" for module in (
    "tests/workspace/test_dbx_flow_uc.py", "tests/workspace/test_notebook_build_training.py")})
# The other modules on the session uc workspace, two of them on its all-purpose cluster
# (`uc_interactive_cluster`): one uc workspace, one warm launcher per runtime and one cluster for the three.
SHARED.update({module: "uc-session" for module in (
    "tests/workspace/test_pull_request_flow.py", "tests/workspace/test_ci_notebook_build.py",
    "tests/workspace/test_ci_repo_test.py")})
LONGEST_FIRST = (  # by their time in a full run (pytest --durations=0), longest first
    "tests/workspace/test_dbx_flows.py",  # with the rest of SHARED: about 115 s
    "tests/workspace/test_ui_run_now.py",
    "tests/workspace/test_shipped_notebooks.py",
    "tests/workspace/test_dbx_flow_uc.py",  # the documented flow on a uc workspace: about 170 s alone at load 4
    "tests/workspace/test_notebook_build_training.py",  # with the uc group, after test_dbx_flow_uc: 16 s more
    # Busy on the CPU: another worker's first unit, while SHARED waits on dbx and its runs.
    "tests/test_faults_million_rows.py",
    "tests/workspace/test_dbx_execute.py",  # dbx execute three times: 120-170 s alone at a load of 8-11
    "tests/workspace/test_pull_request_flow.py",  # with the rest of uc-session (PR 84 s, notebook-build 26, repo-test 30 in a full run)
    "tests/workspace/test_ci_notebook_build.py",  # on uc: 150 s alone at load 9 (a uc workspace, two cluster starts)
    "tests/workspace/test_ci_repo_test.py",  # on uc: 158 s alone at load 10
    "tests/workspace/test_control_flow.py",  # about 40 s: two job clusters, a schedule, Chromium
    "tests/workspace/test_control_flow_dbx.py",  # one dbx deploy, 35 s
    "tests/workspace/test_uc_model_registry.py",  # 31 s alone (53 s at load 5)
    "tests/test_story.py",
    "tests/workspace/test_faults.py",
    "tests/workspace/test_unity_catalog.py",  # about 45 s: its own uc workspace and seven job clusters
    "tests/workspace/test_all_purpose_clusters.py",  # about 40 s: clusters, libraries, mounts
    "tests/workspace/test_compute_page_and_recovery.py",  # about 20 s
    "tests/test_concurrency_runs.py",
    "tests/test_promotion.py",  # 22 s
    "tests/workspace/test_secrets.py",  # 20 s
    "tests/workspace/test_runtime_libraries.py",  # three 17.3 ML clusters and one other, MLflow on them
    "tests/workspace/test_command_execution.py",  # 18 s
    "tests/test_entry_points.py",
    "tests/workspace/test_ui_runs.py",
    "tests/test_faults_model_versions.py",
    "tests/test_jobs.py",
    "tests/test_bad_input.py",  # 12 s
    "tests/workspace/test_launcher.py",
    "tests/workspace/test_workspace_cli.py",
    "tests/workspace/test_legacy_cli.py",
    "tests/workspace/test_sdk_clients.py",
    "tests/test_launcher.py",
    "tests/test_deployment_files.py",
    "tests/workspace/test_ui_safety.py",
    "tests/workspace/test_repos_api.py",
    "tests/test_scale_consistency.py",
    "tests/integration/test_initial_train_register.py",
    "tests/test_lakehouse.py",
    "tests/test_contract_quick_pass.py",
    "tests/test_docs.py",  # two mkdocs builds
    "tests/test_ingest_bad_input.py",  # 3 s; the rest take about 2 s or less
)


def _module(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {module: i for i, module in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(_module(item.nodeid), len(rank)))  # stable: order within a module kept


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """xdist's per-module scheduling (loadscope), with the modules of SHARED as one unit. pytest.ini
    passes --no-loadscope-reorder: xdist would otherwise order the units by their number of tests."""
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = _module(nodeid)
            return SHARED.get(module, module)

    return GroupScheduling(config, log)
