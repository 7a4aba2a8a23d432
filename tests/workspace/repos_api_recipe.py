"""The Repos-API recipe that `telco-churn ci repo-test` and azure-pipelines.yml follow, written as
its users write it: the legacy `databricks_cli` package (0.17.8, the one dbx ships with) and its
ReposService and JobsService. Run with .venv-dbx's Python, configured by DATABRICKS_HOST and
DATABRICKS_TOKEN (and HTTP_PROXY: that ApiClient drops the port), as `telco-churn workspace env` gives them:

    python repos_api_recipe.py GIT_URL PROVIDER REPO_PATH BRANCH CLUSTER_ID NOTEBOOK [POLL_SECONDS]

Prints the run's result_state last; exits 0 on SUCCESS (the recipe asserts it), else 1.
"""

import os
import sys
import time

from databricks_cli.sdk.api_client import ApiClient
from databricks_cli.sdk.service import JobsService, ReposService


def main(git_url, provider, repo_path, branch, cluster_id, notebook, poll_seconds="5"):
    api_client = ApiClient(host=os.getenv("DATABRICKS_HOST"), token=os.getenv("DATABRICKS_TOKEN"))
    repos_service = ReposService(api_client)
    repo = repos_service.create_repo(git_url, provider, path=repo_path)
    try:
        repos_service.update_repo(repo["id"], branch=branch)
        jobs_service = JobsService(api_client)
        run = jobs_service.submit_run(run_name=f"repo test {branch}", existing_cluster_id=cluster_id,
                                      notebook_task={"notebook_path": f"{repo_path}/{notebook}"})
        run_id = run["run_id"]
        print("run_id", run_id, flush=True)
        while True:
            state = jobs_service.get_run(run_id)["state"]
            result_state = state.get("result_state")
            if result_state:
                break
            time.sleep(float(poll_seconds))
        print(state.get("state_message", ""))
        print(result_state)
        return 0 if result_state == "SUCCESS" else 1
    finally:
        repos_service.delete_repo(repo["id"])


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
