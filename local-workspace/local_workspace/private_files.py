"""Files only the workspace's user may read: credentials and secrets, mode 0600 in a 0700 folder."""

from __future__ import annotations

import json
import os
from pathlib import Path


def private_folder(folder: Path) -> Path:
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)
    return folder


def write_private_json(path: Path, value) -> None:
    """Replaces `path` at once (a reader never sees half a file) with a 0600 file holding `value`."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(value, handle)
    os.replace(tmp, path)
