"""The workspace's warm launcher: imports the runtime's heavy libraries once, then forks one
process per task, so that a task does not spend seconds importing MLflow, pandas and scikit-learn.

Run as a file with the Python of an environment like a cluster's (it imports nothing of the
workspace):
    python zygote_main.py SOCKET
(Without SOCKET it only imports them and exits.)
One JSON request per connection: {"argv": [file, ...], "cwd", "env", "stdout", "stderr", and
"prefix": the cluster's environment, which the task enters}. The reply is `pid N`, later
`exit CODE`; or `stale` when a library installed on that cluster shadows a module imported here,
and the task must start afresh.
"""

import importlib
import json
import glob
import os
import runpy
import signal
import site
import socket
import sys
import tempfile
import threading
import traceback
from importlib.metadata import distributions

from lean_process import collector_paused, end_without_teardown  # beside this file, run as a script

PRELOAD = ("yaml", "pydantic", "numpy", "pandas", "pyarrow", "sklearn.ensemble", "mlflow", "mlflow.pyfunc",
           "databricks.sdk", "pyspark.sql.connect.session")


def _site_packages() -> str:
    return next(p for p in sys.path if p.startswith(sys.prefix) and p.endswith("site-packages"))


def _site_packages_of(prefix: str) -> str:
    return glob.glob(os.path.join(prefix, "lib", "python3*", "site-packages"))[0]


def _loaded_from(module, folder: str) -> bool:
    origin = getattr(module, "__file__", None)
    if origin:
        return origin.startswith(folder)
    # A namespace package (google, opentelemetry) spans folders: the installed portion counts if seen.
    return any(str(entry).startswith(folder) for entry in getattr(module, "__path__", ()))


def _shadowed(own: str) -> list[str]:
    """Modules imported here from the runtime that a library installed in `own` (a cluster's
    site-packages) replaces."""
    found = []
    for dist in distributions(path=[own]):
        for file in dist.files or ():
            top = file.parts[0].removesuffix(".py")
            module = sys.modules.get(top)
            if module is not None and not _loaded_from(module, own):
                found.append(top)
    return sorted(set(found))


def _enter(prefix: str) -> None:
    """Becomes the interpreter of the cluster's environment at prefix: a virtualenv over the same
    runtime as ours, so only its own site-packages (first on the path) and its .pth files differ."""
    own, theirs = _site_packages(), _site_packages_of(prefix)
    sys.path[sys.path.index(own)] = theirs
    sys.path_importer_cache.pop(own, None)
    sys.prefix = sys.exec_prefix = prefix
    sys.executable = os.path.join(prefix, "bin", "python")
    site.addsitedir(theirs)  # already on the path: this only reads its .pth files
    importlib.invalidate_caches()


def _child(request: dict, started: int) -> None:
    """Becomes the task: its own session, environment, directory and output files."""
    os.setsid()
    os.close(started)
    if request.get("prefix"):
        _enter(request["prefix"])
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    tempfile.tempdir = None  # from the task's TMPDIR, should a warm import have cached ours
    for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
        os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644), fd)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    sys.argv = list(request["argv"])
    code = 0
    try:
        runpy.run_path(sys.argv[0], run_name="__main__")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, (int, type(None))):
            print(exc.code, file=sys.stderr)
    except BaseException:  # noqa: BLE001 - reported as an ordinary interpreter would
        traceback.print_exc()
        code = 1
    end_task(code)


def end_task(code: int) -> None:
    """How a task's process ends, forked or fresh (task_main.py): without the interpreter's teardown,
    as on Databricks, where a task's code runs in the driver's long-lived Python process."""
    end_without_teardown(code)


def _report_exit(pid: int, conn: socket.socket) -> None:
    _, status = os.waitpid(pid, 0)
    try:
        conn.sendall(f"exit {os.waitstatus_to_exitcode(status)}\n".encode())
    finally:
        conn.close()


def preload() -> None:
    with collector_paused():  # what survives is frozen for this process and those forked from it
        for name in PRELOAD:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - a runtime without one of them still runs its tasks
                pass


def main() -> None:
    preload()
    if len(sys.argv) < 2:  # `python zygote_main.py`: only the imports (a runtime's build writes their bytecode)
        return
    path = sys.argv[1]
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path + ".tmp")
    server.listen(16)
    os.replace(path + ".tmp", path)  # the socket appears once it accepts
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    while True:
        conn, _ = server.accept()
        request = json.loads(conn.makefile("r").readline())
        stale = _shadowed(_site_packages_of(request["prefix"]) if request.get("prefix") else _site_packages())
        if stale:
            conn.sendall(f"stale {','.join(stale)}\n".encode())
            conn.close()
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        # The pid is sent once the child leads its own process group: a kill of that group
        # right after the reply (a run already past its timeout) must reach the task.
        in_session, started = os.pipe()
        pid = os.fork()
        if pid == 0:
            server.close()
            conn.close()
            os.close(in_session)
            _child(request, started)
        os.close(started)
        os.read(in_session, 1)  # end of file: the child has called setsid, or died
        os.close(in_session)
        conn.sendall(f"pid {pid}\n".encode())
        threading.Thread(target=_report_exit, args=(pid, conn), daemon=True).start()


if __name__ == "__main__":
    main()
