"""Heavy imports of a long-lived process, made without the cyclic garbage collector."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def collector_paused() -> Iterator[None]:
    """While a process imports a large library (MLflow's server: 0.75 of its 4.4 s of CPU), the
    collector would walk the growing heap hundreds of times and find almost nothing. Paused
    meanwhile; one collection after, and what survives (the modules) is frozen, so that no later
    collection walks it again. (zygote_main.py, which imports nothing of the workspace, does the same.)"""
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        gc.freeze()
        gc.enable()
