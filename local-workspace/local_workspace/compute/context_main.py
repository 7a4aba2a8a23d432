"""An interpreter of an execution context of the Command Execution API: one Python interpreter on
a cluster that keeps its state from command to command, as a notebook attached to the cluster does.

Started by context_supervisor.py (the context's process), with the cluster's own Python, as a file
(it imports nothing of the workspace):
    python context_main.py SPEC.json interpreter|spare CHANNEL_FD
SPEC: {"socket", "python", "lib_dir", "dbfs_root", "uv", "driver_pid"}. The interpreter listens on
the unix socket; one JSON line per connection, {"command": source}, answered with one JSON line
{"results": {...}, "cancelled": bool, "restart": bool}. SIGINT interrupts the running command
(commands/cancel); `dbutils.library.restartPython()` ends the interpreter (the supervisor starts the
next one on the same socket: state gone, `%pip` libraries kept). A `spare` imports the runtime's
heavy libraries, says `warm`, then waits on its stdin: `check` (libraries were installed: it says
`warm` again once it has checked, or starts over as a spare if what it imported is no longer what
a fresh interpreter would import), `go` (it serves; a fresh interpreter instead if what it
imported is no longer current).
"""

import hashlib
import importlib
import importlib.machinery
import json
import os
import re
import signal
import socket
import sys
import tempfile
import textwrap
import threading
import time
import traceback

# Beside this file; a process forked from the warm launcher (runpy) does not have it on its path.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dbruntime.dbutils import DbUtils, LazySpark as _LazySpark, display as _display  # noqa: E402  (runtime_path)
from json_lines import read_line, send_line  # noqa: E402
from notebook_main import pip_install  # noqa: E402
from zygote_main import preload  # noqa: E402

PIP_LINE = re.compile(r"^(\s*)%pip\s+(.*)$")
MAX_ROWS = 1000


class RestartPython(BaseException):
    """dbutils.library.restartPython(): ends the command, then the interpreter is replaced."""


class Library:
    def restartPython(self):
        raise RestartPython()


class Display:
    """`display(...)`: a DataFrame becomes the command's table result; anything else is printed."""

    def __init__(self):
        self.table = None

    def __call__(self, value, *args, **kwargs):
        if hasattr(value, "schema") and hasattr(value, "limit"):
            rows = value.limit(MAX_ROWS + 1).collect()
            self.table = {"resultType": "table", "data": [[_plain(v) for v in row] for row in rows[:MAX_ROWS]],
                          "schema": [{"name": f.name, "type": json.dumps(f.dataType.simpleString()), "metadata": "{}"}
                                     for f in value.schema.fields],
                          "truncated": len(rows) > MAX_ROWS, "isJsonSchema": True}
        else:
            _display(value)


def _plain(value):
    return value if value is None or isinstance(value, (bool, int, float, str)) else str(value)


class Context:
    def __init__(self, spec):
        self.spec = spec
        self.running = False
        self.display = Display()
        dbutils = DbUtils({"dbfs_root": spec["dbfs_root"]})
        dbutils.library = Library()
        self.namespace = {"__name__": "__main__", "spark": _LazySpark(),
                          "display": self.display, "dbutils": dbutils, "__databricks_pip__": self.pip}
        self.count = 0

    def pip(self, arguments):
        pip_install(arguments, self.spec["uv"], self.spec["dbfs_root"], target=self.spec["lib_dir"])
        tell("installed")  # restartPython() usually comes next

    def source_of(self, command):
        """Python source of a command: dedented, `%pip` lines as calls, a leading %sh/%sql/%md cell magic."""
        text = textwrap.dedent(command).strip("\n")
        first, _, rest = text.partition("\n")
        magic = first.strip()
        if magic.startswith("%sh"):
            return f"import subprocess as _s\n_s.run(['bash', '-c', {(magic[3:] + chr(10) + rest).strip()!r}], check=True)"
        if magic.startswith("%sql"):
            return f"display(spark.sql({(magic[4:] + chr(10) + rest).strip()!r}))"
        if magic.startswith("%md"):
            return ""
        if magic == "%python":
            text = rest
        lines = [PIP_LINE.sub(lambda m: f"{m.group(1)}__databricks_pip__({m.group(2)!r})", line)
                 for line in text.splitlines()]
        return "\n".join(lines)

    def run(self, command):
        """The command's results, as the API gives them, and whether it was cancelled or restarts Python."""
        self.count += 1
        self.display.table = None
        cancelled = restart = False
        error = None
        with tempfile.TemporaryFile() as out:
            sys.stdout.flush()
            sys.stderr.flush()
            saved = os.dup(1), os.dup(2)
            os.dup2(out.fileno(), 1)
            os.dup2(out.fileno(), 2)
            self.running = True
            tell("busy")
            try:
                code = compile(self.source_of(command), f"<command-{self.count}>", "exec")
                exec(code, self.namespace)
            except RestartPython:
                restart = True
            except SystemExit as exc:  # sys.exit() ends the command, not the context
                if exc.code not in (None, 0):
                    error, summary = traceback.format_exc(), f"SystemExit: {exc.code}"
            except KeyboardInterrupt:
                cancelled = True
                error = traceback.format_exc()
            except BaseException as exc:  # noqa: BLE001 - every failure is the command's, reported as results
                error = traceback.format_exc()
                summary = f"{type(exc).__name__}: {exc}"
            finally:
                self.running = False
                tell("idle")
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
                os.close(saved[0])
                os.close(saved[1])
            out.seek(0)
            output = out.read().decode("utf-8", "replace").rstrip("\n")
        if cancelled:
            results = {"resultType": "error", "summary": "Command cancelled", "cause": "CommandCancelledException",
                       "data": output}
        elif error is not None:
            results = {"resultType": "error", "summary": summary, "cause": (output + "\n" if output else "") + error,
                       "data": output}
        elif self.display.table is not None:
            results = self.display.table
        else:
            results = {"resultType": "text", "data": output}
        return {"results": results, "cancelled": cancelled, "restart": restart}


