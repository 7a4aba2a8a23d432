"""The README's main command: the whole lifecycle, end to end, on the full 7043-row data."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _story(workspace: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "telco_churn.cli", "story", "--workspace-dir", str(workspace)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _figures(summary: str) -> dict:
    found = re.search(r"candidate roc_auc=([\d.]+), current roc_auc=([\d.]+) -> (\w+)", summary)
    assert found, summary
    return {"candidate": float(found[1]), "current": float(found[2]), "decision": found[3],
            "versions": re.findall(r"v(\d+): stage (\w+)", summary),
            "rows": int(re.search(r"(\d+) rows scored", summary)[1])}


def test_whole_story_twice_gives_the_same_decision(tmp_path):
    workspace = tmp_path / "ws"
    first = _figures(_story(workspace))
    assert first["decision"] == "promote_candidate_better"  # depth 8 beats depth 4 on the held-out set
    assert first["candidate"] > first["current"] > 0.8
    assert first["versions"] == [("1", "Archived"), ("2", "Production")]
    assert first["rows"] == 7043
    # From scratch again (demo-setup clears the model, experiments and tables): the same story.
    second = _figures(_story(workspace))
    assert second == first
