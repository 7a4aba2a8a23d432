"""The git commands behind a repo: clone, fetch, checkout, head. Errors name the command."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from local_workspace.errors import InvalidParameterValue


def git(*args: str, cwd: Path | None = None) -> str:
    # No terminal prompt and no user config: a repo operation must never wait or vary by user.
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1"}
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)
    if done.returncode:
        raise InvalidParameterValue(f"git {args[0]} failed: {(done.stderr or done.stdout).strip()[-1500:]}")
    return done.stdout.strip()


def clone(url: str, destination: Path) -> None:
    git("clone", "--quiet", "--no-local", url, str(destination))


def checkout(folder: Path, branch: str | None, tag: str | None) -> None:
    """Fetches, then checks out a branch (as origin has it) or a tag; local edits are discarded."""
    git("fetch", "--quiet", "--prune", "--tags", "--force", "origin", cwd=folder)
    if branch is not None:
        if not git("ls-remote", "--heads", "origin", branch, cwd=folder):
            raise InvalidParameterValue(f"Branch '{branch}' does not exist in the remote repository")
        git("checkout", "--quiet", "--force", "-B", branch, f"origin/{branch}", cwd=folder)
    else:
        if not git("tag", "--list", tag, cwd=folder):
            raise InvalidParameterValue(f"Tag '{tag}' does not exist in the remote repository")
        git("checkout", "--quiet", "--force", "--detach", f"refs/tags/{tag}", cwd=folder)
    git("clean", "--quiet", "-fdx", cwd=folder)


def head(folder: Path) -> tuple[str | None, str]:
    """(branch or None when detached, commit id) of the checkout."""
    branch = git("rev-parse", "--abbrev-ref", "HEAD", cwd=folder)
    return (None if branch == "HEAD" else branch), git("rev-parse", "HEAD", cwd=folder)
