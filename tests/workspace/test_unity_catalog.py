"""A `uc` workspace (Unity Catalog default, legacy features off) through databricks-sdk and the
legacy CLI: catalogs, schemas, volumes, files in volumes, and what such a workspace refuses.
The DBFS-root library rule of runtime 15+ is checked on both profiles."""

from __future__ import annotations

import io

import pytest
from databricks.sdk.errors import NotFound, PermissionDenied
from databricks.sdk.errors.base import DatabricksError
from databricks.sdk.service import catalog, compute, files, jobs

from tests.workspace.harness import databricks_cli, start_workspace
from tests.workspace.parity import assert_parses
from tests.workspace.wheels import make_wheel

UC = "/api/2.1/unity-catalog"
ALLOW_DBFS_LIBRARIES = {"spark.databricks.driver.dbfsLibraryInstallationAllowed": "true"}
DBR_15_MESSAGE = "DBFS library installations are not supported on DBR 15 or above."
DBFS_DISABLED = "Public DBFS root is disabled. Access is denied on path: "


@pytest.fixture(scope="module")
def uc(tmp_path_factory):
    running = start_workspace(tmp_path_factory.mktemp("uc") / "ws", profile="uc")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def volume(uc):
    """dev.churn.artifacts, made through the SDK; its folder on disk."""
    client = uc.sdk()
    client.catalogs.create(name="dev", comment="per-environment catalog")
    client.schemas.create(name="churn", catalog_name="dev")
    client.volumes.create(catalog_name="dev", schema_name="churn", name="artifacts",
                          volume_type=catalog.VolumeType.MANAGED)
    return uc.root / "volumes" / "dev" / "churn" / "artifacts"


