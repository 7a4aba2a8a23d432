"""Where a workspace keeps its state, and its token (made once, stored with mode 0600)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

TOKEN_FILE = "token"
HOST_NAME = "workspace.local"  # what clients behind the proxy call the workspace; any name works


@dataclass(frozen=True)
class WorkspaceDirs:
    root: Path

    @property
    def database(self) -> Path:
        return self.root / "workspace.db"

    @property
    def dbfs(self) -> Path:
        return self.root / "dbfs"

    @property
    def workspace_files(self) -> Path:
        return self.root / "workspace"

    @property
    def volumes(self) -> Path:
        """/Volumes/<catalog>/<schema>/<volume>/... lives here."""
        return self.root / "volumes"

    @property
    def clusters(self) -> Path:
        return self.root / "clusters"

    @property
    def runs(self) -> Path:
        return self.root / "runs"

    @property
    def mlflow(self) -> Path:
        return self.root / "mlflow"

    @property
    def warehouse(self) -> Path:
        # Databricks' DBFS-root warehouse is dbfs:/user/hive/warehouse; so is ours.
        return self.dbfs / "user" / "hive" / "warehouse"

    @property
    def server_file(self) -> Path:
        return self.root / "server.json"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def create(self) -> "WorkspaceDirs":
        for folder in (self.root, self.dbfs, self.workspace_files, self.clusters, self.runs, self.mlflow, self.warehouse,
                       self.volumes):
            folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        return self


def load_or_create_token(dirs: WorkspaceDirs, explicit: str | None = None) -> str:
    """The workspace token: explicit (then stored), else the stored one, else a new one."""
    path = dirs.root / TOKEN_FILE
    if explicit:
        token = explicit
    elif path.is_file():
        return path.read_text(encoding="utf-8").strip()
    else:
        token = "dapi" + secrets.token_hex(16)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token)
    os.chmod(path, 0o600)
    return token


def read_token(dirs: WorkspaceDirs) -> str | None:
    path = dirs.root / TOKEN_FILE
    return path.read_text(encoding="utf-8").strip() if path.is_file() else None
