"""Where the project's files are: the checkout, its conf/ folder and the packaged data."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_FILE = PACKAGE_DIR / "data" / "telco_customer_churn.csv"
WORKSPACE_ENV_VAR = "TELCO_CHURN_HOME"


# The wheel carries conf/ as telco_churn/conf (setup.py), so an installed job needs no config file
# of its own anywhere, least of all in the DBFS root.
PACKAGED_CONF_DIR = PACKAGE_DIR / "conf"


def project_root() -> Path:
    """The checkout holding conf/: found from the working directory up, else beside the package."""
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "conf" / "environments.yml").is_file():
            return folder
    return PACKAGE_DIR.parent


def conf_dir() -> Path:
    """The checkout's conf/ when run from a checkout, else the configs inside the installed wheel."""
    checkout = project_root() / "conf"
    if (checkout / "environments.yml").is_file() or not (PACKAGED_CONF_DIR / "environments.yml").is_file():
        return checkout
    return PACKAGED_CONF_DIR


def default_job_conf(job_conf_name: str) -> Path:
    return conf_dir() / "job_configs" / job_conf_name


def default_env_file() -> Path:
    return conf_dir() / "environments.yml"


def local_workspace_dir(explicit: str | Path | None = None) -> Path:
    """The local lakehouse folder: explicit, else $TELCO_CHURN_HOME, else <checkout>/.lakehouse."""
    chosen = explicit or os.environ.get(WORKSPACE_ENV_VAR) or project_root() / ".lakehouse"
    return Path(chosen).expanduser().resolve()
