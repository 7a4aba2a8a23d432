"""The console script ends like a normal exit (status, atexit, other threads, flushed output) but
without the interpreter's teardown of its modules."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = '''
import atexit, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
from telco_churn.process_exit import run_then_exit

class Module:
    def __del__(self):  # runs at the interpreter's teardown, never after os._exit
        print("torn down", flush=True)

KEPT = Module()

def main():
    atexit.register(lambda: print("atexit ran", flush=True))
    ThreadPoolExecutor(2).submit(lambda: None).result()  # an idle pool's workers must not block the exit
    threading.Thread(target=lambda: (time.sleep(0.2), print("thread finished"))).start()
    sys.stdout.write("unflushed output")  # no newline, no flush: a pipe's buffer holds it
    return int(sys.argv[1]) if sys.argv[1].isdigit() else sys.argv[1]

run_then_exit(main)
'''


def _run(tmp_path, argument: str) -> subprocess.CompletedProcess:
    script = tmp_path / "command.py"
    script.write_text(SCRIPT)
    return subprocess.run([sys.executable, str(script), argument], capture_output=True, text=True, timeout=60)


def test_the_status_atexit_threads_and_output_survive_and_the_teardown_is_skipped(tmp_path):
    done = _run(tmp_path, "3")
    assert done.returncode == 3, done.stderr
    assert "unflushed output" in done.stdout
    assert "thread finished" in done.stdout and "atexit ran" in done.stdout
    assert "torn down" not in done.stdout


def test_a_message_as_status_is_printed_and_exits_1_as_sys_exit_does(tmp_path):
    done = _run(tmp_path, "stopped: bad input")
    assert done.returncode == 1
    assert "stopped: bad input" in done.stderr


def test_argparse_errors_keep_their_status():
    done = subprocess.run([sys.executable, "-m", "telco_churn.cli", "promote"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--version" in done.stderr
