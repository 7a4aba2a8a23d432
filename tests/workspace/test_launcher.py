"""The cluster's warm launcher: a task it forks can be killed, with its group, from the first moment."""

import os
import signal
import sys
import time

from local_workspace.compute.launcher import Zygote


def test_a_forked_task_leads_its_group_as_soon_as_its_pid_is_known(tmp_path):
    # A run past its timeout kills the task's group the moment the pid is known; a task not yet
    # leading its group then escaped the kill and ran on.
    script = tmp_path / "sleep.py"
    script.write_text("import time\ntime.sleep(300)\n")
    env = {"PATH": os.environ["PATH"]}
    # The interpreter without the project's libraries: the launcher's warm-up imports find none
    # of them and it is ready at once; what is tested is the fork.
    zygote = Zygote(getattr(sys, "_base_executable", sys.executable), tmp_path, env)
    try:
        deadline = time.monotonic() + 60
        while not zygote.socket_path.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        for attempt in range(8):  # the window was microseconds wide: several tries give it a chance
            task = zygote.fork([str(script)], tmp_path, env, tmp_path / f"out{attempt}", tmp_path / f"err{attempt}")
            assert task is not None, (tmp_path / "launcher.log").read_text()
            assert os.getpgid(task.pid) == task.pid
            os.killpg(task.pid, signal.SIGKILL)
            assert task.wait(timeout=10) == -signal.SIGKILL
    finally:
        zygote.process.kill()
        zygote.process.wait()
