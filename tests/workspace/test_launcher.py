"""The workspace's warm launcher: a task it forks can be killed, with its group, from the first
moment; it runs inside its cluster's environment; a cluster library that replaces a module the
launcher imported sends the task to a fresh interpreter."""

import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from local_workspace.compute.cluster import make_environment
from local_workspace.compute.launcher import Zygote, start_task

REPORT = """import json, sys, tempfile, yaml, only_here
json.dump({"prefix": sys.prefix, "executable": sys.executable, "only_here": only_here.WHERE,
           "yaml": getattr(yaml, "WHERE", "runtime"), "tmp": tempfile.gettempdir()}, open(sys.argv[1], "w"))
"""


def _wait_ready(zygote: Zygote) -> None:
    deadline = time.monotonic() + 120
    while not zygote.socket_path.exists() and time.monotonic() < deadline:
        assert zygote.alive, (zygote.socket_path.parent / "launcher.log").read_text()
        time.sleep(0.1)


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
        _wait_ready(zygote)
        for attempt in range(8):  # the window was microseconds wide: several tries give it a chance
            task = zygote.fork([str(script)], tmp_path, env, tmp_path / f"out{attempt}", tmp_path / f"err{attempt}")
            assert task is not None, (tmp_path / "launcher.log").read_text()
            assert os.getpgid(task.pid) == task.pid
            os.killpg(task.pid, signal.SIGKILL)
            assert task.wait(timeout=10) == -signal.SIGKILL
    finally:
        zygote.process.kill()
        zygote.process.wait()


def _cluster_env(folder: Path, only_here: str) -> Path:
    make_environment(folder)
    site = next((folder / "lib").glob("python3*/site-packages"))
    (site / "only_here.py").write_text(f"WHERE = {only_here!r}\n")
    return folder


@pytest.fixture(scope="module")
def launcher(tmp_path_factory):
    """A launcher as the workspace starts one: its own environment over the runtime's libraries."""
    folder = tmp_path_factory.mktemp("launcher")
    make_environment(folder / "env")
    zygote = Zygote(str(folder / "env" / "bin" / "python"), folder, {"PATH": os.environ["PATH"]})
    _wait_ready(zygote)
    yield zygote
    zygote.process.kill()
    zygote.process.wait()


def _run(launcher, env_dir: Path, folder: Path) -> tuple[object, dict]:
    script, out = folder / "report.py", folder / "report.json"
    script.write_text(REPORT)
    task = start_task(launcher, str(env_dir / "bin" / "python"), [str(script), str(out)], folder,
                      {"PATH": os.environ["PATH"], "TMPDIR": str(folder)}, folder / "stdout", folder / "stderr",
                      prefix=env_dir)
    assert task.wait(timeout=60) == 0, (folder / "stderr").read_text()
    return task, json.loads(out.read_text())


def test_a_forked_task_runs_in_its_clusters_environment(launcher, tmp_path):
    env_dir = _cluster_env(tmp_path / "env", "cluster one")
    task, seen = _run(launcher, env_dir, tmp_path)
    assert type(task).__name__ == "ForkedTask"  # forked, not a fresh interpreter
    assert seen == {"prefix": str(env_dir), "executable": str(env_dir / "bin" / "python"),
                    "only_here": "cluster one", "yaml": "runtime", "tmp": str(tmp_path)}


def test_a_cluster_library_that_replaces_a_warm_module_gets_a_fresh_interpreter(launcher, tmp_path):
    env_dir = _cluster_env(tmp_path / "env", "cluster two")
    site = next((env_dir / "lib").glob("python3*/site-packages"))
    # A library installed on the cluster that provides `yaml`, which the launcher imported.
    (site / "yaml").mkdir()
    (site / "yaml" / "__init__.py").write_text("WHERE = 'cluster library'\n")
    info = site / "yaml-99.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: yaml\nVersion: 99.0\n")
    (info / "RECORD").write_text("yaml/__init__.py,,\nyaml-99.0.dist-info/METADATA,,\nyaml-99.0.dist-info/RECORD,,\n")
    task, seen = _run(launcher, env_dir, tmp_path)
    assert type(task).__name__ == "Popen"
    assert seen["yaml"] == "cluster library" and seen["only_here"] == "cluster two"
    assert seen["prefix"] == str(env_dir)


def test_a_forked_task_has_the_garbage_collector_on_and_the_warm_imports_frozen(launcher, tmp_path):
    # The launcher imports with the collector off (it would walk the growing heap hundreds of
    # times); a task must get it back on, and never walk the launcher's imports again.
    script, out = tmp_path / "gc.py", tmp_path / "gc.json"
    script.write_text("import gc, json, sys\n"
                      "json.dump([gc.isenabled(), gc.get_freeze_count()], open(sys.argv[1], 'w'))\n")
    task = launcher.fork([str(script), str(out)], tmp_path, {"PATH": os.environ["PATH"]}, tmp_path / "stdout",
                         tmp_path / "stderr")
    assert task is not None and task.wait(timeout=60) == 0, (tmp_path / "stderr").read_text()
    enabled, frozen = json.loads(out.read_text())
    assert enabled is True and frozen > 100_000  # pandas, scikit-learn, MLflow... are hundreds of thousands



def test_an_all_purpose_cluster_starts_the_launcher_at_its_first_task_only(tmp_path):
    """An all-purpose cluster does not pay the launcher's imports (about 4 s of CPU) until a task
    needs it (`start_task` reads `launcher`); then once."""
    from local_workspace.compute.all_purpose import AllPurposeClusters
    from local_workspace.compute.cluster import ClusterError, LocalCluster

    started = []
    cluster = LocalCluster("c", "interactive", {}, tmp_path, {}, launcher=lambda: started.append(1) or "launcher")
    assert started == []
    assert cluster.launcher == cluster.launcher == "launcher"
    assert started == [1]

    class Manager:
        def boot(self, cluster_id, **how):
            self.how = how
            raise ClusterError("no driver here")

    clusters = AllPurposeClusters.__new__(AllPurposeClusters)  # only its boot step, without a workspace
    clusters.manager, clusters._settling = Manager(), set()
    clusters._boot("c")
    assert clusters.manager.how == {"warm": True, "launcher_at_first_task": True}
