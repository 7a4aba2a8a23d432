"""`telco-churn ci trigger train|score`: run the branch's training or scoring notebook (pushed by
`telco-churn notebooks push`) on the workspace, with the branch passed to it, as the original
recipe's trigger scripts did. Waits for the run unless --no-wait."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from telco_churn.branch import current_branch
from telco_churn.ci.attach import attach_wheel, import_conf, project_dir
from telco_churn.ci.client import workspace_client
from telco_churn.ci.cluster_spec import load_cluster_spec, parse_pairs
from telco_churn.ci.errors import CiError
from telco_churn.ci.notebook_sync import branch_folder
from telco_churn.ci.runs import submit_notebook, wait_for
from telco_churn.ci.wheel_location import OPTION as WHEEL_DIR_OPTION, OPTION_HELP as WHEEL_DIR_HELP, wheel_dir

NOTEBOOKS = {"train": "train", "score": "score"}


def add_arguments(parser) -> None:
    parser.add_argument("what", choices=sorted(NOTEBOOKS), help="train or score")
    parser.add_argument("--env", default="dev", help="the environment the notebook runs with (default dev)")
    parser.add_argument("--folder", default=None, help="the workspace folder of the notebooks "
                                                       "(default /Users/<user>/<branch>/notebooks)")
    parser.add_argument("--cluster-spec", default=None, metavar="FILE", help="default conf/ci/notebook-cluster.json")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="a widget value")
    parser.add_argument("--no-wheel", action="store_true", help="attach no project wheel")
    parser.add_argument("--wheel", default=None, metavar="FILE", help="attach this wheel instead of building one")
    parser.add_argument(WHEEL_DIR_OPTION, default=None, metavar="DIR", help=WHEEL_DIR_HELP)
    parser.add_argument("--project-dir", default=None, help="the checkout (default: found from here)")
    parser.add_argument("--no-wait", action="store_true", help="print the run and return")
    parser.add_argument("--poll-seconds", type=float, default=10.0)
    parser.add_argument("--profile", default=None, help="a profile of ~/.databrickscfg (default DATABRICKS_HOST/TOKEN)")


def main(args) -> int:
    project = project_dir(args.project_dir)
    spec = load_cluster_spec(args.cluster_spec or project / "conf" / "ci" / "notebook-cluster.json", require_notebook=False)
    branch = current_branch(project)
    params = {"env": args.env, **({"branch": branch} if branch else {}), **parse_pairs(args.param, "--param")}
    place = None if args.no_wheel else wheel_dir(project, params["env"], args.wheel_dir,
                                                 f"trigger-{time.strftime('%Y%m%d-%H%M%S')}")
    client = workspace_client(args.profile)
    folder = branch_folder(client, args.folder)
    notebook = f"{folder}/{NOTEBOOKS[args.what]}"
    from databricks.sdk.errors import NotFound

    try:
        client.workspace.get_status(notebook)
    except NotFound:
        raise CiError(f"{notebook} does not exist: push the branch's notebooks first (telco-churn notebooks push)") from None
    libraries = []
    if not args.no_wheel:
        import_conf(client, project, folder)
        _, libraries = attach_wheel(client, project, Path(tempfile.mkdtemp(prefix="trigger-")), place, args.wheel, print)
    run_id = submit_notebook(client, f"{args.what} {branch or ''}".strip(), spec, notebook, params, libraries)
    print(f"Run {run_id}: {notebook} with {params}")
    if args.no_wait:
        return 0
    outcome = wait_for(client, run_id, args.poll_seconds, print)
    if not outcome.succeeded:
        raise CiError(f"run {run_id} ended {outcome.result_state or outcome.life_cycle_state}: "
                      f"{outcome.error or outcome.state_message}")
    print(f"Run {run_id}: SUCCESS, exit value {outcome.notebook_result!r} ({outcome.run_page_url})")
    return 0
