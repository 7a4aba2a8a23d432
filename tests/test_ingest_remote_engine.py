"""data-ingest through Databricks Connect: the engine is a remote cluster, which cannot open a
path of this machine, so the job reads the file itself and sends the rows."""

from __future__ import annotations

import dataclasses

from telco_churn.runtime import Runtime
from tests.conftest import Sandbox


class RemoteCluster:
    """The real session, as a Databricks Connect client sees a remote cluster; counts the
    times the engine was asked to read files (a laptop path there is PATH_NOT_FOUND)."""

    def __init__(self, spark):
        self._spark, self.file_reads = spark, 0

    @property
    def read(self):
        self.file_reads += 1
        return self._spark.read

    def __getattr__(self, name):
        return getattr(self._spark, name)


def test_ingest_through_a_remote_engine_sends_the_rows_not_the_path(runtime, sample_csv, request):
    session = RemoteCluster(runtime.spark)
    engine = dataclasses.replace(runtime.engine, spark=session, _stop=lambda: None, sees_client_files=False)
    remote = Sandbox(Runtime(engine, runtime.workspace_dir), request.node.name + "_remote")
    local = Sandbox(runtime, request.node.name + "_local")

    rows = remote.job("data-ingest", "--set", f"source={sample_csv}", "--set", "mode=overwrite")
    assert session.file_reads == 0
    local.job("data-ingest", "--set", f"source={sample_csv}", "--set", "mode=overwrite")
    sent, read_by_engine = remote.read("bronze"), local.read("bronze")
    assert rows == len(sent) == len(read_by_engine)
    # The same raw text, column for column, as when the engine reads the file.
    assert list(sent.columns) == list(read_by_engine.columns)
    key = sent.columns[0]
    assert sent.sort_values(key).reset_index(drop=True).equals(read_by_engine.sort_values(key).reset_index(drop=True))
