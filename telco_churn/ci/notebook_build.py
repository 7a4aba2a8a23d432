"""`telco-churn ci notebook-build`: fetch notebooks, import them into the workspace, run one
with runs/submit, poll it, read its MLflow run from the exit value, apply the checks and
write a JSON report. Exit 0 only if every step and check passed."""

from __future__ import annotations

import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from telco_churn.ci.attach import attach_wheel, import_conf, project_dir
from telco_churn.ci.checks import parse_metric_check, parse_param_check
from telco_churn.ci.client import workspace_client
from telco_churn.ci.cluster_spec import load_cluster_spec, parse_pairs
from telco_churn.ci.errors import CiError
from telco_churn.ci.mlflow_run import fetch_mlflow_run
from telco_churn.ci.report import scrubbed, write_report
from telco_churn.ci.runs import RunOutcome, submit_notebook, wait_for
from telco_churn.ci.steps import Steps
from telco_churn.ci.wheel_location import OPTION as WHEEL_DIR_OPTION, OPTION_HELP as WHEEL_DIR_HELP, wheel_dir
from telco_churn.ci.workspace_files import fetch_sources, import_files, local_files

STEPS = ["fetch notebooks", "import notebooks", "attach wheel", "submit run", "poll run", "check run result",
         "read exit value", "fetch MLflow run and check", "write report"]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def add_arguments(parser) -> None:
    parser.add_argument("--src-dir", default="notebooks",
                        help="a folder of the checkout, a raw git URL, or a workspace folder to export from")
    parser.add_argument("--src-files", nargs="+", default=None, metavar="FILE", help="only these files of --src-dir")
    parser.add_argument("--dst-dir", default=None, help="workspace folder to import into (default /Shared/telco-churn/ci/<build>)")
    parser.add_argument("--cluster-spec", required=True, metavar="FILE",
                        help="JSON: new_cluster or existing_cluster_id, notebook_task, timeout_seconds")
    parser.add_argument("--scratch-dir", default=None, help="local folder for the fetched notebooks and the wheel")
    parser.add_argument("--report-file", default=None, help="the JSON report (default <scratch-dir>/report.json)")
    parser.add_argument("--expect-metric", action="append", default=[], metavar="CHECK", help="e.g. roc_auc>=0.80 (repeatable)")
    parser.add_argument("--expect-param", action="append", default=[], metavar="NAME=VALUE", help="e.g. max_depth=8 (repeatable)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a notebook widget value, added to notebook_task.base_parameters (repeatable)")
    parser.add_argument("--no-wheel", action="store_true", help="attach no project wheel (self-contained notebooks)")
    parser.add_argument("--wheel", default=None, metavar="FILE", help="attach this wheel instead of building one")
    parser.add_argument(WHEEL_DIR_OPTION, default=None, metavar="DIR", help=WHEEL_DIR_HELP)
    parser.add_argument("--project-dir", default=None, help="the checkout to build the wheel from (default: found from here)")
    parser.add_argument("--poll-seconds", type=float, default=10.0)
    parser.add_argument("--profile", default=None, help="a profile of ~/.databrickscfg (default DATABRICKS_HOST/TOKEN)")


