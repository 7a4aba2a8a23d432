"""dbutils on a cluster: widgets, notebook.exit, fs (the FUSE view of DBFS) and jobs.taskValues.

One object for notebooks (notebook_main.py) and for wheel and Python-file tasks (through
`dbruntime.UserNamespaceInitializer`, which `databricks.sdk.runtime` imports). Imports nothing
of the workspace: it runs inside the cluster's Python.
"""

import json
import os
import shutil

from dbruntime.secrets import Secrets

VALUE_LIMIT = 48 * 1024  # the JSON of one task value, as Databricks documents



class NotebookExit(BaseException):
    """dbutils.notebook.exit: ends the notebook (BaseException: `except Exception` must not catch it)."""

    def __init__(self, value):
        super().__init__(value)
        self.value = value


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


class TaskValues:
    """dbutils.jobs.taskValues: `set` writes this task's values to its file (the workspace stores
    them when the task ends); `get` reads the values of the run's ended tasks.

    context: {"task_key", "file", "values": {task_key: {name: value}}}, or None outside a job."""

    def __init__(self, context):
        self._context = context
        self._own = {}

    def set(self, key, value):
        if not isinstance(key, str) or not key:
            raise TypeError(f"Task value key must be a non-empty string, got {key!r}")
        try:
            encoded = json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"Task value '{key}' must be expressible as JSON: {exc}") from None
        if len(encoded.encode("utf-8")) > VALUE_LIMIT:
            raise ValueError(f"Task value '{key}' is {len(encoded.encode('utf-8'))} bytes as JSON; the limit is 48 KiB")
        if self._context is None:
            return  # outside a job, as on Databricks: nothing to pass on
        self._own[key] = json.loads(encoded)
        temporary = self._context["file"] + ".tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(self._own, handle)
        os.replace(temporary, self._context["file"])

    def get(self, taskKey, key, default=None, debugValue=None):
        if self._context is None:
            if debugValue is None:
                raise TypeError("Must pass debugValue when calling get outside of a job context. debugValue "
                                "cannot be None.")
            return debugValue
        values = self._context["values"]
        if taskKey == self._context["task_key"]:
            values = {**values, taskKey: self._own}
        if taskKey not in values:
            raise ValueError(f"Could not find task '{taskKey}' among the tasks of this run that have ended: "
                             "a task can read values only from tasks it depends on")
        if key in values[taskKey]:
            return values[taskKey][key]
        if default is None:
            raise ValueError(f"No task value '{key}' was set by task '{taskKey}', and no default was given")
        return default


class Jobs:
    def __init__(self, task_values_context):
        self.taskValues = TaskValues(task_values_context)


class DbUtils:
    """The `dbutils` of a task. spec: the task's spec (widgets, dbfs_root, task_values)."""

    def __init__(self, spec):
        self.widgets = Widgets(spec.get("widgets", {}))
        self.notebook = Notebook()
        self.fs = Fs(spec["dbfs_root"])
        self.jobs = Jobs(spec.get("task_values"))
        self.secrets = Secrets()


class LazySpark:
    """`spark`: the cluster's Spark Connect session, opened on first use (many cells need none)."""

    session = None

    def __getattr__(self, name):
        if LazySpark.session is None:
            from pyspark.sql import SparkSession

            LazySpark.session = SparkSession.builder.remote(os.environ["SPARK_REMOTE"]).getOrCreate()
        return getattr(LazySpark.session, name)


def display(value, *args, **kwargs):
    shown = value.limit(20).toPandas() if hasattr(value, "toPandas") else value
    print(shown)