def tell(message):
    """One line to the context's supervisor (context_supervisor.py)."""
    os.write(CHANNEL[0], message.encode() + b"\n")


CHANNEL = [None]  # the supervisor's pipe, from argv


def watch_driver(pid):
    """In a thread: the process ends with its cluster (a terminated cluster's driver is gone)."""
    threading.Thread(target=_watch_driver, args=(pid,), daemon=True).start()


def _watch_driver(pid):
    """The context ends with its cluster: a terminated cluster's driver is gone."""
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:
            pass
        time.sleep(1.0)


def _listen(path):
    """The socket, swapped in whole once it accepts: its name existing means the context is ready."""
    for stale in (path, path + ".tmp"):
        if os.path.exists(stale):
            os.unlink(stale)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path + ".tmp")
    server.listen(8)
    os.replace(path + ".tmp", path)
    return server


def _digest(path):
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha1").digest()


def library_digests(spec):
    """Every file a new interpreter could import from that can change (the context's `%pip` folder,
    the cluster's site-packages): path -> digest. Bytecode aside, which importing writes."""
    import site

    digests = {}
    for folder in [spec["lib_dir"], *site.getsitepackages()]:
        for where, folders, files in os.walk(folder):
            if "__pycache__" in folders:
                folders.remove("__pycache__")
            for name in files:
                try:
                    digests[os.path.join(where, name)] = _digest(os.path.join(where, name))
                except OSError:
                    pass
    return digests


def stale_import(before):
    """Why a module imported here is not what a fresh interpreter would import now (its file
    changed since `before` was taken, or another one shadows it now); None if every one is."""
    importlib.invalidate_caches()
    for name, module in list(sys.modules.items()):
        spec = getattr(module, "__spec__", None)
        origin = getattr(spec, "origin", None)
        if not origin or not os.path.isabs(origin) or spec.name != name:
            continue  # built in, frozen, a namespace package, an alias (scipy's _csparsetools)
        if origin in before:
            try:
                if _digest(origin) != before[origin]:
                    return f"{origin} changed"
            except OSError:
                return f"{origin} is gone"
        if "." not in name:
            found = importlib.machinery.PathFinder.find_spec(name, sys.path)
            if found is None or found.origin != origin:
                return f"{name} would now be imported from {found.origin if found else 'nowhere'}"
    return None


def _restart_as(spec_file, spec, role):
    os.execv(spec["python"], [spec["python"], os.path.abspath(__file__), spec_file, role, str(CHANNEL[0])])


def spare(spec_file, spec):
    """A warm interpreter for the context's next restart: the heavy imports first, then it waits."""
    sys.path.insert(0, spec["lib_dir"])
    before = library_digests(spec)  # before the imports: a file replaced during them counts as changed
    preload()
    tell("warm")
    for line in sys.stdin:
        stale = stale_import(before)
        if stale:
            print(f"spare interpreter: {stale}", file=sys.stderr, flush=True)
        if line == "check\n":
            if stale:
                _restart_as(spec_file, spec, "spare")
            tell("warm")
        if line == "go\n":
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            if stale:
                _restart_as(spec_file, spec, "interpreter")
            serve(spec_file, spec)


def serve(spec_file, spec):
    # The interpreter's own pid, for commands/cancel's SIGINT: not the supervisor's, nor the mount
    # namespace's launcher (bwrap), which do not pass SIGINT on.
    with open(os.path.join(os.path.dirname(spec_file), "pid"), "w") as handle:
        handle.write(str(os.getpid()))
    if sys.path[0] != spec["lib_dir"]:
        sys.path.insert(0, spec["lib_dir"])  # `%pip` libraries of this context come before the cluster's
    sys.argv = [""]
    context = Context(spec)

    def interrupt(*_):
        if context.running:  # only a running command is cancelled; the loop itself is never interrupted
            raise KeyboardInterrupt()

    signal.signal(signal.SIGINT, interrupt)
    server = _listen(spec["socket"])
    while True:
        conn, _ = server.accept()
        with conn:
            request = read_line(conn)
            if request is None:
                continue
            answer = context.run(request["command"])
            if answer["restart"]:  # no next command may reach this interpreter's socket
                server.close()
                os.unlink(spec["socket"])
                tell("restart")
            try:
                send_line(conn, answer)
            except OSError:
                pass
        if answer["restart"]:
            if _LazySpark.session is not None:
                _LazySpark.session.stop()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)


def main():
    spec_file, role = os.path.abspath(sys.argv[1]), sys.argv[2]
    CHANNEL[0] = int(sys.argv[3])
    with open(spec_file, encoding="utf-8") as handle:
        spec = json.load(handle)
    watch_driver(spec["driver_pid"])
    if role == "spare":
        spare(spec_file, spec)
    else:
        serve(spec_file, spec)


if __name__ == "__main__":
    main()
