"""One workspace: its folders, token, database, services and executor, wired to the gateway."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from local_workspace.compute.all_purpose import AllPurposeClusters
from local_workspace.compute.cluster import ClusterManager
from local_workspace.compute.libraries import ClusterLibraries
from local_workspace.compute.mounts import mount_table
from local_workspace.compute.processes import end_processes_under
from local_workspace.compute.dbfs_fuse import FuseView
from local_workspace.compute.runner import RunExecutor
from local_workspace.config import HOST_NAME, WorkspaceDirs, load_or_create_token
from local_workspace.gateway import Gateway
from local_workspace.services.clusters import urls as clusters_urls
from local_workspace.services.clusters.responses import ClustersResponses
from local_workspace.services.dbfs import urls as dbfs_urls
from local_workspace.services.libraries import urls as libraries_urls
from local_workspace.services.libraries.responses import LibrariesResponses
from local_workspace.services.dbfs.models import Dbfs
from local_workspace.services.dbfs.responses import DbfsResponses
from local_workspace.services.jobs import urls as jobs_urls
from local_workspace.services.jobs.models import Jobs
from local_workspace.services.jobs.responses import JobsResponses
from local_workspace.services.jobs.scheduler import Scheduler
from local_workspace.services.mlflow import urls as mlflow_urls
from local_workspace.services.mlflow.models import MlflowServer
from local_workspace.services.mlflow.responses import MlflowResponses
from local_workspace.services.mlflow_uc import catalog_urls as uc_models_urls
from local_workspace.services.mlflow_uc import urls as uc_registry_urls
from local_workspace.services.mlflow_uc.models import UcModelRegistry
from local_workspace.services.mlflow_uc.responses import CatalogModelsResponses, UcRegistryResponses
from local_workspace.services.repos import urls as repos_urls
from local_workspace.services.repos.models import Repos
from local_workspace.services.repos.responses import ReposResponses
from local_workspace.services.scim import urls as scim_urls
from local_workspace.services.scim.responses import ScimResponses
from local_workspace.services.workspace import urls as workspace_urls
from local_workspace.services.workspace.models import WorkspaceTree
from local_workspace.services.workspace.responses import WorkspaceResponses
from local_workspace.store import Database
from local_workspace.compute.sail_catalogs import sail_catalog_env
from local_workspace.profiles import load_or_create_profile
from local_workspace.services.files import urls as files_urls
from local_workspace.services.files.models import VolumeFiles
from local_workspace.services.files.responses import FilesResponses
from local_workspace.services.unity_catalog import urls as unity_catalog_urls
from local_workspace.services.unity_catalog.models import UnityCatalog
from local_workspace.services.unity_catalog.responses import UnityCatalogResponses
from local_workspace.services.workspace_registry import urls as registry_off_urls
from local_workspace.services.workspace_registry.responses import DisabledRegistryResponses
from local_workspace.services.commands import urls as commands_urls
from local_workspace.services.commands.models import CommandExecution
from local_workspace.services.commands.responses import CommandsResponses
from local_workspace.services.secrets import urls as secrets_urls
from local_workspace.services.secrets.models import SecretStore
from local_workspace.services.secrets.responses import SecretsResponses
from local_workspace.ui.site import UiSite
from local_workspace.principals import Principals
from local_workspace.services.token_management import urls as token_management_urls
from local_workspace.services.token_management.responses import TokenManagementResponses

log = logging.getLogger("local_workspace")
USER = "local-user@workspace.local"
INTERRUPTED = ("The workspace stopped while this run was in progress (it was killed or crashed); "
               "the run was marked failed when the workspace restarted.")


class Workspace:
    def __init__(self, root: Path, token: str | None = None, profile: str | None = None):
        self.dirs = WorkspaceDirs(Path(root).resolve()).create()
        self.profile = load_or_create_profile(self.dirs.root, profile)
        self.token = load_or_create_token(self.dirs, token)
        self.port: int | None = None
        self.db = Database(self.dirs.database)
        self.workspace_id = str(int(hashlib.sha256(str(self.dirs.root).encode()).hexdigest()[:12], 16))
        self.unity_catalog = UnityCatalog(self.db, self.dirs.volumes, self.profile, USER, self.workspace_id)
        self.volume_files = VolumeFiles(self.unity_catalog)
        self.dbfs = Dbfs(self.dirs.dbfs, self.volume_files, self.profile.dbfs_root)
        self.tree = WorkspaceTree(self.db, self.dirs.workspace_files, USER)
        self.fuse = FuseView(self.dirs.dbfs, self.dirs.workspace_files, self.dirs.volumes, self.profile.dbfs_root)
        self.repos = Repos(self.db, self.tree, USER, self.dirs.root / "repos-staging")
        self.jobs = Jobs(self.db, USER, self.base_url)
        self.clusters = ClusterManager(self.db, self.dirs, self.cluster_environment, self.profile.min_runtime,
                                       mounts=mount_table(self.dirs, dbfs_root=self.profile.dbfs_root))
        self.all_purpose = AllPurposeClusters(self.clusters)
        self.libraries = ClusterLibraries(self.clusters, self.all_purpose, self.fuse)
        self.executor = RunExecutor(self.jobs, self.clusters, self.dirs.runs, self.fuse, self.redact,
                                    all_purpose=self.all_purpose)
        self.principals = Principals(self.dirs.root / "principals", USER, self.token)
        self.secrets = SecretStore(self.dirs.root / "secrets", USER, self.principals.exists)
        self.commands = CommandExecution(self.clusters, self.redact)
        self.uc_models = UcModelRegistry(self.db, self.dirs.root / "uc-models", USER, self.unity_catalog)
        self._recover()
        self.scheduler = Scheduler(self.jobs)  # scheduled jobs start their own runs
        self.scheduler.start()

    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def allowed_hosts(self) -> set[str]:
        return {HOST_NAME, f"127.0.0.1:{self.port}", f"localhost:{self.port}"}

    def redact(self, text: str) -> str:
        """Every token and secret value, as [REDACTED] (run output, command results, pages)."""
        if not text:
            return text
        for hidden in (self.token, *self.secrets.values()):
            text = text.replace(hidden, "[REDACTED]")
        return self.principals.redact_tokens(text)  # a service principal's token, in its own context

    def cluster_environment(self) -> dict[str, str]:
        """What every cluster is given: the workspace's address and a token, as on Databricks,
        plus where its Spark warehouse lives (Sail keeps its catalog in memory).

        No registry URI on a Unity Catalog workspace: a Databricks cluster sets none, and MLflow 3
        (as on runtime 17.3 ML) then takes `databricks-uc` for the tracking URI `databricks`. A
        legacy workspace's clusters keep its workspace registry, `databricks`."""
        environment = {
            "DATABRICKS_HOST": self.base_url(), "DATABRICKS_TOKEN": self.token, "MLFLOW_TRACKING_URI": "databricks",
            "SPARK_WAREHOUSE_DIR": str(self.dirs.warehouse), "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
        }
        if self.profile.workspace_registry:
            environment["MLFLOW_REGISTRY_URI"] = "databricks"
        if self.profile.default_catalog:  # Spark's catalogs are the workspace's Unity Catalog
            catalogs = [c["name"] for c in self.unity_catalog.list_catalogs()]
            environment.update(sail_catalog_env(self.base_url(), self.token, catalogs, self.profile.default_catalog))
        return environment

    def _recover(self) -> None:
        """After a crash: runs left active are failed, and their processes ended."""
        end_processes_under(self.dirs.runs)
        failed = self.jobs.fail_interrupted_runs(INTERRUPTED)
        if failed:
            log.warning("Marked %d interrupted run(s) failed: %s", len(failed), ", ".join(map(str, failed)))
        self.clusters.end_orphans("The workspace stopped while the cluster was running")

    def wsgi(self) -> Gateway:
        mlflow_server = MlflowServer(f"sqlite:///{self.dirs.mlflow / 'mlflow.db'}", self.fuse.dbfs_file)
        mlflow_api = MlflowResponses(mlflow_server, self.dirs.dbfs, self.token.encode() + b"/signed", self.base_url)
        uc_registry_api = UcRegistryResponses(self.uc_models, self.token.encode() + b"/uc-default-storage",
                                              self.base_url)
        routes = [
            *dbfs_urls.routes(DbfsResponses(self.dbfs)),
            *workspace_urls.routes(WorkspaceResponses(self.tree)),
            *repos_urls.routes(ReposResponses(self.repos)),
            *jobs_urls.routes(JobsResponses(self.jobs, self.executor)),
            *clusters_urls.routes(ClustersResponses(self.clusters, self.all_purpose)),
            *libraries_urls.routes(LibrariesResponses(self.libraries)),
            *scim_urls.routes(ScimResponses(self.principals)),
            *(mlflow_urls.routes(mlflow_api) if self.profile.workspace_registry else
              registry_off_urls.routes(DisabledRegistryResponses())),
            *unity_catalog_urls.routes(UnityCatalogResponses(self.unity_catalog)),
            *files_urls.routes(FilesResponses(self.volume_files)),
            *commands_urls.routes(CommandsResponses(self.commands)),
            *secrets_urls.routes(SecretsResponses(self.secrets)),
            *uc_registry_urls.routes(uc_registry_api),
            *uc_models_urls.routes(CatalogModelsResponses(self.uc_models)),
            *token_management_urls.routes(TokenManagementResponses(self.principals)),
        ]
        public_routes = [*mlflow_urls.public_routes(mlflow_api), *uc_registry_urls.public_routes(uc_registry_api)]
        return Gateway(self.token, self.allowed_hosts, routes, public_routes,
                       mlflow_server, mlflow_urls.MLFLOW_PREFIXES, self.workspace_id,
                       UiSite(self.token, self.jobs, self.executor, self.all_purpose), principals=self.principals)

    def close(self) -> None:
        self.scheduler.stop()
        self.executor.shutdown()
        self.executor.wait_idle(30)
        self.all_purpose.stop()
        self.clusters.stop_all()
        self.db.close()

