"""The process of an execution context, as the workspace sees it: it runs the context's Python
interpreters (context_main.py) one after another, since `dbutils.library.restartPython()` ends one
and the context goes on with a new one, and it keeps a warm spare for that moment.

Run with the cluster's own Python, as a file (it imports nothing of the workspace):
    python context_supervisor.py SPEC.json
Each interpreter tells it, one line each through a pipe, `busy` and `idle` (a command starts, ends),
`installed` (a `%pip install` changed the context's libraries: a restart is likely next) and
`restart` (it ends for restartPython). It keeps a spare, `context_main.py SPEC.json spare`: a fresh
interpreter that imports the runtime's heavy libraries, says `warm`, then waits; at a restart it takes
over, so the next command does not wait for those imports, as a job task forked from the warm
launcher does not. The spare is started after a `%pip install` when there is none (asked to
`check` itself when there is one: it starts over if what it imported is no longer current), and
after a restart once the new interpreter has been idle a moment, so that its imports do not take
the CPU from the command that runs. A restart while the spare is still importing gets a fresh
interpreter instead: a command after it must not wait for imports it may not need. Each handover
is logged on stderr (the context's `stderr` file). An interpreter that ends otherwise (killed,
crashed) ends the context: this process exits with its code, and the context's status is Error.
"""

import os
import select
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CONTEXT_MAIN = os.path.join(HERE, "context_main.py")
# After a restart, the next spare starts once the interpreter has been idle this long (dbx sends
# its next command within a second of the last one's end).
SPARE_AFTER_IDLE = 2.0
sys.path.insert(0, HERE)
from context_main import watch_driver  # noqa: E402


class Supervisor:
    def __init__(self, spec_file, spec):
        self.spec_file, self.python = spec_file, spec["python"]
        self.channel, self.writer = os.pipe()
        os.set_blocking(self.channel, False)
        self.pending = b""
        self.spare, self.warm = None, False

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
        """A spare if there is none; the one there is checks itself (it starts over if stale)."""
        if self.spare is not None and self.spare.poll() is None:
            try:
                self.spare.stdin.write(b"check\n")
                self.spare.stdin.flush()
                self.warm = False  # until it has checked
                return
            except OSError:
                pass
        self.drop_spare()
        self.spare, self.warm = self.start("spare", stdin=subprocess.PIPE), False

    def drop_spare(self):
        if self.spare is not None:
            self.spare.kill()
            self.spare.wait()
            self.spare = None

    def successor(self):
        """The next interpreter: the spare if it is warm, else a fresh one."""
        spare, warm, self.spare = self.spare, self.warm, None
        if spare is not None and warm and spare.poll() is None:
            try:
                spare.stdin.write(b"go\n")
                spare.stdin.close()
                _log("restart: the warm spare interpreter takes over")
                return spare
            except OSError:
                pass
        if spare is not None:
            spare.kill()
            spare.wait()
        _log("restart: a fresh interpreter" + (" (the spare was still importing)" if spare is not None else ""))
        return self.start("interpreter")

    def hear(self, lines):
        for line in lines:
            if line == "installed":
                self.new_spare()
            elif line == "restart":
                self.restarting = True
            elif line == "busy":
                self.idle_since = None
            elif line == "idle":
                self.idle_since = time.monotonic()
            elif line == "warm":
                self.warm = True
                _log("spare interpreter warm")

    def run(self):
        current, want_spare = self.start("interpreter"), False
        self.restarting, self.idle_since = False, time.monotonic()
        while True:
            self.hear(self.messages(0.05))
            if want_spare and self.idle_since is not None and time.monotonic() - self.idle_since > SPARE_AFTER_IDLE:
                want_spare = False
                if self.spare is None:
                    self.new_spare()
            code = current.poll()
            if code is None:
                continue
            self.hear(self.messages(0))  # what it said just before it exited
            if not self.restarting:
                self.drop_spare()
                return code if code >= 0 else 128 - code
            current, self.restarting, want_spare = self.successor(), False, True
            self.idle_since = time.monotonic()


def _log(message):
    print(time.strftime("%H:%M:%S"), message, file=sys.stderr, flush=True)


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
