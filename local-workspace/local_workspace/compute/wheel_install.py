"""The fast path of a cluster's library install: wheel files whose requirements the cluster already
satisfies.

For such wheels pip only checks the requirements against the runtime's libraries and unpacks the
files, at about 2 s of CPU per cluster (its own start-up, twice: `pip --python` runs pip again in
the cluster's interpreter). uv unpacks them in a tenth of that, but it cannot see libraries that a
.pth file adds (the runtime's), so it would install every requirement again. Here the requirements
are checked first, against the cluster's environment and then the runtime's libraries (sys.path's
order); only when every one is met does uv install the wheels, without dependencies. Anything else
(a requirement missing or of another version, extras, a URL, a PyPI spec, `-r`) is pip's, with pip's
resolution and its own error messages, as on Databricks.
"""

from __future__ import annotations

import functools
import os
import zipfile
from email.parser import Parser
from importlib.metadata import distributions
from pathlib import Path
from typing import Iterable, Sequence

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name


def wheel_requirements(wheel: Path) -> list[str]:
    """The wheel's Requires-Dist lines (from its .dist-info/METADATA)."""
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        return Parser().parsestr(archive.read(metadata).decode("utf-8")).get_all("Requires-Dist") or []


def installed_versions(site_dirs: Iterable[str | Path]) -> dict[str, str]:
    """{canonical name: version} of the distributions in site_dirs; the first folder wins, as on sys.path."""
    found: dict[str, str] = {}
    for folder in site_dirs:
        try:
            changed = os.stat(folder).st_mtime_ns
        except OSError:
            continue
        for name, version in _versions_in(str(folder), changed):
            found.setdefault(name, version)
    return found


@functools.lru_cache(maxsize=64)
def _versions_in(folder: str, changed: int) -> tuple[tuple[str, str], ...]:
    """One folder's distributions, read once while it stays as it is (`changed`, its mtime, moves
    when a distribution is added or removed): a runtime's ~80 cost ~80 ms of CPU at every install."""
    return tuple((canonicalize_name(dist.metadata["Name"]), dist.version)
                 for dist in distributions(path=[folder]) if dist.metadata["Name"])


def unmet(requirements: Iterable[str], installed: dict[str, str]) -> list[str]:
    """The requirements that the installed versions do not meet (or that this check cannot judge)."""
    missing = []
    for text in requirements:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            missing.append(text)
            continue
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue  # another platform's, or an extra nobody asked for
        have = installed.get(canonicalize_name(requirement.name))
        if requirement.url or requirement.extras or have is None or \
                not requirement.specifier.contains(have, prereleases=True):
            missing.append(text)
    return missing


def fast_wheels(specs: Sequence[str], site_dirs: Sequence[str | Path]) -> list[str] | None:
    """specs as wheel paths when every spec is a local wheel whose requirements are all met; else None."""
    if not specs or not all(s.endswith(".whl") and Path(s).is_file() for s in specs):
        return None
    installed = installed_versions(site_dirs)
    for spec in specs:
        try:
            requirements = wheel_requirements(Path(spec))
        except (OSError, zipfile.BadZipFile, StopIteration, UnicodeDecodeError):
            return None  # pip words what is wrong with it
        if unmet(requirements, installed):
            return None
    return list(specs)
