"""Command Execution API 1.2 through databricks-sdk's `w.command_execution`, on an all-purpose
cluster made with `w.clusters.create_and_wait` in the session's workspace: a context keeps its
state, has `spark`, `dbutils`, `display` and `%pip`; a long command is cancelled and the context
still answers; the API's errors.
"""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidState, NotFound
from databricks.sdk.service.compute import (ClusterSource, CommandStatus, CommandStatusResponse, ContextStatus,
                                            ContextStatusResponse, Language, ResultType, State)

from tests.workspace.parity import assert_parses
from tests.workspace.wheels import make_wheel

WAIT = timedelta(seconds=30)


@pytest.fixture(scope="module")
def w(workspace) -> WorkspaceClient:
    return workspace.sdk()


@pytest.fixture(scope="module")
def cluster_id(w):
    """An all-purpose cluster, as a user makes one; permanently deleted at the end of the module."""
    details = w.clusters.create_and_wait(cluster_name="commands-interactive", spark_version="17.3.x-cpu-ml-scala2.13",
                                         num_workers=0, node_type_id="local", timeout=timedelta(minutes=3))
    assert details.state == State.RUNNING
    yield details.cluster_id
    w.clusters.permanent_delete(details.cluster_id)


@pytest.fixture(scope="module")
def context(w, cluster_id):
    created = w.command_execution.create_and_wait(cluster_id=cluster_id, language=Language.PYTHON, timeout=WAIT)
    return cluster_id, created.id


def _raw_status(w, cluster_id, context_id, command_id) -> dict:
    return w.api_client.do("GET", "/api/1.2/commands/status",
                           query={"clusterId": cluster_id, "contextId": context_id, "commandId": command_id})


def _run(w, context, command: str):
    cluster_id, context_id = context
    return w.command_execution.execute_and_wait(cluster_id=cluster_id, context_id=context_id,
                                                language=Language.PYTHON, command=command, timeout=WAIT)


def test_context_is_running_and_parses(w, context):
    cluster_id, context_id = context
    raw = w.api_client.do("GET", "/api/1.2/contexts/status", query={"clusterId": cluster_id, "contextId": context_id})
    assert raw == {"id": context_id, "status": "Running"}
    assert_parses(ContextStatusResponse, raw)


def test_commands_share_state_with_spark_pip_and_dedent(w, context, tmp_path):
    first = _run(w, context, """
        base = 41
        print("runtime", __import__("os").environ["DATABRICKS_RUNTIME_VERSION"])
        """)
    assert first.status == CommandStatus.FINISHED
    assert first.results.result_type == ResultType.TEXT
    assert first.results.data == "runtime 17.3"  # no trailing newline (dbx relies on it)

    counted = _run(w, context, "print(spark.range(base + 1).count())")
    assert counted.results.data == "42", counted.results

    wheel = make_wheel(tmp_path, "ctxlib", "ANSWER = 'from the wheel'\n", {})
    installed = _run(w, context, f"%pip install {wheel}")
    assert installed.results.result_type == ResultType.TEXT, installed.results
    used = _run(w, context, "import ctxlib\nprint(ctxlib.ANSWER, base)")
    assert used.results.data == "from the wheel 41"

    raw = _raw_status(w, *context, used.id)
    assert_parses(CommandStatusResponse, raw)


def test_a_secret_printed_in_a_command_is_redacted(w, context):
    w.secrets.create_scope("ctx-scope")
    w.secrets.put_secret("ctx-scope", "token", string_value="hush-hush-123")
    shown = _run(w, context, "value = dbutils.secrets.get('ctx-scope', 'token')\nprint(value, len(value))")
    assert shown.results.data == "[REDACTED] 13"


def test_pip_library_is_this_contexts_only(w, cluster_id, context):
    other = w.command_execution.create_and_wait(cluster_id=cluster_id, language=Language.PYTHON, timeout=WAIT)
    try:
        result = _run(w, (cluster_id, other.id), "import ctxlib")
        assert result.results.result_type == ResultType.ERROR
        assert "No module named 'ctxlib'" in result.results.summary
    finally:
        w.command_execution.destroy(cluster_id=cluster_id, context_id=other.id)


def test_display_gives_a_table_and_an_error_gives_cause_and_summary(w, context):
    table = _run(w, context, "display(spark.range(3).selectExpr('id', 'id * 2 AS twice'))")
    assert table.results.result_type == ResultType.TABLE
    assert table.results.data == [[0, 0], [1, 2], [2, 4]]
    assert_parses(CommandStatusResponse, _raw_status(w, *context, table.id))
    assert [c["name"] for c in table.results.schema] == ["id", "twice"]

    failed = _run(w, context, "print('before')\n1 / 0")
    assert failed.status == CommandStatus.FINISHED
    assert failed.results.result_type == ResultType.ERROR
    assert failed.results.summary == "ZeroDivisionError: division by zero"
    assert "Traceback" in failed.results.cause and "before" in failed.results.cause