class NotebookBuild:
    def __init__(self, args, say=print):
        # Everything given is checked first: bad input stops the build before the workspace is touched.
        self.args, self.say = args, say
        self.metric_checks = [parse_metric_check(c) for c in args.expect_metric]
        self.param_checks = [parse_param_check(c) for c in args.expect_param]
        self.params = parse_pairs(args.param, "--param")
        self.spec = load_cluster_spec(args.cluster_spec)
        self.build_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
        self.scratch = Path(args.scratch_dir or tempfile.mkdtemp(prefix="notebook-build-"))
        self.dst_dir = (args.dst_dir or f"/Shared/telco-churn/ci/{self.build_id}").rstrip("/")
        self.report_file = Path(args.report_file or self.scratch / "report.json")
        self.parameters = {**self.spec["notebook_task"].get("base_parameters", {}), **self.params}
        self.wheel_dir = None if args.no_wheel else wheel_dir(
            project_dir(args.project_dir), self.parameters.get("env"), args.wheel_dir, self.build_id)
        self.steps = Steps(STEPS, say)
        self.report: dict = {"info": {"start_time": _now()},
                             "arguments": {k: v for k, v in vars(args).items() if not callable(v)},
                             "cluster_spec_file": str(Path(args.cluster_spec).resolve()), "cluster_spec": None,
                             "downloaded_files": [], "uploaded_files": [], "databricks_job": None, "mlflow_run": None,
                             "checks": []}
        self.outcome: RunOutcome | None = None

    @property
    def notebook_path(self) -> str:
        path = self.spec["notebook_task"]["notebook_path"]
        return path if path.startswith("/") else f"{self.dst_dir}/{path.removesuffix('.py')}"

    def run(self) -> int:
        client = workspace_client(self.args.profile)
        secrets = [client.config.token or ""]
        steps = self.steps
        files = steps.run("fetch notebooks", lambda: self._fetch(client))
        steps.run("import notebooks", lambda: self._import(client, files))
        libraries = steps.run("attach wheel", lambda: self._wheel(client))
        run_id = steps.run("submit run", lambda: self._submit(client, libraries or []))
        try:
            self.outcome = steps.run("poll run", lambda: wait_for(client, run_id, self.args.poll_seconds, self.say))
        except KeyboardInterrupt:  # Ctrl-C: the run is canceled, and the report says so
            client.jobs.cancel_run(run_id)
            steps.run("poll run", lambda: _interrupted(run_id))
        steps.run("check run result", self._check_result)
        mlflow_run_id = steps.run("read exit value", self._exit_value)
        steps.run("fetch MLflow run and check", lambda: self._mlflow(client, mlflow_run_id))
        failed = steps.failed
        info = self.report["info"]
        info.update(end_time=_now(), result_state="FAILED" if failed else "SUCCESS",
                    failed_step=failed["step"] if failed else None, error=failed["message"] if failed else None)
        self.report["steps"] = steps.records
        steps.run("write report", lambda: write_report(self.report_file, scrubbed(self.report, secrets)), always=True)
        self.say(f"Report: {self.report_file}")
        return 1 if steps.failed else 0

    def _fetch(self, client) -> dict[str, bytes]:
        written = fetch_sources(client, self.args.src_dir, self.args.src_files, self.scratch / "notebooks")
        self.report["downloaded_files"] = [str(p) for p in written]
        self.say(f"  {len(written)} file(s) into {self.scratch / 'notebooks'}")
        return local_files(self.scratch / "notebooks")

    def _import(self, client, files: dict[str, bytes]) -> None:
        uploaded = import_files(client, files, self.dst_dir)
        if not self.args.no_wheel:
            uploaded += import_conf(client, project_dir(self.args.project_dir), self.dst_dir)
        self.report["uploaded_files"] += uploaded
        for path in uploaded:
            self.say(f"  imported {path}")

    def _wheel(self, client) -> list[dict]:
        if self.args.no_wheel:
            self.say("  --no-wheel: none attached")
            return []
        target, libraries = attach_wheel(client, project_dir(self.args.project_dir), self.scratch, self.wheel_dir,
                                         self.args.wheel, self.say)
        self.report["uploaded_files"].append(target)
        return libraries

    def _submit(self, client, libraries: list[dict]) -> int:
        parameters = self.parameters
        run_name = self.spec.get("run_name") or f"notebook-build {self.build_id}"
        self.report["cluster_spec"] = {**self.spec, "notebook_task": {"notebook_path": self.notebook_path,
                                                                       "base_parameters": parameters},
                                       "libraries": [*self.spec.get("libraries", []), *libraries]}
        run_id = submit_notebook(client, run_name, self.spec, self.notebook_path, parameters, libraries)
        self.report["databricks_job"] = {"run_id": run_id}
        self.say(f"  run {run_id} of {self.notebook_path}")
        return run_id

    def _check_result(self) -> None:
        outcome = self.outcome
        self.report["databricks_job"] = {**outcome.as_report(), "notebook_result": outcome.notebook_result,
                                         "error": outcome.error, "error_trace": (outcome.error_trace or "")[-4000:] or None}
        if not outcome.succeeded:
            raise CiError(f"run {outcome.run_id} ended {outcome.result_state or outcome.life_cycle_state}: "
                          f"{outcome.error or outcome.state_message}")

    def _exit_value(self) -> str:
        value = (self.outcome.notebook_result or "").strip()
        if not value:
            raise CiError(f"the notebook {self.notebook_path} ended without an exit value: it must end with "
                          "dbutils.notebook.exit(<MLflow run id>)")
        self.say(f"  MLflow run id {value}")
        return value

    def _mlflow(self, client, run_id: str) -> None:
        found = fetch_mlflow_run(client, run_id)
        self.report["mlflow_run"] = found
        results = [c.apply(found["metrics"]) for c in self.metric_checks]
        results += [c.apply(found["params"]) for c in self.param_checks]
        self.report["checks"] = results
        for result in results:
            self.say(f"  {'passed' if result['passed'] else 'FAILED'}: {result['check']} {result['message']}".rstrip())
        failed = [r["check"] for r in results if not r["passed"]]
        if failed:
            raise CiError(f"check(s) failed: {', '.join(failed)}")


def _interrupted(run_id: int):
    raise CiError(f"interrupted: run {run_id} canceled")


def main(args) -> int:
    return NotebookBuild(args).run()
