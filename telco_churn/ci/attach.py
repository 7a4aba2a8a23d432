"""What a notebook that imports the package needs beside it on the workspace: the project's
conf/ (found from the notebook's folder up, as in a checkout) and its wheel as a library."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from telco_churn.ci.errors import CiError
from telco_churn.ci.wheel import build_wheel, upload_wheel
from telco_churn.ci.wheel_location import WheelDir, ensure_volume
from telco_churn.ci.workspace_files import import_files, local_files


def project_dir(explicit: str | None) -> Path:
    from telco_churn.paths import project_root

    return Path(explicit) if explicit else project_root()


def import_conf(client, project: Path, notebook_dir: str) -> list[str]:
    return import_files(client, local_files(project / "conf"), f"{notebook_dir.rstrip('/')}/conf")


def attach_wheel(client, project: Path, scratch: Path, place: WheelDir, wheel: str | None,
                 say: Callable[[str], None]) -> tuple[str, list[dict]]:
    """(its path, the run's libraries) for the given wheel or one built from the checkout, uploaded
    into place (a volume, created when missing, or the DBFS root of a legacy workspace)."""
    built = Path(wheel) if wheel else build_wheel(project, scratch / "dist")
    if not built.is_file():
        raise CiError(f"--wheel {built}: no such file", exit_code=2)
    for created in ensure_volume(client, place):
        say(f"  created {created}")
    target = upload_wheel(client, built, place.target(built.name))
    say(f"  {built.name} -> {target}")
    return target, [{"whl": target}]