def _files_under(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def test_the_default_catalog_and_no_hive_metastore(uc):
    client = uc.sdk()
    raw = client.api_client.do("GET", f"{UC}/catalogs")
    for info in raw["catalogs"]:
        assert_parses(catalog.CatalogInfo, info)
    assert [c["name"] for c in raw["catalogs"]] == ["workspace"]
    assert [s.name for s in client.schemas.list(catalog_name="workspace")] == ["default"]
    with pytest.raises(NotFound) as missing:
        client.catalogs.get("hive_metastore")
    assert missing.value.error_code == "CATALOG_DOES_NOT_EXIST"
    assert str(missing.value) == "Catalog 'hive_metastore' does not exist."


def test_catalogs_schemas_volumes_create_list_update_delete(uc, volume):
    client = uc.sdk()
    assert "dev" in [c.name for c in client.catalogs.list()]
    raw_schemas = client.api_client.do("GET", f"{UC}/schemas", query={"catalog_name": "dev"})["schemas"]
    for info in raw_schemas:
        assert_parses(catalog.SchemaInfo, info)
    assert [s["full_name"] for s in raw_schemas] == ["dev.churn", "dev.default"]
    raw_volume = client.api_client.do("GET", f"{UC}/volumes/dev.churn.artifacts")
    assert_parses(catalog.VolumeInfo, raw_volume)
    assert raw_volume["volume_type"] == "MANAGED" and volume.is_dir()
    listed = client.api_client.do("GET", f"{UC}/volumes", query={"catalog_name": "dev", "schema_name": "churn"})
    assert [v["full_name"] for v in listed["volumes"]] == ["dev.churn.artifacts"]
    assert client.catalogs.update("dev", comment="changed").comment == "changed"
    assert client.schemas.update("dev.churn", comment="s").comment == "s"
    # A second volume, paged through the SDK's iterator, then deleted with its files.
    client.volumes.create(catalog_name="dev", schema_name="churn", name="scratch", volume_type=catalog.VolumeType.MANAGED)
    client.files.upload("/Volumes/dev/churn/scratch/x.txt", io.BytesIO(b"x"))
    page = client.api_client.do("GET", f"{UC}/volumes", query={"catalog_name": "dev", "schema_name": "churn",
                                                               "max_results": 1})
    assert len(page["volumes"]) == 1 and page["next_page_token"]
    assert sorted(v.name for v in client.volumes.list(catalog_name="dev", schema_name="churn", max_results=1)) == \
        ["artifacts", "scratch"]
    client.volumes.delete("dev.churn.scratch")
    assert not (uc.root / "volumes" / "dev" / "churn" / "scratch").exists()
    with pytest.raises(NotFound):
        client.volumes.read("dev.churn.scratch")
    assert list(client.tables.list(catalog_name="dev", schema_name="churn")) == []
    assert client.tables.exists("dev.churn.nothing").table_exists is False


def test_files_upload_download_list_metadata(uc, volume):
    client = uc.sdk()
    client.files.upload("/Volumes/dev/churn/artifacts/conf/a.json", io.BytesIO(b'{"a": 1}'))
    assert (volume / "conf" / "a.json").read_bytes() == b'{"a": 1}'
    assert client.files.download("/Volumes/dev/churn/artifacts/conf/a.json").contents.read() == b'{"a": 1}'
    assert client.files.get_metadata("/Volumes/dev/churn/artifacts/conf/a.json").content_length == 8
    with pytest.raises(DatabricksError) as exists:  # overwrite is off unless asked for
        client.files.upload("/Volumes/dev/churn/artifacts/conf/a.json", io.BytesIO(b"other"), overwrite=False)
    assert exists.value.error_code == "ALREADY_EXISTS" and (volume / "conf" / "a.json").read_bytes() == b'{"a": 1}'
    client.files.upload("/Volumes/dev/churn/artifacts/conf/a.json", io.BytesIO(b"{}"), overwrite=True)
    client.files.create_directory("/Volumes/dev/churn/artifacts/conf/empty")
    raw = client.api_client.do("GET", "/api/2.0/fs/directories/Volumes/dev/churn/artifacts/conf")
    for entry in raw["contents"]:
        assert_parses(files.DirectoryEntry, entry)
    entries = list(client.files.list_directory_contents("/Volumes/dev/churn/artifacts/conf", page_size=1))
    assert [(e.name, e.is_directory, e.file_size) for e in entries] == [("a.json", False, 2), ("empty", True, None)]
    client.files.delete_directory("/Volumes/dev/churn/artifacts/conf/empty")
    client.files.delete("/Volumes/dev/churn/artifacts/conf/a.json")
    assert _files_under(volume / "conf") == []
    with pytest.raises(NotFound):
        client.files.get_metadata("/Volumes/dev/churn/artifacts/conf/a.json")


@pytest.mark.parametrize("which", ["uc", "legacy"])
def test_legacy_cli_fs_cp_to_a_volume(request, which, tmp_path):
    if which == "uc":
        running = request.getfixturevalue("uc")
        request.getfixturevalue("volume")
        name = "dev.churn.artifacts"
    else:  # a workspace of before: its metastore still takes a Unity Catalog catalog and volume
        running = request.getfixturevalue("workspace")
        client = running.sdk()
        client.catalogs.create(name="cli_check")
        client.schemas.create(name="s", catalog_name="cli_check")
        client.volumes.create(catalog_name="cli_check", schema_name="s", name="v", volume_type=catalog.VolumeType.MANAGED)
        name = "cli_check.s.v"
    local = tmp_path / "model.txt"
    local.write_text("from the legacy CLI")
    target = "dbfs:/Volumes/" + name.replace(".", "/") + "/cli/model.txt"
    copied = databricks_cli(running, "fs", "cp", str(local), target)
    assert copied.returncode == 0, copied.stdout + copied.stderr
    assert (running.root / "volumes" / name.replace(".", "/") / "cli" / "model.txt").read_text() == "from the legacy CLI"
    listed = databricks_cli(running, "fs", "ls", target.rsplit("/", 1)[0])
    assert listed.returncode == 0 and "model.txt" in listed.stdout
    if which == "legacy":
        running.sdk().catalogs.delete("cli_check", force=True)


def test_an_unknown_catalog_in_a_three_level_name_writes_nothing(uc, volume):
    client = uc.sdk()
    before = _files_under(uc.root / "volumes")
    for call in (lambda: client.volumes.create(catalog_name="nope", schema_name="churn", name="v",
                                               volume_type=catalog.VolumeType.MANAGED),
                 lambda: client.tables.get("nope.churn.customers"),
                 lambda: client.volumes.read("nope.churn.artifacts"),
                 lambda: client.files.upload("/Volumes/nope/churn/artifacts/x.txt", io.BytesIO(b"x"))):
        with pytest.raises(NotFound) as missing:
            call()
        assert missing.value.error_code == "CATALOG_DOES_NOT_EXIST"
        assert str(missing.value) == "Catalog 'nope' does not exist."
    with pytest.raises(NotFound) as schema:
        client.tables.get("dev.nope.customers")
    assert schema.value.error_code == "SCHEMA_DOES_NOT_EXIST" and str(schema.value) == "Schema 'dev.nope' does not exist."
    assert _files_under(uc.root / "volumes") == before
    assert "nope" not in [c.name for c in client.catalogs.list()]


def test_a_path_out_of_its_volume_writes_nothing(uc, volume):
    client = uc.sdk()
    before, dbfs_before = _files_under(uc.root / "volumes"), _files_under(uc.root / "dbfs")
    # Sent as it is (the SDK's HTTP library would resolve a literal `..` itself): the server refuses it.
    with pytest.raises(DatabricksError) as escaped:
        client.api_client.do("PUT", "/api/2.0/fs/files/Volumes/dev/churn/artifacts/%2E%2E/escape.txt",
                             data=b"x", headers={"Content-Type": "application/octet-stream"})
    assert escaped.value.error_code == "INVALID_PARAMETER_VALUE" and "'..'" in str(escaped.value)
    # Resolved by the client, it names another volume, which does not exist.
    with pytest.raises(NotFound) as other:
        client.files.upload("/Volumes/dev/churn/artifacts/../escape/x.txt", io.BytesIO(b"x"))
    assert str(other.value) == "Volume 'dev.churn.escape' does not exist."
    with pytest.raises(DatabricksError) as dbfs:
        client.dbfs.put("dbfs:/Volumes/dev/churn/artifacts/../escape.txt", contents="eA==", overwrite=True)
    assert dbfs.value.error_code == "INVALID_PARAMETER_VALUE"
    assert _files_under(uc.root / "volumes") == before
    assert _files_under(uc.root / "dbfs") == dbfs_before


def test_the_dbfs_root_is_disabled(uc, tmp_path):
    client = uc.sdk()
    before = _files_under(uc.root / "dbfs")
    with pytest.raises(PermissionDenied) as denied:
        client.dbfs.put("/tmp/x.txt", contents="eA==", overwrite=True)
    assert denied.value.error_code == "PERMISSION_DENIED" and str(denied.value).startswith(DBFS_DISABLED + "/tmp/x.txt")
    with pytest.raises(PermissionDenied):
        list(client.dbfs.list("/"))
    local = tmp_path / "x.txt"
    local.write_text("x")
    copied = databricks_cli(uc, "fs", "cp", str(local), "dbfs:/Shared/x.txt")
    # The legacy CLI prints its own line for any 403 (databricks_cli's api_client), as against Databricks.
    assert copied.returncode != 0 and "Error: Authorization failed" in copied.stdout
    assert _files_under(uc.root / "dbfs") == before


def test_the_workspace_model_registry_is_disabled(uc):
    client = uc.sdk()
    for call in (lambda: client.model_registry.create_model("churn"), lambda: list(client.model_registry.list_models()),
                 lambda: client.model_registry.get_latest_versions("churn")):
        with pytest.raises(PermissionDenied) as denied:
            call()
        # (the SDK appends its config to a 403's message)
        assert str(denied.value).startswith("The legacy workspace model registry is disabled for the current "
                                            "Databricks workspace.")
    assert not (uc.root / "mlflow" / "mlflow.db").exists()  # nothing reached MLflow's store


def _wheel_task(key: str, spark_version: str, library: str, conf: dict | None = None) -> jobs.SubmitTask:
    return jobs.SubmitTask(task_key=key, libraries=[compute.Library(whl=library)],
                           new_cluster=compute.ClusterSpec(spark_version=spark_version, num_workers=0, spark_conf=conf),
                           python_wheel_task=jobs.PythonWheelTask(package_name="hello_uc", entry_point="hello"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    return make_wheel(tmp_path_factory.mktemp("wheel"), "hello_uc", "def main():\n    print('hello from a wheel')\n",
                      {"hello": "hello_uc:main"})


def _tasks(running, tasks: list[jobs.SubmitTask]) -> dict[str, jobs.RunTask]:
    run = jobs.Run.from_dict(running.wait_run(running.sdk().jobs.submit(run_name="library-rule", tasks=tasks).run_id))
    return {task.task_key: task for task in run.tasks}


def test_a_dbfs_root_wheel_on_runtime_15_plus_needs_the_spark_conf(workspace, wheel):
    """The legacy profile: runtime 17.3 refuses it unless the conf allows it; 14.3 installs it."""
    library = f"dbfs:/Shared/library-rule/{wheel.name}"
    workspace.sdk().dbfs.upload(library, io.BytesIO(wheel.read_bytes()), overwrite=True)
    tasks = _tasks(workspace, [_wheel_task("dbr17", "17.3.x-cpu-ml-scala2.13", library),
                               _wheel_task("dbr17_allowed", "17.3.x-cpu-ml-scala2.13", library, ALLOW_DBFS_LIBRARIES),
                               _wheel_task("dbr14", "14.3.x-cpu-ml-scala2.12", library)])
    refused = tasks["dbr17"].state
    assert refused.result_state == jobs.RunResultState.FAILED
    assert refused.state_message.startswith(f'Library installation failed for library due to user error for whl: "{library}"')
    assert refused.state_message.endswith("Error Code: DRIVER_LIBRARY_INSTALLATION_FAILURE. Error Message: "
                                          "com.databricks.api.base.DatabricksServiceException: BAD_REQUEST: "
                                          + DBR_15_MESSAGE)
    assert tasks["dbr17_allowed"].state.result_state == jobs.RunResultState.SUCCESS, tasks["dbr17_allowed"].state
    assert tasks["dbr14"].state.result_state == jobs.RunResultState.SUCCESS, tasks["dbr14"].state


def test_uc_installs_wheels_from_volumes_and_refuses_dbfs_and_old_runtimes(uc, volume, wheel):
    client = uc.sdk()
    client.files.upload(f"/Volumes/dev/churn/artifacts/wheels/{wheel.name}", io.BytesIO(wheel.read_bytes()))
    tasks = _tasks(uc, [
        _wheel_task("volume", "17.3.x-cpu-ml-scala2.13", f"/Volumes/dev/churn/artifacts/wheels/{wheel.name}"),
        _wheel_task("dbfs", "17.3.x-cpu-ml-scala2.13", f"dbfs:/Shared/{wheel.name}"),
        _wheel_task("dbfs_allowed", "17.3.x-cpu-ml-scala2.13", f"dbfs:/Shared/{wheel.name}", ALLOW_DBFS_LIBRARIES),
        _wheel_task("old_runtime", "12.2.x-cpu-ml-scala2.12", f"/Volumes/dev/churn/artifacts/wheels/{wheel.name}"),
        jobs.SubmitTask(task_key="dbfs_script", new_cluster=compute.ClusterSpec(spark_version="17.3.x-cpu-ml-scala2.13"),
                        spark_python_task=jobs.SparkPythonTask(python_file="dbfs:/Shared/main.py")),
    ])
    assert tasks["volume"].state.result_state == jobs.RunResultState.SUCCESS, tasks["volume"].state
    assert tasks["dbfs"].state.state_message.endswith(DBR_15_MESSAGE)
    # The conf lifts the runtime's rule, not the workspace's: its DBFS root stays disabled.
    assert tasks["dbfs_allowed"].state.state_message.endswith(DBFS_DISABLED + f"/Shared/{wheel.name}")
    assert tasks["dbfs_script"].state.state_message == "PERMISSION_DENIED: " + DBFS_DISABLED + "/Shared/main.py"
    old = tasks["old_runtime"].state
    assert old.result_state == jobs.RunResultState.FAILED and "prior to 13.3 LTS" in old.state_message


def test_uc_refuses_an_all_purpose_cluster_below_13_3_as_its_terminated_state(uc):
    import time

    client = uc.sdk()
    cluster_id = client.clusters.create(cluster_name="old-runtime", spark_version="12.2.x-cpu-ml-scala2.12",
                                        num_workers=0).cluster_id
    deadline = time.monotonic() + 60
    while (details := client.clusters.get(cluster_id)).state not in (compute.State.TERMINATED, compute.State.RUNNING):
        assert time.monotonic() < deadline, details.state
        time.sleep(0.2)
    assert details.state == compute.State.TERMINATED
    assert "prior to 13.3 LTS" in details.state_message and "12.2.x-cpu-ml-scala2.12" in details.state_message
    client.clusters.permanent_delete(cluster_id)


def test_stages_on_a_uc_workspace_are_refused_early_naming_platform(uc, monkeypatch):
    """The project's check with MLflow's own client: the workspace registry's refusal becomes a
    ConfigError that names the setting to change."""
    from telco_churn.config.environment import load_environment
    from telco_churn.errors import ConfigError
    from telco_churn.paths import default_env_file
    from telco_churn.platform_checks import check_registry
    from telco_churn.tracking import TrackingStore

    monkeypatch.setenv("DATABRICKS_HOST", uc.url)
    monkeypatch.setenv("DATABRICKS_TOKEN", uc.token)
    env = load_environment(default_env_file(), "prod", ["platform=legacy"])
    with pytest.raises(ConfigError, match="workspace model registry is disabled") as refused:
        check_registry(TrackingStore.databricks(unity_catalog=False), env, "conf/environments.yml")
    assert refused.value.key == "platform"


@pytest.mark.parametrize(("profile", "registry_uri"), [("uc", None), ("legacy", "databricks")])
def test_clusters_get_a_registry_uri_only_on_a_legacy_workspace(tmp_path, profile, registry_uri):
    """A Databricks cluster sets no registry URI: MLflow 3 then uses databricks-uc on a Unity Catalog
    workspace. The legacy profile's clusters keep the workspace registry they have always used."""
    from local_workspace.app import Workspace

    workspace = Workspace(tmp_path / "ws", profile=profile)
    try:
        environment = workspace.cluster_environment()
    finally:
        workspace.close()
    assert environment.get("MLFLOW_REGISTRY_URI") == registry_uri
    assert environment["MLFLOW_TRACKING_URI"] == "databricks"


def test_create_table_takes_external_delta_tables_only_and_refuses_unknown_names(uc, volume, tmp_path):
    """Databricks' Create Table API for external clients (what a cluster's Spark catalog calls for
    `CREATE TABLE ... USING DELTA LOCATION`): external Delta only; bad input writes nothing."""
    from databricks.sdk.errors import InvalidParameterValue, ResourceConflict

    client = uc.sdk()
    columns = [catalog.ColumnInfo(name="customerID", type_name=catalog.ColumnTypeName.STRING, type_text="string",
                                  type_json='{"name":"customerID","type":"string","nullable":true,"metadata":{}}',
                                  position=0, nullable=True)]
    location = str(tmp_path / "features")
    created = client.tables.create("features", "dev", "churn", catalog.TableType.EXTERNAL,
                                   catalog.DataSourceFormat.DELTA, location, columns=columns)
    assert created.full_name == "dev.churn.features" and created.storage_location == location
    assert_parses(catalog.TableInfo, client.api_client.do("GET", f"{UC}/tables/dev.churn.features"))
    with pytest.raises(ResourceConflict) as taken:
        client.tables.create("features", "dev", "churn", catalog.TableType.EXTERNAL,
                             catalog.DataSourceFormat.DELTA, location)
    assert taken.value.error_code == "TABLE_ALREADY_EXISTS"
    with pytest.raises(InvalidParameterValue):
        client.tables.create("managed", "dev", "churn", catalog.TableType.MANAGED, catalog.DataSourceFormat.DELTA, location)
    with pytest.raises(NotFound) as missing:
        client.tables.create("t", "nowhere", "churn", catalog.TableType.EXTERNAL, catalog.DataSourceFormat.DELTA, location)
    assert missing.value.error_code == "CATALOG_DOES_NOT_EXIST"
    assert [t.name for t in client.tables.list("dev", "churn")] == ["features"]
    client.tables.delete("dev.churn.features")


SCHEMAS_ON_A_CLUSTER = """
import os
from pyspark.sql import SparkSession

spark = SparkSession.builder.remote(os.environ["SPARK_REMOTE"]).getOrCreate()
spark.sql("CREATE SCHEMA IF NOT EXISTS dev.made_on_cluster")
print("current catalog:", spark.catalog.currentCatalog())
spark.sql("CREATE SCHEMA IF NOT EXISTS nowhere.made_on_cluster")
"""


def test_a_clusters_spark_catalogs_are_the_workspaces_unity_catalog(uc, volume):
    """Three-level names on a cluster reach the workspace's Unity Catalog; a catalog it does not have
    is refused (Sail's message around Unity Catalog's 404, not Databricks' NO_SUCH_CATALOG_EXCEPTION)."""
    client = uc.sdk()
    client.files.upload("/Volumes/dev/churn/artifacts/schemas_on_a_cluster.py", io.BytesIO(SCHEMAS_ON_A_CLUSTER.encode()),
                        overwrite=True)
    (task,) = _tasks(uc, [jobs.SubmitTask(
        task_key="schemas", new_cluster=compute.ClusterSpec(spark_version="17.3.x-cpu-ml-scala2.13", num_workers=0),
        spark_python_task=jobs.SparkPythonTask(python_file="/Volumes/dev/churn/artifacts/schemas_on_a_cluster.py"))]).values()
    output = client.jobs.get_run_output(task.run_id)
    assert task.state.result_state == jobs.RunResultState.FAILED, output.logs
    assert "current catalog: workspace" in output.logs  # the workspace's default catalog
    assert "Failed to create schema" in (output.error or "") + (output.error_trace or ""), output
    assert "made_on_cluster" in {s.name for s in client.schemas.list("dev")}
    assert "nowhere" not in {c.name for c in client.catalogs.list()}
