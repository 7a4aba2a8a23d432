"""A long-lived workspace process imports a large library with the garbage collector paused."""

import gc

from local_workspace.compute.lean_process import collector_paused


def test_the_collector_is_paused_during_the_imports_then_on_with_the_survivors_frozen():
    frozen = gc.get_freeze_count()
    try:
        with collector_paused():
            assert not gc.isenabled()
            kept = [[i] for i in range(1000)]  # what an import leaves: objects that live on
        assert gc.isenabled()
        assert gc.get_freeze_count() >= frozen + len(kept)
    finally:
        gc.unfreeze()  # the rest of this test process collects as usual
