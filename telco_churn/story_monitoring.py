"""The story's closing loop: a normal week, a drifting week, monitoring, retraining, promotion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from telco_churn.logging_setup import get_logger

log = get_logger("story")

DAYS_PER_WEEK, ROWS_PER_DAY, LABEL_DELAY_DAYS = 7, 300, 2
SHIFT = dict(month_to_month=0.85, fiber_optic=0.7, charges_factor=1.25)


@dataclass
class LoopSummary:
    normal_decision: str = ""
    drift_decision: str = ""
    drifting_columns: tuple[str, ...] = ()
    quality: str = ""
    retrained_version: int | None = None
    deployment: str = ""
    report: str | None = None
    seconds: float = 0.0

    def lines(self) -> list[str]:
        return [f"  monitoring, normal week: {self.normal_decision}",
                f"  monitoring, drifting week: {self.drift_decision}",
                f"    drifting columns in the latest window: {', '.join(self.drifting_columns) or '(none)'}",
                f"    quality by labelled window (ROC AUC): {self.quality or '(no labels yet)'}",
                f"  retraining: model-train -> v{self.retrained_version}; model-deployment on the reference table "
                f"(with drifted customers): {self.deployment}",
                f"  monitoring report: {self.report}",
                f"  the loop added {self.seconds:.1f} s"]


def run_loop(runtime, env, job: Callable, workdir: Path, max_depth: int) -> LoopSummary:
    """job(name, *args) runs a job in this process on the shared engine."""
    import time

    from telco_churn.monitoring.simulate import Shift, scored_at, simulate

    started = time.perf_counter()
    spark, lakehouse, summary = runtime.spark, runtime.lakehouse, LoopSummary()
    start = datetime.now(timezone.utc).date() - timedelta(days=2 * DAYS_PER_WEEK)
    sim = simulate(2 * DAYS_PER_WEEK, ROWS_PER_DAY, start, Shift(**SHIFT), DAYS_PER_WEEK, LABEL_DELAY_DAYS)
    labels = sim.labels
    for week, days in (("normal", sim.days()[:DAYS_PER_WEEK]), ("drifting", sim.days()[DAYS_PER_WEEK:])):
        log.info("--- %s week: %s .. %s, %d customers a day", week, days[0], days[-1], ROWS_PER_DAY)
        batch = sim.batches[sim.batches["day"].isin(days)]
        csv = workdir / f"{week}_week.csv"
        batch.drop(columns=["day"]).to_csv(csv, index=False)
        job("data-ingest", "--set", f"source={csv}", "--set", "mode=append")
        job("feature-table-creation")
        for day in days:
            keys = f"{env.schema_name}.story_day_keys"
            lakehouse.write(spark.createDataFrame(batch.loc[batch["day"] == day, ["customerID"]]), keys)
            job("model-inference-batch", "--env-set", "tables.inference_input=story_day_keys", "--set", "append_to_log=true",
                "--set", f"scored_at={scored_at(day).isoformat()}", "--set", f"batch_id=day-{day:%Y-%m-%d}")
        known = labels[labels["customerID"].isin(sim.batches.loc[sim.batches["day"] <= days[-1], "customerID"])]
        lakehouse.write(spark.createDataFrame(known), env.table("late_labels"))
        # Both weeks in the report: the rule still looks at its own last windows.
        result = job("model-monitoring", "--set", f"latest_window={days[-1]:%Y-%m-%d}T00:00:00Z",
                     "--set", f"lookback_windows={2 * DAYS_PER_WEEK}")
        if week == "normal":
            summary.normal_decision = result.decision.reason
        else:
            summary.drift_decision = result.decision.reason
            summary.drifting_columns = tuple(sorted({b.column for b in result.decision.latest_breaches}))[:8]
            summary.report = result.report_uri
            quality = [r for r in result.profile_rows if r["column_name"] == ":table" and r["roc_auc"] is not None]
            summary.quality = ", ".join(f"{r['window_start']:%m-%d} {r['roc_auc']:.3f}" for r in quality)
            if result.decision.retrain:
                log.info("--- retraining, as the monitoring workflow's run_job_task would start it")
                # The Production model's depth (the story's challenger), now with the new labelled customers.
                trained = job("model-train", "--set", f"model_params.max_depth={max_depth}",
                              "--set", "promote_to=Staging" if env.model_registry == "stages" else "promote_to=challenger")
                summary.retrained_version = trained.version
                deployment = job("model-deployment")
                summary.deployment = (f"candidate {deployment.metric}={deployment.candidate_metric:.4f} vs current "
                                      f"{deployment.current_metric:.4f} -> {deployment.decision.value}")
    summary.seconds = time.perf_counter() - started
    return summary
