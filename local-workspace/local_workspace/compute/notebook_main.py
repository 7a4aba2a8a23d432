"""Runs a Databricks source-format notebook cell by cell, as a notebook task does on a cluster.

Imported by task_main.py inside the cluster's Python, so it imports nothing of the workspace.
Cells are split on `# COMMAND ----------`; a cell whose lines all start with `# MAGIC` is a
magic cell (%md, %pip, %sh, %sql, %python, %run). The notebook gets `spark`, `dbutils`
(widgets, notebook.exit, fs, jobs.taskValues: dbruntime/dbutils.py) and `display`; `dbutils.notebook.exit(value)` ends it with value.
"""

import os
import shlex
import subprocess
import sys

HEADER = "# Databricks notebook source"
SEPARATOR = "# COMMAND ----------"
MAGIC = "# MAGIC"


class CellError(Exception):
    """A cell that cannot run here (an unsupported magic)."""


def split_cells(source):
    """The notebook's cells, each as its source text; refuses a file that is not a notebook."""
    lines = source.splitlines()
    if not lines or lines[0].strip() != HEADER:
        raise CellError(f"not a Databricks notebook: the first line must be '{HEADER}'")
    cells, current = [], []
    for line in lines[1:]:
        if line.strip() == SEPARATOR:
            cells.append("\n".join(current))
            current = []
        else:
            current.append(line)
    cells.append("\n".join(current))
    return [c.strip("\n") for c in cells if c.strip()]


def magic_of(cell):
    """(magic, body) of a `# MAGIC %x ...` cell, or (None, cell) for a Python cell."""
    lines = cell.splitlines()
    if not all(line.startswith(MAGIC) for line in lines):
        return None, cell
    body = [line[len(MAGIC):][1:] if line[len(MAGIC):].startswith(" ") else line[len(MAGIC):] for line in lines]
    first = body[0].strip()
    if not first.startswith("%"):
        return None, "\n".join(body)
    name, _, rest = first.partition(" ")
    return name[1:], "\n".join([rest, *body[1:]]).strip("\n")


def pip_install(arguments, uv, dbfs_root, target=None):
    """%pip install ...: into this cluster's Python (its environment has no pip), with uv; or into
    the folder `target` (a command context's own libraries)."""
    words = shlex.split(arguments)
    if not words or words[0] != "install":
        raise CellError(f"%pip {arguments}: only '%pip install' is supported here")
    from dbruntime.dbutils import Fs  # on the cluster's path (runtime_path)

    fuse = Fs(dbfs_root)
    words = [fuse.local(w) if w.startswith("/dbfs/") else w for w in words[1:]]  # the FUSE mount
    command = [*uv, "pip", "install", "--python", sys.executable, *(["--target", target] if target else []), *words]
    print("%pip " + arguments, flush=True)
    # The local cache first, as cluster libraries are installed: no wait on the package index.
    done = subprocess.run([*command, "--offline"], stdout=sys.stdout, stderr=subprocess.STDOUT)
    if done.returncode:
        done = subprocess.run(command, stdout=sys.stdout, stderr=subprocess.STDOUT)
    if done.returncode:
        raise CellError(f"%pip {arguments} failed with exit code {done.returncode}")
    import importlib

    importlib.invalidate_caches()


def run_cell(cell, namespace, context):
    magic, body = magic_of(cell)
    if magic in (None, "python"):
        exec(compile(body, f"<notebook {context['path']}, cell {context['cell']}>", "exec"), namespace)
    elif magic == "md":
        return
    elif magic == "pip":
        pip_install(body, context["uv"], context["dbfs_root"])
    elif magic == "sh":
        done = subprocess.run(["bash", "-c", body], stdout=sys.stdout, stderr=subprocess.STDOUT)
        if done.returncode:
            raise CellError(f"%sh cell exited with code {done.returncode}")
    elif magic == "sql":
        namespace["display"](namespace["spark"].sql(body))
    elif magic == "run":
        target = shlex.split(body)[0]
        here = os.path.dirname(context["file"])
        path = os.path.normpath(os.path.join(here, target))
        run_source(_read_notebook(path), namespace, {**context, "path": target, "file": path})
    else:
        raise CellError(f"cell {context['cell']}: the %{magic} magic is not supported here")


def _read_notebook(path):
    for candidate in (path, path + ".py"):
        if os.path.isfile(candidate):
            with open(candidate, encoding="utf-8") as handle:
                return handle.read()
    raise FileNotFoundError(f"notebook {path} does not exist")


def run_source(source, namespace, context):
    for number, cell in enumerate(split_cells(source), start=1):
        run_cell(cell, namespace, {**context, "cell": number})


def run_notebook(spec):
    """Runs spec's notebook; its exit value (a string), or None if it did not call exit."""
    import dbruntime  # on the cluster's path (runtime_path)
    from dbruntime.dbutils import NotebookExit

    path = spec["notebook_file"]
    folder = os.path.dirname(path)
    # As on Databricks: the notebook's folder is the working directory, and it and the repo's
    # root (for a notebook in a repo) are importable.
    os.chdir(folder)
    for entry in (spec.get("repo_root"), folder):
        if entry and entry not in sys.path:
            sys.path.insert(0, entry)
    dbruntime.configure(spec)
    namespace = {"__name__": "__main__", **dbruntime.UserNamespaceInitializer.getOrCreate().get_namespace_globals()}
    sys.argv = [path]
    try:
        run_source(_read_notebook(path), namespace, {"path": spec["notebook_path"], "file": path, "uv": spec["uv"],
                                                         "dbfs_root": spec["dbfs_root"]})
    except NotebookExit as done:
        return done.value
    finally:
        dbruntime.shutdown()
    return None
