"""The whole model lifecycle on the local engine, in one process, with a summary at the end."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from telco_churn.logging_setup import get_logger
from telco_churn.runtime import Runtime, open_runtime

log = get_logger("story")

INITIAL_WORKFLOW = "PROD-telco-churn-initial-model-train-register"
CHALLENGER_DEPTH = 8


@dataclass
class StorySummary:
    versions: list = field(default_factory=list)
    decision: str = ""
    metric: str = ""
    candidate_metric: float | None = None
    current_metric: float | None = None
    rows_scored: int = 0
    tables_dir: Path | None = None
    mlflow_uri: str = ""
    seconds: float = 0.0

    def render(self) -> str:
        lines = ["", "=== telco-churn story: summary ==="]
        lines += [f"  {v}" for v in self.versions]
        lines.append(f"  model-deployment on the reference table: candidate {self.metric}={self.candidate_metric:.4f}, "
                     f"current {self.metric}={self.current_metric:.4f} -> {self.decision}")
        lines.append(f"  model-inference-batch: {self.rows_scored} rows scored")
        lines.append(f"  Delta tables: {self.tables_dir}")
        lines.append(f"  MLflow store: {self.mlflow_uri}  (browse: telco-churn ui)")
        lines.append(f"  wall time: {self.seconds:.1f} s")
        return "\n".join(lines)


def _step(title: str) -> None:
    log.info("--- %s", title)


def _job(name: str, runtime: Runtime, *args: str):
    """Runs one job in this process on the shared engine; raises if it fails."""
    from telco_churn.jobs import JOBS

    job = JOBS[name](["--env", "local", *args], runtime)
    return job.launch()


def _promote(registry, version: int, target: str) -> None:
    """The manual registry step, as `telco-churn promote` does it."""
    registry.assign(version, target)
    log.info("%s v%s -> %s", registry.name, version, target)


def run_story(engine: str | None = None, workspace_dir: str | Path | None = None, loop: bool = True,
              timings: str | Path | None = None) -> int:
    """loop False stops after the lifecycle's summary (no monitoring loop); timings: a JSON file
    for the seconds of each part ({"lifecycle_s", "loop_s"}), which the benchmark reads."""
    from telco_churn.deployment.launcher import launch
    from telco_churn.registry import ROLE_NAMES, ModelRegistry

    started = time.perf_counter()
    with open_runtime(engine, workspace_dir) as runtime:
        _step(f"1. Initial train-register: {INITIAL_WORKFLOW} (demo-setup, data-ingest, feature table, train v1)")
        if launch(INITIAL_WORKFLOW, runtime=runtime) != 0:
            return 1
        from telco_churn.config.environment import load_environment
        from telco_churn.paths import default_env_file

        env = load_environment(default_env_file(), "local")
        registry = ModelRegistry(env.registered_model_name, env.model_registry)
        roles = ROLE_NAMES[env.model_registry]
        v1 = max(v.version for v in registry.versions())
        _step(f"2. Manual promotion with the CLI: v{v1} -> {roles['current']}")
        _promote(registry, v1, roles["current"])
        _step(f"3. Challenger: train with max_depth {CHALLENGER_DEPTH}, promote it to {roles['candidate']}")
        trained = _job("model-train", runtime, "--set", f"model_params.max_depth={CHALLENGER_DEPTH}")
        _promote(registry, trained.version, roles["candidate"])
        _step("4. model-deployment")
        deployment = _job("model-deployment", runtime)
        _step("5. model-inference-batch")
        inference = _job("model-inference-batch", runtime)
        tracking = runtime.tracking(env)
        summary = StorySummary(
            versions=[f"{registry.name} v{v.version}: stage {v.stage}{''.join(' @' + a for a in v.aliases)}"
                      for v in registry.versions()],
            decision=deployment.decision.value, metric=deployment.metric,
            candidate_metric=deployment.candidate_metric, current_metric=deployment.current_metric,
            rows_scored=inference.rows, tables_dir=getattr(runtime.lakehouse, "root", None),
            mlflow_uri=tracking.tracking_uri, seconds=time.perf_counter() - started,
        )
        closed = None
        if loop:
            _step("6. Closing the loop: a normal week, a drifting week, monitoring, retraining")
            from telco_churn.story_monitoring import run_loop

            closed = run_loop(runtime, env, lambda name, *args: _job(name, runtime, *args), runtime.workspace_dir,
                              CHALLENGER_DEPTH)
    print(summary.render(), flush=True)
    if closed is not None:
        print("\n".join(closed.lines()), flush=True)
    if timings:
        import json

        Path(timings).write_text(json.dumps({"lifecycle_s": summary.seconds,
                                             "loop_s": closed.seconds if closed else None}))
    return 0
