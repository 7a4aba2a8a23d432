"""A runtime's environment (local_workspace/compute/runtimes.py) is built once, however many
clusters ask for it at the same time, and a change of its libraries builds another."""

from __future__ import annotations

import subprocess
import threading
from dataclasses import replace

from local_workspace.compute import runtimes
from local_workspace.compute.runtimes import Runtime

# A small runtime: one pure-Python wheel, which uv's cache already has on a machine that built .venv.
TINY = Runtime(name="tiny", pattern=r"tiny\.", source="test", libraries={"six": "1.17.0"})


def test_concurrent_callers_wait_for_one_build_and_a_changed_table_builds_another(tmp_path, monkeypatch):
    builds, real_run = [], subprocess.run

    def counting_run(command, *args, **kwargs):
        if "venv" in command:
            builds.append(command[-1])
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(runtimes.subprocess, "run", counting_run)
    folders: list = []
    callers = [threading.Thread(target=lambda: folders.append(runtimes.environment(TINY, tmp_path))) for _ in range(3)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert len(builds) == 1 and len(set(folders)) == 1 and (folders[0] / ".complete").exists()
    site = runtimes.site_packages(folders[0])
    assert (site / "six.py").exists()
    assert runtimes.environment(TINY, tmp_path) == folders[0] and len(builds) == 1  # reused

    changed = replace(TINY, libraries={"six": "1.16.0"})
    assert changed.key != TINY.key
    assert runtimes.environment(changed, tmp_path) != folders[0] and len(builds) == 2
