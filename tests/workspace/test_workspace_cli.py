"""`telco-churn workspace start|status|env|stop` as a user types them, and `serve` ended by Ctrl-C."""

from __future__ import annotations

import json
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from tests.workspace.harness import DBX_BIN, REPO, clean_environment

TELCO_CHURN = str(Path(sys.executable).parent / "telco-churn")


def _shell(script: str) -> subprocess.CompletedProcess:
    env = clean_environment()
    env["PATH"] = f"{DBX_BIN}:{Path(sys.executable).parent}:{env['PATH']}"
    return subprocess.run(["bash", "-e", "-c", script], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)


def test_start_status_env_stop(tmp_path):
    folder = tmp_path / "ws"
    cli = f"{TELCO_CHURN} workspace"
    started = _shell(f"{cli} start --dir {folder} --port 0 --profile legacy")
    try:
        assert started.returncode == 0, started.stderr
        assert "Workspace running at http://127.0.0.1:" in started.stdout
        assert stat.S_IMODE((folder / "token").stat().st_mode) == 0o600
        status = _shell(f"{cli} status --dir {folder}")
        assert status.returncode == 0 and "running at http://127.0.0.1:" in status.stdout
        assert "profile: legacy (" in status.stdout
        other = _shell(f"{cli} start --dir {folder} --port 0 --profile uc")  # the folder keeps its profile
        assert other.returncode != 0 and "created with profile 'legacy'" in other.stderr
        # The README's line, then the legacy CLI and databricks-sdk with nothing else set up.
        used = _shell(f'eval "$({cli} env --dir {folder})"\n'
                      "databricks workspace mkdirs /Shared/cli-check\n"
                      "databricks workspace ls /Shared\n"
                      f"{sys.executable} -c 'from databricks.sdk import WorkspaceClient; "
                      "print(WorkspaceClient().current_user.me().user_name)'")
        assert used.returncode == 0, used.stdout + used.stderr
        assert "cli-check" in used.stdout and "@" in used.stdout.splitlines()[-1]
        assert (folder / "token").read_text().strip() not in used.stdout + used.stderr
    finally:
        stopped = _shell(f"{cli} stop --dir {folder}")
    assert stopped.returncode == 0 and "Workspace stopped" in stopped.stdout
    after = _shell(f"{cli} status --dir {folder}")
    assert after.returncode == 3 and "not running" in after.stdout


def test_serve_stops_cleanly_on_ctrl_c(tmp_path):
    folder = tmp_path / "ws"
    process = subprocess.Popen([TELCO_CHURN, "workspace", "serve", "--dir", str(folder), "--port", "0"], cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (folder / "server.json").exists():
            assert process.poll() is None and time.monotonic() < deadline, "the workspace did not start"
            time.sleep(0.1)
        state = json.loads((folder / "server.json").read_text())
        assert state["pid"] == process.pid
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert not (folder / "server.json").exists()  # `status` says: not running
    assert (folder / "profile").read_text().strip() == "uc"  # the default profile of a new workspace
    assert "Traceback" not in output
