"""The monitoring workflow's run_job_task: job://NAME resolved to an id in a copy that dbx deploys."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from telco_churn.config.loader import load_yaml
from telco_churn.deployment.job_refs import job_references, write_resolved

REPO = Path(__file__).resolve().parents[1]
DEPLOYMENT = REPO / "conf" / "deployment.yml"
# What dbx 0.8.19 would send to the Jobs API for one workflow: its models keep unknown task fields.
DBX_PAYLOAD = r"""
import json, sys
from pathlib import Path
from dbx.api.config_reader import ConfigReader
env = ConfigReader(Path(sys.argv[1])).get_config().get_environment(sys.argv[2], raise_if_not_found=True)
wf = next(w for w in env.payload.workflows if w.name == sys.argv[3])
print("DBX_RESULT " + json.dumps(wf.dict(exclude_none=True), default=str))
"""


def test_every_environment_references_its_own_retraining_workflow():
    assert job_references(load_yaml(DEPLOYMENT.read_text())) == [
        "DEV-telco-churn-retraining", "PROD-telco-churn-retraining", "STAGING-telco-churn-retraining"]


def test_resolved_copy_is_what_dbx_sends_with_the_condition_the_job_id_and_the_schedule(dbx_python, tmp_path):
    ids = {"DEV-telco-churn-retraining": 11, "STAGING-telco-churn-retraining": 12, "PROD-telco-churn-retraining": 13}
    out = REPO / "conf" / f".resolved-{tmp_path.name}.yml"  # beside conf/: its file references stay valid
    try:
        assert write_resolved(DEPLOYMENT, out, ids.__getitem__) == sorted(ids)
        done = subprocess.run([str(dbx_python), "-W", "ignore", "-c", DBX_PAYLOAD, str(out), "prod",
                               "PROD-telco-churn-model-monitoring"], capture_output=True, text=True, cwd=REPO)
    finally:
        out.unlink(missing_ok=True)
    assert done.returncode == 0, done.stderr[-2000:]
    payload = json.loads(next(x for x in done.stdout.splitlines() if x.startswith("DBX_RESULT "))[11:])
    tasks = {t["task_key"]: t for t in payload["tasks"]}
    assert tasks["retrain"]["run_job_task"] == {"job_id": 13}
    assert tasks["retrain"]["depends_on"] == [{"task_key": "retrain-due", "outcome": "true"}]
    assert tasks["retrain-due"]["condition_task"] == {
        "op": "EQUAL_TO", "left": "{{tasks.`model-monitoring`.values.retrain}}", "right": "true"}
    assert payload["schedule"]["quartz_cron_expression"] == "0 0 6 * * ?"
    assert payload["schedule"]["pause_status"] == "UNPAUSED"
