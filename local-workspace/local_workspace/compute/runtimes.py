"""The Python libraries of a Databricks Runtime: a table by `spark_version`, and one virtualenv per
runtime built once per machine with uv, which every cluster of that runtime sees as its libraries.

A `spark_version` that no entry matches keeps the workspace's own environment (the project's .venv).
The environments live in a cache folder shared by every workspace and test session of the machine:
    $LOCAL_WORKSPACE_RUNTIMES, else $XDG_CACHE_HOME/local-workspace/runtimes, else ~/.cache/...
Build them ahead (`make runtimes`, which `make test` runs) with
    python -m local_workspace.compute.runtimes [--print]
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

# Imports what a task imports, once at build time, so that Python writes its bytecode then (uv
# compiles nothing, and compiling every installed module would cost a minute of CPU).
WARM_UP = Path(__file__).resolve().parent / "zygote_main.py"
ML_17_3_SOURCE = "https://docs.databricks.com/aws/en/release-notes/runtime/17.3lts-ml"


@dataclass(frozen=True)
class Runtime:
    """A runtime family: its `spark_version` pattern and the libraries its release notes list."""

    name: str
    pattern: str  # a regular expression matched at the start of spark_version
    source: str  # the release notes the versions come from
    libraries: dict[str, str]  # distribution -> version, as the release notes list them
    # What the local cluster needs besides (its Spark engine and client); not the runtime's.
    engine: tuple[str, ...] = ()
    # Libraries of the release notes that are not installed here, and why.
    not_installed: dict[str, str] = field(default_factory=dict)

    def matches(self, spark_version: object) -> bool:
        return isinstance(spark_version, str) and re.match(self.pattern, spark_version) is not None

    def requirements(self) -> list[str]:
        return [f"{name}=={version}" for name, version in self.libraries.items()] + list(self.engine)

    @property
    def key(self) -> str:
        """The environment's folder name: a change of the table builds a new one."""
        digest = hashlib.sha256("\n".join([sys.version.split()[0], *self.requirements()]).encode()).hexdigest()
        return f"{self.name}-py{sys.version_info[0]}{sys.version_info[1]}-{digest[:10]}"


RUNTIMES: tuple[Runtime, ...] = (
    Runtime(
        name="17.3-lts-ml",
        pattern=r"17\.3\.x-cpu-ml-",
        source=ML_17_3_SOURCE,
        libraries={
            # The six this project depends on (release notes: "Installed Python libraries").
            "mlflow-skinny": "3.0.1",
            "scikit-learn": "1.6.1",
            "pandas": "2.2.3",
            "numpy": "2.1.3",
            "pyarrow": "19.0.1",
            "databricks-feature-engineering": "0.12.1",
            # Their neighbours in the same table that a model or a task touches.
            "databricks-sdk": "0.49.0",
            "scipy": "1.15.1",
            "cloudpickle": "3.0.0",
            "joblib": "1.4.2",
            "threadpoolctl": "3.5.0",
            "pydantic": "2.10.6",
            "pyyaml": "6.0.2",
            "protobuf": "5.29.4",
            "setuptools": "74.0.0",
        },
        # The runtime's Spark is Apache Spark 4.0.0 inside the JVM; here a Spark Connect server
        # (Sail, as on the laptop) and the Spark 4.0 client, whose protobuf range admits 5.29.
        engine=("pysail==0.7.2", "pyspark-client==4.0.0"),
        not_installed={
            "Python 3.12.3": "the runtime's interpreter; the environment uses this machine's Python "
                             f"{sys.version_info[0]}.{sys.version_info[1]}",
            "pyspark 4.0.0 (classic)": "the runtime's JVM Spark; clusters here run Sail with pyspark-client 4.0.0",
            "databricks.feature_engineering (import)": "databricks-feature-engineering 0.12.1 is installed, but "
                "importing its client needs classic pyspark's SparkContext and py4j (the runtime's JVM Spark); "
                "local clusters use the project's local feature store",
        },
    ),
)


def runtime_for(spark_version: object) -> Runtime | None:
    """The table's entry for a cluster's spark_version; None keeps the workspace's own environment."""
    return next((runtime for runtime in RUNTIMES if runtime.matches(spark_version)), None)


def cache_root() -> Path:
    explicit = os.environ.get("LOCAL_WORKSPACE_RUNTIMES")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "local-workspace" / "runtimes"


class RuntimeBuildError(Exception):
    """A runtime's environment could not be built."""


def uv_command() -> list[str]:
    beside = Path(sys.executable).parent / "uv"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("uv")
    return [found] if found else [sys.executable, "-m", "uv"]


def base_python() -> str:
    return getattr(sys, "_base_executable", None) or sys.executable


def site_packages(env_dir: Path) -> Path:
    return next((env_dir / "lib").glob("python3*/site-packages"))


def environment(runtime: Runtime, root: Path | None = None) -> Path:
    """The runtime's virtualenv, built if missing. A file lock makes concurrent callers (xdist
    workers, two workspaces) wait for one build; `.complete`, written last, marks a whole one."""
    folder = (root or cache_root()) / runtime.key
    done = folder / ".complete"
    if done.exists():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f"{runtime.key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.exists():
            return folder
        shutil.rmtree(folder, ignore_errors=True)  # a build that died half-way
        log = folder.parent / f"{runtime.key}.log"
        # PYTHONDONTWRITEBYTECODE off: the warm-up writes the bytecode of what tasks import.
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE")}
        python = str(folder / "bin" / "python")
        steps = [[*uv_command(), "venv", "--quiet", "--python", base_python(), str(folder)],
                 [*uv_command(), "pip", "install", "--python", python, *runtime.requirements()],
                 [python, str(WARM_UP)]]
        with log.open("w") as out:
            for step in steps:
                if subprocess.run(step, stdout=out, stderr=subprocess.STDOUT, env=env).returncode:
                    shutil.rmtree(folder, ignore_errors=True)
                    tail = "\n".join(log.read_text(errors="replace").strip().splitlines()[-12:])
                    raise RuntimeBuildError(f"Could not build the libraries of Databricks Runtime {runtime.name} "
                                            f"({log}):\n{tail}")
        done.write_text(" ".join(runtime.requirements()) + "\n")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Builds the runtimes' environments (once per machine).")
    parser.add_argument("--print", action="store_true", help="print the table and the environments' folders")
    args = parser.parse_args(argv)
    for runtime in RUNTIMES:
        started = time.monotonic()
        folder = environment(runtime)
        if args.print:
            print(f"{runtime.name} ({runtime.pattern}): {folder} [{time.monotonic() - started:.1f} s]")
            for requirement in runtime.requirements():
                print(f"  {requirement}")
            for what, why in runtime.not_installed.items():
                print(f"  not as on Databricks: {what}: {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
