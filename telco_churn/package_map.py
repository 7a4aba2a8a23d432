"""MLflow's map of installed packages to their modules, kept per environment between processes.

Before logging a model, MLflow checks that the model's requirements match what is installed
(`warn_dependency_requirement_mismatches`). For that it maps every installed distribution to its
modules once per process with `importlib.metadata.packages_distributions()`, which reads the
RECORD file of each distribution without top_level.txt: about a second of CPU here, the largest
single cost of `log_model` in the story. The map depends only on what is installed, so it is kept
in the user's cache folder under a key made of the Python version and what the map is made of (each
distribution's name, version, top-level modules and file names), and handed to MLflow in the next
processes, of this virtualenv or of another with the same distributions. The check itself still
runs, on the same map, and the logged requirements do not change.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from telco_churn.logging_setup import get_logger
from telco_churn.store_template import cache_dir

log = get_logger("tracking")


def _dist_files(folder: str, name: str) -> bytes:
    """What MLflow's map is made of for one distribution: its declared top-level modules and the
    names of its files (RECORD without the hashes and sizes, which differ between checkouts for
    an editable install; an egg-info's file lists as they are)."""
    base, parts = Path(folder) / name, [name.encode()]
    for listing in ("top_level.txt", "RECORD", "SOURCES.txt", "installed-files.txt"):
        try:
            text = (base / listing).read_bytes()
        except OSError:
            continue
        if listing == "RECORD":
            text = b"\n".join(line.split(b",", 1)[0] for line in text.splitlines())
        parts.append(text)
    return b"\0".join(parts)


def _content_key() -> str:
    digest = hashlib.sha256(sys.version.encode())
    for folder in sys.path:
        try:
            names = sorted(e.name for e in os.scandir(folder) if e.name.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
        for name in names:
            digest.update(_dist_files(folder, name))
    return digest.hexdigest()[:24]


def _stat_key() -> str:
    """Cheap (no file read): this interpreter's distributions, where they are and when they were written."""
    parts = [sys.executable, sys.version]
    for folder in sys.path:
        try:
            entries = sorted((e for e in os.scandir(folder) if e.name.endswith((".dist-info", ".egg-info"))),
                             key=lambda e: e.name)
        except OSError:
            continue
        parts += [f"{folder}/{e.name}:{e.stat().st_mtime_ns}" for e in entries]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


def environment_key() -> str:
    """Changes whenever a distribution is installed, removed, or installed with other files on
    sys.path; the same for two virtualenvs that hold the same distributions (a fresh clone's).
    Reading every RECORD takes a tenth of a second, so each environment's key is noted once in
    the cache folder under its cheap stat key."""
    note = cache_dir() / f"environment-{_stat_key()}.key"
    try:
        return note.read_text(encoding="utf-8")
    except OSError:
        pass
    key = _content_key()
    try:
        note.parent.mkdir(parents=True, exist_ok=True)
        scratch = note.with_name(f".{note.name}.{os.getpid()}.tmp")
        scratch.write_text(key, encoding="utf-8")
        os.replace(scratch, note)
    except OSError as exc:
        log.debug("Environment key not noted (%s)", exc)
    return key


def _cache_file() -> Path:
    import mlflow  # mlflow.__version__: a Databricks runtime has only the mlflow-skinny distribution

    return cache_dir() / f"mlflow-{mlflow.__version__}-packages-{environment_key()}.json"


@contextmanager
def shared_package_map():
    """Around a log_model: MLflow's package map from the cache if this environment's is kept there,
    and kept there after MLflow built it otherwise. Any failure leaves MLflow to build it itself."""
    try:
        from mlflow.utils import requirements_utils as reqs
    except ImportError:
        yield
        return
    if not hasattr(reqs, "_MODULES_TO_PACKAGES"):  # another MLflow: it does its own work
        yield
        return
    cache = None
    if reqs._MODULES_TO_PACKAGES is None:
        try:
            cache = _cache_file()
            reqs._MODULES_TO_PACKAGES = json.loads(cache.read_text(encoding="utf-8"))
            cache = None  # nothing to write back
        except (OSError, ValueError):
            pass
    yield
    if cache is not None and isinstance(reqs._MODULES_TO_PACKAGES, dict):
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            scratch = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
            scratch.write_text(json.dumps(reqs._MODULES_TO_PACKAGES), encoding="utf-8")
            os.replace(scratch, cache)  # whole or not at all for a concurrent reader
        except OSError as exc:
            log.debug("MLflow's package map not kept (%s)", exc)
