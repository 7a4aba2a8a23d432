"""How the `telco-churn` console script runs and ends: fewer garbage collections, no teardown.

A command imports MLflow, pandas, scikit-learn and Spark Connect (about 3-4 CPU-s). Two costs
come with that and buy a short-lived process nothing:
- the collector's passes over the millions of objects those imports create (about 0.5 CPU-s);
- the interpreter's teardown of those modules at exit (0.6-1.5 CPU-s).

Only for the local console script. A job's entry point on a cluster returns to the runtime that
called it, which must go on; so `entrypoint` never ends its process this way.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading
from collections.abc import Callable
from typing import NoReturn

# A young-generation pass every 20,000 allocations instead of 700, and full passes rarer: a
# command's objects mostly live as long as it does (modules, classes), so the passes find little.
THRESHOLDS = (20_000, 20, 50)


def run_then_exit(main: Callable[[], int | None]) -> NoReturn:
    """main() under THRESHOLDS, then end with its exit status (as sys.exit would) without teardown."""
    gc.set_threshold(*THRESHOLDS)
    try:
        status = main()
    except SystemExit as stop:  # argparse's errors and --help
        status = stop.code
    exit_without_teardown(_exit_code(status))


def exit_without_teardown(code: int) -> NoReturn:
    """What a normal exit does that matters (other threads finished, atexit functions such as
    logging's and MLflow's run, output flushed), then os._exit, which skips freeing every module.
    Private CPython steps (threading._shutdown, atexit._run_exitfuncs) are the ones Py_Finalize takes."""
    # The interpreter's own first step at exit: threading's exit callbacks (which let idle
    # concurrent.futures workers end), then a join of every non-daemon thread.
    threading._shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe, as at a normal exit
            pass
    os._exit(code)


def _exit_code(status: object) -> int:
    """sys.exit's rules: None is 0, an int is itself, anything else is printed and is 1."""
    if status is None:
        return 0
    if isinstance(status, int):
        return status
    print(status, file=sys.stderr)
    return 1
