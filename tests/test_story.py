"""The README's main command: the whole lifecycle, end to end, on the full 7043-row data."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _story(workspace: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "telco_churn.cli", "story", "--workspace-dir", str(workspace), *args],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _figures(summary: str) -> dict:
    found = re.search(r"candidate roc_auc=([\d.]+), current roc_auc=([\d.]+) -> (\w+)", summary)
    assert found, summary
    return {"candidate": float(found[1]), "current": float(found[2]), "decision": found[3],
            "versions": re.findall(r"v(\d+): stage (\w+)", summary),
            "rows": int(re.search(r"(\d+) rows scored", summary)[1])}


def test_whole_story_closes_the_loop_then_gives_the_same_decision_again(tmp_path):
    workspace = tmp_path / "ws"
    output = _story(workspace)
    first = _figures(output)
    assert first["decision"] == "promote_candidate_better"  # depth 8 beats depth 4 on the held-out set
    assert first["candidate"] > first["current"] > 0.8
    assert first["versions"] == [("1", "Archived"), ("2", "Production")]
    assert first["rows"] == 7043
    # The loop: a quiet normal week, a drifting week that breaches on the shifted columns, a retrained v3.
    assert re.search(r"monitoring, normal week: no retraining", output), output[-3000:]
    assert re.search(r"monitoring, drifting week: retrain: \d+ of the last", output), output[-3000:]
    drifting = re.search(r"drifting columns in the latest window: (.*)", output)[1]
    assert "MonthlyCharges" in drifting and "Contract_Month_to_month" in drifting
    assert re.search(r"retraining: model-train -> v3; .*-> \w+", output), output[-3000:]
    # From scratch again, without the loop (demo-setup clears the model, experiments and tables): the
    # same lifecycle. model-train's own determinism is tested in test_training_order.
    second = _figures(_story(workspace, "--no-loop"))
    assert second == first
