"""`telco-churn ci repo-test`: check a branch out in a temporary repo under /Repos/ci, run its
integration-test notebook from the repo path, and assert SUCCESS. The temporary repo is always
deleted: on success, on failure, on Ctrl-C and on SIGTERM."""

from __future__ import annotations

import signal
import sys
import uuid
from contextlib import contextmanager

from telco_churn.branch import path_segment
from telco_churn.ci.client import workspace_client
from telco_churn.ci.cluster_spec import load_cluster_spec, parse_pairs
from telco_churn.ci.runs import submit_notebook, wait_for

REPOS_FOLDER = "/Repos/ci"
PROVIDERS = {"github.com": "gitHub", "gitlab.com": "gitLab", "dev.azure.com": "azureDevOpsServices",
             "visualstudio.com": "azureDevOpsServices", "bitbucket.org": "bitbucketCloud"}


def add_arguments(parser) -> None:
    parser.add_argument("--git-url", required=True, help="the repository to clone (file:// or a path on a local workspace)")
    parser.add_argument("--branch", required=True)
    cluster = parser.add_mutually_exclusive_group(required=True)
    cluster.add_argument("--cluster-spec", metavar="FILE", help="JSON with new_cluster (or existing_cluster_id), timeout_seconds")
    cluster.add_argument("--existing-cluster-id", metavar="ID")
    parser.add_argument("--notebook", default="notebooks/integration_test", help="the test notebook, relative to the repo root")
    parser.add_argument("--provider", default=None, help="git provider (default: from the URL's host, else gitHub)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="a widget value of the notebook")
    parser.add_argument("--poll-seconds", type=float, default=10.0)
    parser.add_argument("--profile", default=None, help="a profile of ~/.databrickscfg (default DATABRICKS_HOST/TOKEN)")


def provider_for(url: str) -> str:
    return next((name for host, name in PROVIDERS.items() if host in url), "gitHub")


@contextmanager
def sigterm_as_interrupt():
    """SIGTERM (a CI runner cancelling the job) unwinds like Ctrl-C, so cleanup still runs."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(args) -> int:
    spec = load_cluster_spec(args.cluster_spec, require_notebook=False) if args.cluster_spec else {
        "existing_cluster_id": args.existing_cluster_id}
    params = parse_pairs(args.param, "--param")
    client = workspace_client(args.profile)
    path = f"{REPOS_FOLDER}/telco-churn_{path_segment(args.branch)}_{uuid.uuid4().hex[:8]}"
    repo_id = run_id = None
    finished = False
    with sigterm_as_interrupt():
        try:
            client.workspace.mkdirs(REPOS_FOLDER)
            repo = client.repos.create(url=args.git_url, provider=args.provider or provider_for(args.git_url), path=path)
            repo_id = repo.id
            print(f"Created repo {repo_id} at {path} from {args.git_url}")
            client.repos.update(repo_id, branch=args.branch)
            print(f"Checked out {args.branch} at {client.repos.get(repo_id).head_commit_id}")
            notebook = f"{path}/{args.notebook.strip('/').removesuffix('.py')}"
            run_id = submit_notebook(client, f"repo-test {args.branch}", spec, notebook, params, [])
            print(f"Submitted run {run_id} of {notebook}")
            outcome = wait_for(client, run_id, args.poll_seconds, print)
            finished = True
            if outcome.succeeded:
                print(f"Run {run_id}: SUCCESS ({outcome.run_page_url})")
                return 0
            print(f"Run {run_id}: {outcome.result_state or outcome.life_cycle_state}: {outcome.error or outcome.state_message}",
                  file=sys.stderr)
            if outcome.error_trace:
                print(outcome.error_trace[-4000:], file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            if run_id is not None and not finished:
                client.jobs.cancel_run(run_id)
                print(f"Interrupted: run {run_id} canceled", file=sys.stderr)
            return 130
        finally:
            if repo_id is not None:
                client.repos.delete(repo_id)
                print(f"Deleted repo {repo_id} ({path})")
