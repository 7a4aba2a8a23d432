"""Repos: real git clones shown in the workspace tree under /Repos/<folder>/<name>.

Only local git repositories (a path or a file:// URL) can be cloned: this workspace has no
network. Each clone's files are registered in the tree, so they can be listed, exported and
run by their /Repos/... path (notebook_task, spark_python_task).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

from local_workspace.errors import InvalidParameterValue, ResourceAlreadyExists, ResourceDoesNotExist
from local_workspace.paths import clean_path, on_disk
from local_workspace.services.repos import git
from local_workspace.services.workspace.models import WorkspaceTree, detect
from local_workspace.store import Database

PROVIDERS = ("gitHub", "bitbucketCloud", "gitLab", "azureDevOpsServices", "gitHubEnterprise",
             "bitbucketServer", "gitLabEnterpriseEdition", "awsCodeCommit")
PAGE = 20
SCHEMA = """CREATE TABLE IF NOT EXISTS repos (
    repo_id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, url TEXT NOT NULL, provider TEXT NOT NULL,
    branch TEXT, head_commit_id TEXT NOT NULL)"""


def local_source(url: object) -> str:
    """The folder of a local git repository given as a path or a file:// URL; 400 otherwise."""
    if not isinstance(url, str) or not url:
        raise InvalidParameterValue("Missing required field: url")
    if url.startswith("file://"):
        path = unquote(urlparse(url).path)
    elif url.startswith("/"):
        path = url
    else:
        raise InvalidParameterValue(f"url '{url}': this local workspace clones only local repositories "
                                    "(an absolute path or a file:// URL); it has no network")
    if not os.path.isdir(path):
        raise InvalidParameterValue(f"url '{url}': {path} is not a folder")
    return path


def provider_of(value: object) -> str:
    found = {p.lower(): p for p in PROVIDERS}.get(str(value).lower()) if isinstance(value, str) else None
    if found is None:
        raise InvalidParameterValue(f"Invalid provider '{value}'; valid: {', '.join(PROVIDERS)}")
    return found


class Repos:
    def __init__(self, db: Database, tree: WorkspaceTree, user: str, staging: Path):
        self.db, self.tree, self.user, self.staging = db, tree, user, Path(staging)
        with db.transaction() as conn:
            conn.execute(SCHEMA)

    def _row(self, repo_id: object):
        try:
            number = int(repo_id)
        except (TypeError, ValueError):
            raise InvalidParameterValue(f"Repo id '{repo_id}' is not a number") from None
        row = self.db.one("SELECT * FROM repos WHERE repo_id = ?", (number,))
        if row is None:
            raise ResourceDoesNotExist(f"Repo {number} does not exist.")
        return row

    def _path(self, path: object, url: str) -> str:
        if path is None:
            name = Path(url.rstrip("/")).name.removesuffix(".git") or "repo"
            path = f"/Repos/{self.user}/{name}"
        clean = clean_path(path, "path")
        if len(clean.split("/")) != 4 or not clean.startswith("/Repos/"):
            raise InvalidParameterValue(f"path '{clean}' must be /Repos/<folder>/<repo name>")
        try:
            self.tree.get_status(clean)
        except ResourceDoesNotExist:
            return clean
        raise ResourceAlreadyExists(f"Path ({clean}) already exists.")

    def create(self, url: object, provider: object, path: object = None) -> dict:
        source = local_source(url)
        kind = provider_of(provider)
        clean = self._path(path, source)
        self.staging.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(dir=self.staging, prefix="clone-"))
        try:
            git.clone(source, scratch / "repo")  # a failed clone leaves nothing in the tree
            branch, commit = git.head(scratch / "repo")
            self.tree.mkdirs(clean, "REPO")
            try:
                target = on_disk(self.tree.root, clean)
                target.rmdir()
                os.replace(scratch / "repo", target)
                repo_id = self.tree.get_status(clean).object_id  # as on Databricks: the repo's object id
                with self.db.transaction() as conn:
                    conn.execute("INSERT INTO repos VALUES (?, ?, ?, ?, ?, ?)", (repo_id, clean, url, kind, branch, commit))
                    self._register_files(conn, clean, target)
            except BaseException:
                self.tree.delete(clean, recursive=True)
                raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return self.get(repo_id)

    def update(self, repo_id: object, branch: object, tag: object) -> None:
        row = self._row(repo_id)
        if (branch is None) == (tag is None):
            raise InvalidParameterValue("Give exactly one of branch or tag")
        for name, value in (("branch", branch), ("tag", tag)):
            if value is not None and (not isinstance(value, str) or not value or value.startswith("-")):
                raise InvalidParameterValue(f"Field '{name}' must be a branch or tag name, got {value!r}")
        folder = on_disk(self.tree.root, row["path"])
        git.checkout(folder, branch, tag)
        now_branch, commit = git.head(folder)
        with self.db.transaction() as conn:
            conn.execute("UPDATE repos SET branch = ?, head_commit_id = ? WHERE repo_id = ?",
                         (now_branch, commit, row["repo_id"]))
            self._register_files(conn, row["path"], folder)

    def delete(self, repo_id: object) -> None:
        row = self._row(repo_id)
        try:
            self.tree.delete(row["path"], recursive=True)
        except ResourceDoesNotExist:
            pass  # already removed through the Workspace API
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM repos WHERE repo_id = ?", (row["repo_id"],))

    def get(self, repo_id: object) -> dict:
        return _render(self._row(repo_id))

    def list(self, path_prefix: object = None, page_token: object = None) -> tuple[list[dict], str | None]:
        prefix = path_prefix if isinstance(path_prefix, str) else ""
        try:
            offset = int(page_token or 0)
        except ValueError:
            raise InvalidParameterValue(f"Invalid next_page_token '{page_token}'") from None
        rows = [r for r in self.db.query("SELECT * FROM repos ORDER BY path") if r["path"].startswith(prefix)]
        page = rows[offset: offset + PAGE]
        more = offset + PAGE < len(rows)
        return [_render(r) for r in page], str(offset + PAGE) if more else None

    def _register_files(self, conn, repo_path: str, folder: Path) -> None:
        """The checkout's folders, notebooks and files as workspace objects (.git excluded)."""
        prefix = repo_path + "/"
        conn.execute("DELETE FROM workspace_objects WHERE substr(path, 1, ?) = ?", (len(prefix), prefix))
        now = int(time.time() * 1000)
        for current, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d != ".git")
            relative = os.path.relpath(current, folder)
            base = repo_path if relative == "." else f"{repo_path}/{relative}"
            entries = [(d, "DIRECTORY", None) for d in dirs]
            for name in sorted(files):
                with open(os.path.join(current, name), "rb") as handle:
                    first = handle.readline()
                entries.append((name, *detect(name, first, "AUTO", None)))
            for name, kind, language in entries:
                conn.execute("INSERT INTO workspace_objects VALUES (?, ?, ?, ?, ?, ?)",
                             (f"{base}/{name}", kind, language, self.db.next_id(conn, "object_id", 1000), now, now))


def _render(row) -> dict:
    out = {"id": row["repo_id"], "path": row["path"], "url": row["url"], "provider": row["provider"],
           "head_commit_id": row["head_commit_id"]}
    if row["branch"]:
        out["branch"] = row["branch"]
    return out
