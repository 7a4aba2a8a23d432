"""The promotion decision: the rule as pure code, then applied to a real registry in both styles."""

from __future__ import annotations

import pytest

from telco_churn.pipelines.promotion import Decision, decide
from telco_churn.registry import ModelRegistry

# (case, candidate, current, higher_is_better, expected)
RULES = [
    ("better, higher is better", 0.9, 0.8, True, Decision.PROMOTE_BETTER),
    ("worse, higher is better", 0.7, 0.8, True, Decision.KEEP_CURRENT),
    ("tie, higher is better", 0.8, 0.8, True, Decision.KEEP_CURRENT),
    ("better, lower is better", 0.3, 0.4, False, Decision.PROMOTE_BETTER),
    ("worse, lower is better", 0.5, 0.4, False, Decision.KEEP_CURRENT),
    ("tie, lower is better", 0.4, 0.4, False, Decision.KEEP_CURRENT),
    ("float-noise tie, lower is better", 0.3782341751993886, 0.37823417519938857, False, Decision.KEEP_CURRENT),
    ("float-noise tie, higher is better", 0.8 + 1e-15, 0.8, True, Decision.KEEP_CURRENT),
    ("small real gain", 0.8001, 0.8, True, Decision.PROMOTE_BETTER),
    ("no current model", 0.5, None, True, Decision.PROMOTE_FIRST),
    ("no candidate", None, 0.8, True, Decision.NO_CANDIDATE),
    ("nothing at all", None, None, False, Decision.NO_CANDIDATE),
]


@pytest.mark.parametrize("case,candidate,current,higher,expected", RULES, ids=[r[0] for r in RULES])
def test_decide(case, candidate, current, higher, expected):
    assert decide(candidate, current, higher) is expected


@pytest.fixture(scope="module")
def models(runtime, built_sample):
    """Two real versions: v1 weak (depth 1, 3 trees), v2 strong (depth 6, 40 trees).

    On a copy of the built sample, not on `trained`: its model would only be deleted here.
    """
    from tests.conftest import Sandbox

    trained = Sandbox(runtime, "promotion")
    trained.copy_built(built_sample)
    weak = trained.job("model-train", "--set", "model_params.max_depth=1", "--set", "model_params.n_estimators=3",
                       "--set", "model_params.max_features=0.2")
    strong = trained.job("model-train", "--set", "model_params.max_depth=6", "--set", "model_params.n_estimators=40")
    return trained, weak.version, strong.version


def _reset(registry) -> None:
    """No version holds a stage or an alias."""
    stages = ModelRegistry(registry.name, "stages", registry.client)
    for info in registry.versions():
        if info.stage != "None":
            stages.set_stage(info.version, "None")
        for alias in info.aliases:
            registry.remove_alias(alias)


def _twin(registry, version) -> int:
    """A new version with the same model, for a tie."""
    source = registry.client.get_model_version(registry.name, str(version))
    return int(registry.client.create_model_version(registry.name, source.source, source.run_id).version)


# (case, candidate, current, metric, higher_is_better, promoted?)  "weak"/"strong"/"twin"/None
MATRIX = [
    ("candidate better, higher is better", "strong", "weak", "roc_auc", True, True),
    ("candidate worse, higher is better", "weak", "strong", "roc_auc", True, False),
    ("tie, higher is better", "twin", "strong", "roc_auc", True, False),
    ("candidate better, lower is better", "strong", "weak", "log_loss", False, True),
    ("candidate worse, lower is better", "weak", "strong", "log_loss", False, False),
    ("tie, lower is better", "twin", "strong", "log_loss", False, False),
    ("no current model", "weak", None, "roc_auc", True, True),
    ("no candidate", None, "weak", "roc_auc", True, False),
]


@pytest.mark.parametrize("style", ["stages", "aliases"])
@pytest.mark.parametrize("case,candidate,current,metric,higher,promoted", MATRIX, ids=[m[0] for m in MATRIX])
def test_deployment_applies_the_decision(models, style, case, candidate, current, metric, higher, promoted):
    box, weak, strong = models
    registry = box.registry(style)
    _reset(registry)
    chosen = {"weak": weak, "strong": strong, None: None}
    if candidate == "twin":
        chosen["twin"] = _twin(registry, strong)
    cand, cur = chosen[candidate], chosen[current]
    if cur is not None:
        registry.assign(cur, registry.role_label("current"))
    if cand is not None:
        registry.assign(cand, registry.role_label("candidate"))

    result = box.job("model-deployment", "--set", f"metric={metric}", "--set", f"higher_is_better={str(higher).lower()}",
                     env_set=(f"model_registry={style}",))

    now_current = registry.version_for("current")
    now_candidate = registry.version_for("candidate")
    if cand is None:
        assert result.decision is Decision.NO_CANDIDATE
        assert int(now_current.version) == cur  # nothing changed
        return
    assert result.decision.promotes is promoted
    assert now_candidate is None  # promoted or retired, it is no longer the candidate
    assert int(now_current.version) == (cand if promoted else cur)
    versions = {v.version: v for v in registry.versions()}
    if style == "stages":
        if promoted and cur is not None:
            assert versions[cur].stage == "Archived"
        if not promoted:
            assert versions[cand].stage == "Archived"
    if cur is not None and candidate != "twin":
        assert (result.candidate_metric > result.current_metric) == (promoted == higher)
    if candidate == "twin":
        assert result.candidate_metric == pytest.approx(result.current_metric, rel=1e-9)


def _weak_in_production_strong_in_staging(models):
    box, weak, strong = models
    registry = box.registry("stages")
    _reset(registry)
    registry.assign(weak, "Production")
    registry.assign(strong, "Staging")
    return box, registry, weak, strong


def test_dry_run_changes_nothing(models):
    box, registry, weak, strong = _weak_in_production_strong_in_staging(models)
    result = box.job("model-deployment", "--set", "dry_run=true")
    assert result.decision is Decision.PROMOTE_BETTER
    assert int(registry.version_for("current").version) == weak
    assert int(registry.version_for("candidate").version) == strong


def test_deployment_run_is_logged(models):
    import mlflow

    box, registry, weak, strong = _weak_in_production_strong_in_staging(models)
    box.job("model-deployment")
    experiment = mlflow.get_experiment_by_name(box.env.experiments.deployment)
    run = mlflow.search_runs([experiment.experiment_id], order_by=["start_time DESC"], max_results=1).iloc[0]
    assert run["tags.decision"] == Decision.PROMOTE_BETTER.value
    assert run["metrics.candidate_roc_auc"] > run["metrics.current_roc_auc"]
    assert run["params.candidate_version"] == str(strong)
    # Each model's input checks, saved in the run: a refused comparison would explain itself here.
    reports = [a.path for a in mlflow.MlflowClient().list_artifacts(run["run_id"], "validation")]
    assert sorted(reports) == sorted(f"validation/reference_v{v}.json" for v in (weak, strong))
    for path in reports:
        report = mlflow.artifacts.load_dict(f"runs:/{run['run_id']}/{path}")
        assert report["passed"] and report["errors"] == 0 and report["checks"], path
