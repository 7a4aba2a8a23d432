"""The command line every job accepts, parsed once."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from telco_churn.engine import ENGINES
from telco_churn.paths import default_env_file, default_job_conf, project_root

_FILE_PREFIXES = ("file:fuse://", "file://")


@dataclass(frozen=True)
class JobOptions:
    conf_file: Path
    env_file: Path
    env: str
    overrides: tuple[str, ...]
    env_overrides: tuple[str, ...]
    engine: str | None
    workspace_dir: str | None


def local_path(reference: str | Path) -> Path:
    """A dbx `file://` or `file:fuse://` reference, or a plain path, as a local path."""
    text = str(reference)
    for prefix in _FILE_PREFIXES:
        if text.startswith(prefix):
            relative = Path(text[len(prefix):])
            return relative if relative.is_absolute() else project_root() / relative
    return Path(text)


def parse_job_options(argv: Sequence[str] | None, job_name: str, conf_name: str) -> JobOptions:
    parser = argparse.ArgumentParser(prog=f"telco-churn-{job_name}", description=f"Run the {job_name} job.")
    parser.add_argument("--conf-file", default=None, help=f"job config YAML (default conf/job_configs/{conf_name})")
    parser.add_argument("--env-file", default=None, help="environments YAML (default conf/environments.yml)")
    parser.add_argument("--env", default="local", help="environment: local, dev, staging or prod (default local)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a job config value, e.g. model_params.max_depth=8 (repeatable)")
    parser.add_argument("--env-set", dest="env_overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override an environment setting, e.g. database=scratch (repeatable)")
    parser.add_argument("--engine", choices=ENGINES, default=None,
                        help="Spark engine (default: $TELCO_CHURN_ENGINE, else databricks on a cluster, sail elsewhere)")
    parser.add_argument("--workspace-dir", default=None,
                        help="local lakehouse and MLflow folder (default: $TELCO_CHURN_HOME, else <checkout>/.lakehouse)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    return JobOptions(
        conf_file=local_path(args.conf_file) if args.conf_file else default_job_conf(conf_name),
        env_file=local_path(args.env_file) if args.env_file else default_env_file(),
        env=args.env,
        overrides=tuple(args.overrides),
        env_overrides=tuple(args.env_overrides),
        engine=args.engine,
        workspace_dir=args.workspace_dir,
    )
