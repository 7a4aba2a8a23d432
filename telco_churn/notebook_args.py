"""Widget values of the notebooks in notebooks/ as a job's command line, so that the notebooks
run the same jobs, with the same checks, as the wheel's console scripts."""

from __future__ import annotations


def job_argv(env: str, branch: str = "", database: str = "", experiment: str = "",
             sets: dict[str, object] | None = None, catalog: str = "") -> list[str]:
    """`--env ENV` plus `--env-set`/`--set` options for the widgets that are not empty.

    An explicit experiment is used as given: per-branch experiments are then switched off.
    """
    argv = ["--env", env]
    env_sets = {"catalog": catalog, "branch": branch, "database": database, "experiments.training": experiment}
    if experiment:
        env_sets["branch_experiments"] = "false"
    argv += [x for key, value in env_sets.items() if value for x in ("--env-set", f"{key}={value}")]
    argv += [x for key, value in (sets or {}).items() if value not in ("", None) for x in ("--set", f"{key}={value}")]
    return argv
