"""The process of an execution context, as the workspace sees it: it runs the context's Python
interpreters (context_main.py) one after another, since `dbutils.library.restartPython()` ends one
and the context goes on with a new one, and it keeps a warm spare for that moment.

Run with the cluster's own Python, as a file (it imports nothing of the workspace):
    python context_supervisor.py SPEC.json
Each interpreter tells it, one line each through a pipe, `spare` (a `%pip install` changed the
context's libraries: a restart is likely next) and `restart` (it ends for restartPython). On
`spare` it starts `context_main.py SPEC.json spare`, a fresh interpreter over the context's
libraries as they are now, which imports the runtime's heavy libraries and then waits; at the
restart that spare takes over, so the next command does not wait for those imports, as a job
task forked from the warm launcher does not. An interpreter that ends otherwise (killed, crashed)
ends the context: this process exits with its code, and the context's status is Error.
"""

import os
import select
import signal
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CONTEXT_MAIN = os.path.join(HERE, "context_main.py")
sys.path.insert(0, HERE)
from context_main import watch_driver  # noqa: E402


class Supervisor:
    def __init__(self, spec_file, spec):
        self.spec_file, self.python = spec_file, spec["python"]
        self.channel, self.writer = os.pipe()
        os.set_blocking(self.channel, False)
        self.pending = b""
        self.spare = None

    def start(self, role, **popen):
        return subprocess.Popen([self.python, CONTEXT_MAIN, self.spec_file, role, str(self.writer)],
                                pass_fds=(self.writer,), **popen)

    def messages(self, timeout):
        """The interpreters' complete lines that arrived within timeout seconds."""
        if select.select([self.channel], [], [], timeout)[0]:
            try:
                self.pending += os.read(self.channel, 4096)
            except BlockingIOError:
                pass
        *lines, self.pending = self.pending.split(b"\n")
        return [line.decode() for line in lines]

    def new_spare(self):
        self.drop_spare()
        self.spare = self.start("spare", stdin=subprocess.PIPE)

    def drop_spare(self):
        if self.spare is not None:
            self.spare.kill()
            self.spare.wait()
            self.spare = None

    def successor(self):
        """The next interpreter: the spare if it still runs, else a fresh one."""
        spare, self.spare = self.spare, None
        if spare is not None and spare.poll() is None:
            try:
                spare.stdin.write(b"go\n")
                spare.stdin.close()
                return spare
            except OSError:
                spare.kill()
                spare.wait()
        return self.start("interpreter")

    def run(self):
        current, restarting = self.start("interpreter"), False
        while True:
            for line in self.messages(0.05):
                if line == "spare":
                    self.new_spare()
                elif line == "restart":
                    restarting = True
            code = current.poll()
            if code is None:
                continue
            restarting = restarting or "restart" in self.messages(0)  # told just before it exited
            if not restarting:
                self.drop_spare()
                return code if code >= 0 else 128 - code
            current, restarting = self.successor(), False


def main():
    import json

    spec_file = os.path.abspath(sys.argv[1])
    with open(spec_file, encoding="utf-8") as handle:
        spec = json.load(handle)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # commands/cancel interrupts the interpreter, never this
    watch_driver(spec["driver_pid"])
    sys.exit(Supervisor(spec_file, spec).run())


if __name__ == "__main__":
    main()
