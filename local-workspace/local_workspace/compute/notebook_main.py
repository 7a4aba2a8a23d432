"""Runs a Databricks source-format notebook cell by cell, as a notebook task does on a cluster.

Imported by task_main.py inside the cluster's Python, so it imports nothing of the workspace.
Cells are split on `# COMMAND ----------`; a cell whose lines all start with `# MAGIC` is a
magic cell (%md, %pip, %sh, %sql, %python, %run). The notebook gets `spark`, `dbutils`
(widgets, notebook.exit, fs) and `display`; `dbutils.notebook.exit(value)` ends it with value.
"""

import os
import shlex
import shutil
import subprocess
import sys

HEADER = "# Databricks notebook source"
SEPARATOR = "# COMMAND ----------"
MAGIC = "# MAGIC"


class NotebookExit(BaseException):
    """dbutils.notebook.exit: ends the notebook (BaseException: `except Exception` must not catch it)."""

    def __init__(self, value):
        super().__init__(value)
        self.value = value


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


class Widgets:
    def __init__(self, values):
        self._values = dict(values)
        self._defaults = {}

    def text(self, name, defaultValue="", label=None):
        self._defaults[name] = str(defaultValue)

    def dropdown(self, name, defaultValue, choices, label=None):
        self._defaults[name] = str(defaultValue)

    combobox = dropdown

    def get(self, name):
        if name in self._values:
            return self._values[name]
        if name in self._defaults:
            return self._defaults[name]
        raise ValueError(f"InputWidgetNotDefined: No input widget named {name} is defined")

    getArgument = get

    def getAll(self):
        return {**self._defaults, **self._values}

    def remove(self, name):
        self._defaults.pop(name, None)

    def removeAll(self):
        self._defaults.clear()


class Notebook:
    def exit(self, value):
        raise NotebookExit(str(value))


class FileInfo(tuple):
    path = property(lambda self: self[0])
    name = property(lambda self: self[1])
    size = property(lambda self: self[2])

    def isDir(self):
        return self.path.endswith("/")


class Fs:
    """dbutils.fs on the cluster's FUSE view: dbfs:/x and /dbfs/x are files under the DBFS root."""

    def __init__(self, dbfs_root):
        self.root = os.path.realpath(dbfs_root)

    def local(self, path):
        for prefix in ("dbfs:", "/dbfs"):
            if path.startswith(prefix):
                path = path[len(prefix):]
        if path.startswith("file:"):
            return path[len("file:"):]
        local = os.path.realpath(os.path.join(self.root, path.lstrip("/")))
        if local != self.root and not local.startswith(self.root + os.sep):
            raise ValueError(f"path {path} leaves DBFS")
        return local

    def ls(self, path):
        local = self.local(path)
        base = "dbfs:/" + os.path.relpath(local, self.root).lstrip(".").lstrip("/")
        out = []
        for name in sorted(os.listdir(local)):
            full = os.path.join(local, name)
            is_dir = os.path.isdir(full)
            child = base.rstrip("/") + "/" + name + ("/" if is_dir else "")
            out.append(FileInfo((child, name + ("/" if is_dir else ""), 0 if is_dir else os.path.getsize(full))))
        return out

    def mkdirs(self, path):
        os.makedirs(self.local(path), exist_ok=True)
        return True

    def put(self, path, contents, overwrite=False):
        local = self.local(path)
        if os.path.exists(local) and not overwrite:
            raise FileExistsError(f"{path} already exists; pass overwrite=True")
        os.makedirs(os.path.dirname(local), exist_ok=True)
        with open(local, "w", encoding="utf-8") as handle:
            handle.write(contents)
        return True

    def head(self, path, maxBytes=65536):
        with open(self.local(path), "rb") as handle:
            return handle.read(maxBytes).decode("utf-8", "replace")

    def cp(self, source, target, recurse=False):
        src, dst = self.local(source), self.local(target)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        (shutil.copytree if recurse and os.path.isdir(src) else shutil.copyfile)(src, dst)
        return True

    def mv(self, source, target, recurse=False):
        dst = self.local(target)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.move(self.local(source), dst)
        return True

    def rm(self, path, recurse=False):
        local = self.local(path)
        if os.path.isdir(local):
            if not recurse:
                raise IsADirectoryError(f"{path} is a directory; pass recurse=True")
            shutil.rmtree(local)
        elif os.path.exists(local):
            os.remove(local)
        else:
            return False
        return True


class DbUtils:
    def __init__(self, widgets, dbfs_root):
        self.widgets = Widgets(widgets)
        self.notebook = Notebook()
        self.fs = Fs(dbfs_root)
        self.secrets = __import__("dbutils_secrets").Secrets()  # beside this file, on the cluster


class _LazySpark:
    """`spark`: the cluster's Spark Connect session, opened on first use (many cells need none)."""

    session = None

    def __getattr__(self, name):
        if _LazySpark.session is None:
            from pyspark.sql import SparkSession

            _LazySpark.session = SparkSession.builder.remote(os.environ["SPARK_REMOTE"]).getOrCreate()
        return getattr(_LazySpark.session, name)


def _display(value, *args, **kwargs):
    shown = value.limit(20).toPandas() if hasattr(value, "toPandas") else value
    print(shown)


def pip_install(arguments, uv, dbfs_root, target=None):
    """%pip install ...: into this cluster's Python (its environment has no pip), with uv; or into
    the folder `target` (a command context's own libraries)."""
    words = shlex.split(arguments)
    if not words or words[0] != "install":
        raise CellError(f"%pip {arguments}: only '%pip install' is supported here")
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
        _display(namespace["spark"].sql(body))
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
    path = spec["notebook_file"]
    folder = os.path.dirname(path)
    # As on Databricks: the notebook's folder is the working directory, and it and the repo's
    # root (for a notebook in a repo) are importable.
    os.chdir(folder)
    for entry in (spec.get("repo_root"), folder):
        if entry and entry not in sys.path:
            sys.path.insert(0, entry)
    namespace = {"__name__": "__main__", "spark": _LazySpark(), "display": _display,
                 "dbutils": DbUtils(spec.get("widgets", {}), spec["dbfs_root"])}
    sys.argv = [path]
    try:
        run_source(_read_notebook(path), namespace, {"path": spec["notebook_path"], "file": path, "uv": spec["uv"],
                                                         "dbfs_root": spec["dbfs_root"]})
    except NotebookExit as done:
        return done.value
    finally:
        if _LazySpark.session is not None:
            _LazySpark.session.stop()  # else the Spark Connect client retries for ~30 s at exit
    return None
