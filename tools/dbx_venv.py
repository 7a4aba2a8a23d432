"""dbx in its own virtualenv (.venv-dbx, from requirements-dbx.txt): `make dbx` and the tests.

    python tools/dbx_venv.py
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DBX_VENV = REPO / ".venv-dbx"
REQUIREMENTS_DBX = REPO / "requirements-dbx.txt"
# `dbx deploy` and `dbx execute` build the wheel with this venv's `pip wheel`. With pip's default
# build isolation, each build makes a throwaway env and fetches setuptools from the index: 5-6
# CPU-s and 8-12 s of network per build. The venv's own pinned setuptools (requirements-dbx.txt)
# builds the same wheel offline in 2 s. pip reads this site config (sys.prefix/pip.conf); its
# `no-` options take the inverse value in config files: `false` here turns isolation off.
PIP_CONF = DBX_VENV / "pip.conf"
PIP_CONF_TEXT = "# tools/dbx_venv.py: build wheels with this venv's setuptools, offline.\n[wheel]\nno-build-isolation = false\n"


def ensure_dbx_venv() -> Path:
    """.venv-dbx/bin/python with requirements-dbx.txt installed; rebuilt when that file changes.

    Several test workers may ask at once: one builds while the others wait on a lock.
    """
    import fcntl

    with open(REPO / ".venv-dbx.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _ensure()


def _ensure() -> Path:
    python = DBX_VENV / "bin" / "python"
    stamp = DBX_VENV / ".requirements-dbx.sha256"
    digest = hashlib.sha256(REQUIREMENTS_DBX.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == digest:
        _write_pip_conf()
        return python
    uv = shutil.which("uv") or shutil.which("uv", path=str(Path(sys.executable).parent))
    if uv:
        steps = [[uv, "venv", "--allow-existing", "--python", sys.executable, str(DBX_VENV)],
                 # Not every module compiled: only what dbx imports (below), a fraction of the whole.
                 [uv, "pip", "sync", "--python", str(python), str(REQUIREMENTS_DBX)]]
    else:  # slower, but needs nothing beyond the standard library
        steps = [[sys.executable, "-m", "venv", str(DBX_VENV)],
                 [str(python), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS_DBX)]]
    # The bytecode of what every dbx command imports, written once here: a machine that sets
    # PYTHONDONTWRITEBYTECODE (ours do, outside `make`) would otherwise compile it in each dbx
    # process, 15-20 s of a `dbx execute` or `dbx launch` at a load of 10.
    steps.append([str(python), "-c", "import dbx.cli, databricks.sdk, mlflow.store.tracking.rest_store"])
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False, env=env)
        assert done.returncode == 0, f"{' '.join(step)} failed:\n{done.stdout}\n{done.stderr}"
    _write_pip_conf()
    stamp.write_text(digest)
    return python


def _write_pip_conf() -> None:
    if not PIP_CONF.exists() or PIP_CONF.read_text() != PIP_CONF_TEXT:
        PIP_CONF.write_text(PIP_CONF_TEXT)


if __name__ == "__main__":
    print(ensure_dbx_venv().parent.parent)
