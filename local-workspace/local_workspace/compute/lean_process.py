"""Less of Python's own housekeeping in the workspace's processes: heavy imports without the
cyclic garbage collector, and an end without the interpreter's teardown.

Standard library only: the cluster scripts beside this file (zygote_main.py, task_main.py) import
it from their own folder with a cluster's Python; the server imports it as
local_workspace.compute.lean_process.
"""

import atexit
import gc
import os
import sys
from contextlib import contextmanager


@contextmanager
def collector_paused():
    """While a process imports a large library (MLflow's server: 0.75 of its 4.4 s of CPU; the
    launcher's preload: 0.7 of 4 s), the collector would walk the growing heap hundreds of times and
    find almost nothing. Paused meanwhile; one collection after, and what survives (the modules) is
    frozen, so that no later collection, here or in a process forked from here, walks it again."""
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        gc.freeze()
        gc.enable()


def end_without_teardown(code: int) -> None:
    """What the interpreter runs at exit (atexit: logging's flush, MLflow's queues), the output
    flushed, then os._exit: no teardown that frees pandas', scikit-learn's and MLflow's modules one
    object at a time (0.6-1.5 s of CPU for nothing in a process that has finished its work)."""
    try:
        atexit._run_exitfuncs()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
