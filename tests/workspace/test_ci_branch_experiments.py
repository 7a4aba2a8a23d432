"""Per-branch experiments: on for dev (from `branch`, $BRANCH_NAME or git), off elsewhere; the
notebooks' explicit experiment is used as given. (On the workspace: test_ci_notebook_build.)"""

from __future__ import annotations

import subprocess

import pytest

from telco_churn.config.environment import load_environment
from telco_churn.jobs.model_train_job import ModelTrainJob
from telco_churn.notebook_args import job_argv
from telco_churn.paths import default_env_file


@pytest.fixture
def outside_git(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BRANCH_NAME", raising=False)
    return tmp_path


def test_dev_experiments_follow_the_branch_and_prod_ones_do_not(outside_git, monkeypatch):
    monkeypatch.setenv("BRANCH_NAME", "feature/churn-v2")
    dev = load_environment(default_env_file(), "dev")
    assert (dev.branch, dev.experiments.training, dev.experiments.deployment) == (
        "feature/churn-v2", "/Shared/telco-churn/dev/feature-churn-v2/model-train",
        "/Shared/telco-churn/dev/feature-churn-v2/model-deployment")
    for env in ("local", "staging", "prod"):
        settings = load_environment(default_env_file(), env)
        assert settings.experiments.training == f"/Shared/telco-churn/{env}/model-train"


def test_the_branch_setting_wins_and_git_is_the_fallback(outside_git, monkeypatch):
    monkeypatch.setenv("BRANCH_NAME", "ignored")
    assert load_environment(default_env_file(), "dev", ["branch=b1"]).experiments.training == "/Shared/telco-churn/dev/b1/model-train"
    monkeypatch.delenv("BRANCH_NAME")
    subprocess.run(["git", "init", "-q", "-b", "from-git"], cwd=outside_git, check=True)
    assert load_environment(default_env_file(), "dev").experiments.training == "/Shared/telco-churn/dev/from-git/model-train"


def test_no_known_branch_keeps_the_shared_experiments(outside_git):
    assert load_environment(default_env_file(), "dev").experiments.training == "/Shared/telco-churn/dev/model-train"


def test_the_training_notebooks_arguments(outside_git):
    job = ModelTrainJob(job_argv("dev", branch="b2", database="telco_churn_prod", sets={"model_params.max_depth": "6"}))
    assert (job.env.experiments.training, job.env.database, job.conf.model_params.max_depth) == (
        "/Shared/telco-churn/dev/b2/model-train", "telco_churn_prod", 6)
    explicit = ModelTrainJob(job_argv("dev", branch="b2", experiment="/Shared/mine/train"))
    assert explicit.env.experiments.training == "/Shared/mine/train"