def test_a_long_command_is_cancelled_and_the_context_still_answers(w, context):
    cluster_id, context_id = context
    started = w.command_execution.execute(cluster_id=cluster_id, context_id=context_id, language=Language.PYTHON,
                                          command="import time\nfor _ in range(600):\n    time.sleep(0.1)")
    assert _raw_status(w, cluster_id, context_id, started.response.id)["status"] == "Running"
    cancelled = w.command_execution.cancel_and_wait(cluster_id=cluster_id, context_id=context_id,
                                                    command_id=started.response.id, timeout=WAIT)
    assert cancelled.status == CommandStatus.CANCELLED
    assert cancelled.results.result_type == ResultType.ERROR
    assert _run(w, context, "print(base)").results.data == "41"


def test_restart_python_keeps_the_context_and_its_pip_libraries(w, context):
    restarted = _run(w, context, "dbutils.library.restartPython()")
    assert restarted.status == CommandStatus.FINISHED
    after = _run(w, context, "import ctxlib\nprint(ctxlib.ANSWER, 'base' in globals())")
    assert after.results.data == "from the wheel False"


def _warm_spares(workspace, cluster_id, context_id) -> int:
    """How many times the context's spare interpreter has said it is warm (its supervisor's log)."""
    log = workspace.root / "clusters" / cluster_id / "contexts" / context_id / "stderr"
    return log.read_text().count("spare interpreter warm") if log.exists() else 0


def _install_and_wait_warm(w, workspace, ids, wheel, *flags: str) -> None:
    before = _warm_spares(workspace, *ids)
    assert _run(w, ids, f"%pip install {' '.join(flags)} {wheel}").results.result_type == ResultType.TEXT
    deadline = time.monotonic() + 180  # the spare imports MLflow, pandas, scikit-learn: long on a busy machine
    while _warm_spares(workspace, *ids) <= before:
        assert time.monotonic() < deadline, "no warm spare interpreter"
        time.sleep(0.2)


def test_restart_after_pip_is_warm_and_sees_the_contexts_libraries(w, workspace, cluster_id, tmp_path):
    """After a `%pip install`, restartPython() hands over to a spare interpreter that imported the
    runtime's heavy libraries meanwhile, over the context's libraries. A spare that imported one
    version of a library that shadows a runtime one (yaml) checks itself when the next version is
    installed, and starts over: the next command gets that version, warm."""
    ids = (cluster_id, w.command_execution.create_and_wait(cluster_id=cluster_id, language=Language.PYTHON,
                                                           timeout=WAIT).id)
    try:
        assert _run(w, ids, "import sys\nprint('pandas' in sys.modules)").results.data == "False"
        _install_and_wait_warm(w, workspace, ids, make_wheel(tmp_path, "yaml", "__version__ = 'one'\n", {},
                                                             version="99.0"))
        _install_and_wait_warm(w, workspace, ids, make_wheel(tmp_path, "yaml", "__version__ = 'two'\n", {},
                                                             version="99.0"), "--force-reinstall")
        assert _run(w, ids, "dbutils.library.restartPython()").status == CommandStatus.FINISHED
        after = _run(w, ids, "import sys, yaml\nprint(yaml.__version__, 'pandas' in sys.modules)")
        assert after.results.data == "two True", after.results
    finally:
        w.command_execution.destroy(cluster_id=cluster_id, context_id=ids[1])


def test_unknown_ids_and_a_dead_context(w, context):
    cluster_id, context_id = context
    with pytest.raises(NotFound):
        w.command_execution.context_status(cluster_id=cluster_id, context_id="123")
    with pytest.raises(NotFound):
        w.command_execution.command_status(cluster_id=cluster_id, context_id=context_id, command_id="nope")
    with pytest.raises(NotFound):
        w.command_execution.context_status(cluster_id="0000-000000-nope", context_id=context_id)

    doomed = w.command_execution.create_and_wait(cluster_id=cluster_id, language=Language.PYTHON, timeout=WAIT)
    pid = int(_run(w, (cluster_id, doomed.id), "import os\nprint(os.getpid())").results.data)  # the context's interpreter
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while w.command_execution.context_status(cluster_id=cluster_id, context_id=doomed.id).status != ContextStatus.ERROR:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    with pytest.raises(InvalidState):
        w.command_execution.execute(cluster_id=cluster_id, context_id=doomed.id, command="1")

    w.command_execution.destroy(cluster_id=cluster_id, context_id=doomed.id)
    w.command_execution.destroy(cluster_id=cluster_id, context_id=doomed.id)  # gone already: still fine
    with pytest.raises(NotFound):
        w.command_execution.context_status(cluster_id=cluster_id, context_id=doomed.id)


def test_commands_on_a_terminated_cluster_are_refused(w, context):
    """Last: it terminates the module's cluster (`clusters/delete`), then starts it again."""
    cluster_id, context_id = context
    w.clusters.delete_and_wait(cluster_id, timeout=WAIT)
    with pytest.raises(InvalidState, match="not running"):
        w.command_execution.execute(cluster_id=cluster_id, context_id=context_id, command="print(1)")
    with pytest.raises(InvalidState, match="not running"):
        w.command_execution.create(cluster_id=cluster_id, language=Language.PYTHON)

    w.clusters.ensure_cluster_is_running(cluster_id)  # starts it, as a user's script does
    assert {c.cluster_id: c.cluster_source for c in w.clusters.list()}[cluster_id] == ClusterSource.API
    fresh = w.command_execution.create_and_wait(cluster_id=cluster_id, language=Language.PYTHON, timeout=WAIT)
    assert _run(w, (cluster_id, fresh.id), "print('back')").results.data == "back"
