"""The git branch this code runs for: $BRANCH_NAME (CI systems set it), else git's checkout."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

BRANCH_VAR = "BRANCH_NAME"


def current_branch(folder: str | Path | None = None) -> str | None:
    """The branch name, or None when neither $BRANCH_NAME nor a git checkout tells it."""
    named = os.environ.get(BRANCH_VAR, "").strip()
    if named:
        return named.removeprefix("refs/heads/")
    try:
        # symbolic-ref: also right in a repository with no commit yet; fails when detached.
        done = subprocess.run(["git", "symbolic-ref", "--short", "-q", "HEAD"], cwd=folder, capture_output=True,
                              text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    name = done.stdout.strip()
    return name if done.returncode == 0 and name else None


def path_segment(branch: str) -> str:
    """A branch name as one workspace path segment: `feature/x` -> `feature-x`."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", branch).strip("-.") or "branch"
