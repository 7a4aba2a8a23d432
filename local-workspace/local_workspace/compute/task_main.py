"""Runs one task on a cluster, as the Databricks runtime does, and records its error if it fails.

Run with the cluster's own Python, as a file (it imports nothing of the workspace):
    python task_main.py SPEC.json
SPEC: {"kind": "python_wheel" | "python_file" | "notebook", "package_name", "entry_point", "python_file",
       "parameters": [...], "result_file": "..."}; a notebook's fields are read by notebook_main.py.
"""

import json
import os
import runpy
import sys
import traceback


def _wheel_entry_point(package: str, name: str):
    """The entry point `name` of the installed distribution `package`; else package.name()."""
    from importlib import import_module
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution(package)
    except PackageNotFoundError:
        dist = None
    if dist is not None:
        for entry in dist.entry_points:
            if entry.name == name:
                return entry.load()
    try:
        module = import_module(package)
    except ImportError:
        raise RuntimeError(f"Package '{package}' is not installed on the cluster: attach its wheel to the task's "
                           "libraries") from None
    if hasattr(module, name):
        return getattr(module, name)
    raise RuntimeError(f"Package '{package}' has no entry point '{name}'")


def _record(result_file: str, error: str, trace: str) -> None:
    with open(result_file, "w", encoding="utf-8") as handle:
        json.dump({"error": error, "error_trace": trace}, handle)


def _run_notebook(spec: dict) -> None:
    """A notebook task; its exit value goes to the result file, for runs/get-output."""
    from notebook_main import run_notebook  # beside this file, which runs as a script

    value = run_notebook(spec)
    with open(spec["result_file"], "w", encoding="utf-8") as handle:
        json.dump({"notebook_result": value}, handle)


def _configure_runtime(spec: dict) -> None:
    """What `from databricks.sdk.runtime import dbutils, spark` gives this task (dbruntime, on the cluster's path)."""
    import dbruntime

    dbruntime.configure(spec)


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as handle:
        spec = json.load(handle)
    result_file = spec["result_file"]
    try:
        if spec["kind"] == "notebook":
            _run_notebook(spec)
        elif spec["kind"] == "python_wheel":
            _configure_runtime(spec)
            function = _wheel_entry_point(spec["package_name"], spec["entry_point"])
            sys.argv = [spec["package_name"], *spec["parameters"]]
            function()
        else:
            _configure_runtime(spec)
            path = spec["python_file"]
            sys.argv = [path, *spec["parameters"]]
            sys.path.insert(0, os.path.dirname(path))
            runpy.run_path(path, run_name="__main__")
    except SystemExit as exc:
        code = exc.code
        if code in (None, 0):
            return 0
        if not isinstance(code, int):
            _record(result_file, f"SystemExit: {code}", traceback.format_exc())
            return 1
        return code
    except BaseException as exc:  # noqa: BLE001 - every failure is the task's, reported as on Databricks
        trace = traceback.format_exc()
        sys.stderr.write(trace)
        _record(result_file, f"{type(exc).__name__}: {exc}", trace)
        return 1
    finally:
        if "dbruntime" in sys.modules:
            sys.modules["dbruntime"].shutdown()
    return 0


if __name__ == "__main__":
    from zygote_main import end_task  # beside this file, which runs as a script

    end_task(main())
