"""The local lakehouse: tables by name, kept across processes, every write mode."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from telco_churn.errors import TableNotFoundError
from telco_churn.lakehouse import TableName

WRITER = textwrap.dedent("""
    import sys
    import pandas as pd
    from telco_churn.runtime import open_runtime
    with open_runtime(engine="sail", workspace_dir=sys.argv[1]) as rt:
        df = rt.spark.createDataFrame(pd.DataFrame({"id": [1, 2, 3], "v": ["a", "b", "c"]}))
        rt.lakehouse.write(df, "shop.items", "overwrite")
        rt.lakehouse.write(df.limit(2), "main.sales.items", "overwrite")
""")
READER = textwrap.dedent("""
    import sys
    from telco_churn.runtime import open_runtime
    with open_runtime(engine="sail", workspace_dir=sys.argv[1]) as rt:
        print(rt.spark.table("shop.items").count(), rt.spark.table("main.sales.items").count())
        print(sorted(r.v for r in rt.spark.sql("SELECT v FROM shop.items").collect()))
""")


def _run(script: str, tmp_path, workspace) -> str:
    path = tmp_path / "script.py"
    path.write_text(script)
    done = subprocess.run([sys.executable, str(path), str(workspace)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_table_written_by_one_process_is_read_by_name_in_the_next(tmp_path):
    workspace = tmp_path / "ws"
    _run(WRITER, tmp_path, workspace)
    out = _run(READER, tmp_path, workspace).split("\n")
    assert out[0] == "3 2"
    assert out[1] == "['a', 'b', 'c']"
    assert (workspace / "tables" / "hive_metastore" / "shop" / "items" / "_delta_log").is_dir()
    assert (workspace / "tables" / "main" / "sales" / "items" / "_delta_log").is_dir()


def _frame(runtime, ids, value):
    return runtime.spark.createDataFrame(pd.DataFrame({"id": ids, "v": [value] * len(ids)}))


def _rows(runtime, name):
    return sorted((r.id, r.v) for r in runtime.lakehouse.read(name).collect())


def test_overwrite_append_merge_and_drop(runtime):
    lake = runtime.lakehouse
    name = "modes_db.t"
    lake.write(_frame(runtime, [1, 2], "a"), name, "overwrite")
    lake.write(_frame(runtime, [3], "b"), name, "append")
    assert _rows(runtime, name) == [(1, "a"), (2, "a"), (3, "b")]
    lake.merge(_frame(runtime, [2, 4], "m"), name, ["id"])
    assert _rows(runtime, name) == [(1, "a"), (2, "m"), (3, "b"), (4, "m")]
    lake.write(_frame(runtime, [9], "o"), name, "overwrite")
    assert _rows(runtime, name) == [(9, "o")]
    assert runtime.spark.table(name).count() == 1
    assert lake.drop(name) is True
    assert lake.drop(name) is False
    assert not lake.exists(name)
    assert not lake.path_for(name).exists()
    with pytest.raises(TableNotFoundError, match="modes_db.t"):
        lake.read(name)


def test_a_write_keeps_its_note_in_its_commit_and_old_versions_read(runtime):
    lake, name = runtime.lakehouse, "notes_db.t"
    lake.write(_frame(runtime, [1, 2], "a"), name, "overwrite", note='{"by": "ingest"}')
    first = lake.latest_version(name)
    assert first.note == '{"by": "ingest"}'
    lake.write(_frame(runtime, [3], "b"), name, "append")
    latest = lake.latest_version(name)
    assert (latest.version, latest.note) == (first.version + 1, None)
    assert sorted(r.id for r in lake.read(name, version=first.version).collect()) == [1, 2]
    with pytest.raises(TableNotFoundError, match="notes_db.missing"):
        lake.latest_version("notes_db.missing")


@pytest.mark.parametrize("schema", ["gone_db", "gone_cat.gone_schema"])
def test_drop_database_drops_its_tables(runtime, schema):
    lake = runtime.lakehouse
    lake.write(_frame(runtime, [1], "x"), f"{schema}.t1")
    lake.write(_frame(runtime, [2], "y"), f"{schema}.t2")
    lake.drop_database(schema)
    assert not lake.exists(f"{schema}.t1") and not lake.exists(f"{schema}.t2")
    assert not lake.path_for(f"{schema}.t1").parent.exists()
    lake.write(_frame(runtime, [3], "z"), f"{schema}.t1")  # and the name can be used again
    assert _rows(runtime, f"{schema}.t1") == [(3, "z")]


def test_merge_creates_a_missing_table(runtime):
    runtime.lakehouse.merge(_frame(runtime, [1], "x"), "merge_db.fresh", ["id"])
    assert _rows(runtime, "merge_db.fresh") == [(1, "x")]


def test_overwrite_can_change_the_schema(runtime):
    lake = runtime.lakehouse
    lake.write(_frame(runtime, [1], "x"), "schema_db.t")
    lake.write(runtime.spark.createDataFrame(pd.DataFrame({"id": [1], "w": [2.5]})), "schema_db.t")
    assert lake.read("schema_db.t").columns == ["id", "w"]


@pytest.mark.parametrize("bad", ["table", "a.b.c.d", "db.ta-ble", "db."])
def test_bad_table_names_are_refused(bad):
    with pytest.raises(ValueError, match="db.table or catalog.schema.table"):
        TableName.parse(bad)


def test_names_map_to_deterministic_paths(runtime):
    lake = runtime.lakehouse
    assert lake.path_for("Db.T") == lake.root / "hive_metastore" / "db" / "t"
    assert lake.path_for("cat.sch.t") == lake.root / "cat" / "sch" / "t"
