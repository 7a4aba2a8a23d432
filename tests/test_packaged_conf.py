"""The wheel carries the configs: a job given no --env-file/--conf-file, run outside a checkout
(as on a cluster), reads them from the installed package, not from a file in the DBFS root."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
READER = """
from telco_churn.config.environment import load_environment
from telco_churn.job_options import parse_job_options
options = parse_job_options(["--env", "prod"], "model-train", "model_train.yml")
env = load_environment(options.env_file, options.env)
print(options.env_file)
print(options.conf_file)
print(env.table("features"), env.registered_model_name, env.model_registry)
"""


def test_an_installed_wheel_reads_its_own_configs(tmp_path):
    # Built as dbx builds it (pip wheel --no-deps), from a copy of what the wheel is made of, so
    # that setuptools' build/ folder is not left in the checkout.
    source = tmp_path / "src"
    for part in ("telco_churn", "conf"):
        shutil.copytree(REPO / part, source / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "setup.py", source)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                    str(tmp_path / "dist"), str(source)], check=True, capture_output=True, cwd=tmp_path, timeout=300)
    (wheel,) = (tmp_path / "dist").glob("telco_churn-*.whl")
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    outside = tmp_path / "cluster-cwd"
    outside.mkdir()
    done = subprocess.run([sys.executable, "-c", READER], cwd=outside, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(site)})
    assert done.returncode == 0, done.stderr[-2000:]
    env_file, conf_file, names = done.stdout.splitlines()
    assert env_file == str(site / "telco_churn" / "conf" / "environments.yml")
    assert conf_file == str(site / "telco_churn" / "conf" / "job_configs" / "model_train.yml")
    assert names == "prod.telco_churn.churn_features prod.telco_churn.telco_churn aliases"
