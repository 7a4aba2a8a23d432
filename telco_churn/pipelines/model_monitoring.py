"""model-monitoring: the inference log per window and model version, profiled and compared with the
model's training data (BASELINE) and the previous window (CONSECUTIVE); metric tables, the
retraining decision, a report and the `retrain` task value."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from telco_churn.config.jobs import ModelMonitoringConfig
from telco_churn.errors import DataValidationError
from telco_churn.feature_store.base import PREDICTION, PROBABILITY
from telco_churn.monitoring import tables
from telco_churn.monitoring.binning import aligned, binned, column_kinds, numeric_edges, summarize
from telco_churn.monitoring.drift import CATEGORICAL, breaches, drift_metrics
from telco_churn.monitoring.quality import QUALITY_METRICS, quality_drop, window_quality
from telco_churn.pipelines.model_train import TRAINING_LABELS_VERSION_TAG
from telco_churn.pipelines.retraining import Breach, RetrainDecision, decide, last_windows
from telco_churn.registry import ModelRegistry
from telco_churn.task_values import set_task_value
from telco_churn.workload import JobContext

WINDOW = "window_start"
LOG_COLUMNS = (PREDICTION, PROBABILITY, "model_name", "model_version", "scored_at")
RETRAIN_TASK_VALUE = "retrain"
REPORT_ARTIFACT = "monitoring_report.html"
MAX_SLICE_VALUES = 50  # per slice column: more is a continuous column, not a slice


@dataclass
class MonitoringResult:
    windows: tuple[datetime, ...]
    decision: RetrainDecision
    profile_rows: list[dict] = field(default_factory=list)
    drift_rows: list[dict] = field(default_factory=list)
    run_id: str | None = None
    report_uri: str | None = None


@dataclass
class _Baseline:
    """What the monitored model was trained on, binned like the windows."""

    histograms: dict
    profiles: dict
    quality: dict[str, float | None]


def _utc_naive(moment: datetime | None) -> datetime | None:
    # The engine hands timestamps back as naive UTC; compare like with like.
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


class ModelMonitoring:
    def __init__(self, conf: ModelMonitoringConfig, ctx: JobContext, registry: ModelRegistry | None = None):
        self.conf, self.ctx = conf, ctx
        self.registry = registry or ModelRegistry(ctx.env.registered_model_name, ctx.env.model_registry)
        self.log_table = ctx.env.table("inference_log")

    # --- inputs, checked before anything is written ---------------------------------------------

    def _read_log(self):
        from pyspark.sql import functions as F

        log = self.ctx.lakehouse.read(self.log_table, hint="Run model-inference-batch with append_to_log: true first.")
        self._require(log.columns, [self.ctx.env.id_column, *LOG_COLUMNS], f"inference log {self.log_table}")
        seconds = int(self.conf.window.total_seconds())
        return log.withColumn(WINDOW, F.timestamp_seconds(F.floor(F.unix_timestamp("scored_at") / seconds) * seconds))

    @staticmethod
    def _require(have, wanted, what: str) -> None:
        missing = [c for c in wanted if c not in have]
        if missing:
            raise DataValidationError(f"Column(s) {', '.join(missing)} missing from {what}. No metric row was written.")

    def _check_metric_tables(self) -> None:
        """A metric table written before a column was added would refuse the write, and the local
        engine has no schema evolution (mergeSchema): name the table and the columns first."""
        lakehouse = self.ctx.lakehouse
        for name, schema in tables.metric_tables(self.log_table):
            missing = tables.missing_columns(schema, lakehouse.read(name).columns) if lakehouse.exists(name) else []
            if missing:
                raise DataValidationError(
                    f"Metric table {name} has no column(s) {', '.join(m.split()[0] for m in missing)}: an earlier "
                    f"model-monitoring wrote it. Add them (ALTER TABLE {name} ADD COLUMNS ({', '.join(missing)})) or drop "
                    "the table, then rerun. No metric row was written.")

    def _windows(self, log) -> tuple[tuple[datetime, ...], dict[tuple[datetime, int], int]]:
        counts = {(r[WINDOW], int(r["model_version"])): int(r["count"])
                  for r in log.groupBy(WINDOW, "model_version").count().collect()}
        if not counts:
            raise DataValidationError(f"Inference log {self.log_table} has no rows: nothing to monitor. No metric row was written.")
        latest = _utc_naive(self.conf.latest_window) or max(w for w, _ in counts)
        if not any(w == latest for w, _ in counts):
            raise DataValidationError(
                f"Inference log {self.log_table} has no rows in window {latest:%Y-%m-%d %H:%M} + {self.conf.granularity} "
                f"(latest_window). No metric row was written.")
        return last_windows(latest, self.conf.window, self.conf.lookback_windows), counts

    def _check_versions(self, versions: list[int]) -> None:
        known = {int(v.version) for v in self.registry.versions()}
        unknown = [v for v in versions if v not in known]
        if unknown:
            raise DataValidationError(
                f"Inference log {self.log_table}: model_version {', '.join(map(str, unknown))} of '{self.registry.name}' "
                f"is unknown to the model registry (known: {sorted(known) or 'none'}). No metric row was written.")

    def _late_labels(self, log, known_by: datetime):
        """customerID and label of the scored customers whose label was known by known_by; None without a table."""
        env, lakehouse = self.ctx.env, self.ctx.lakehouse
        name = env.table("late_labels")
        if not lakehouse.exists(name):
            self.ctx.logger.info("No late labels table %s yet: quality is not measured", name)
            return None
        labels = lakehouse.read(name)
        self._require(labels.columns, [env.id_column, env.label_column, "known_at"], f"late labels table {name}")
        never_scored = labels.join(log.select(env.id_column).distinct(), [env.id_column], "left_anti")
        example = never_scored.select(env.id_column).limit(3).collect()
        if example:
            raise DataValidationError(
                f"Late labels table {name} has labels for {env.id_column}(s) never scored in {self.log_table}, e.g. "
                f"{', '.join(repr(r[0]) for r in example)}. No metric row was written.")
        from pyspark.sql import functions as F

        known = labels.filter(F.col("known_at") <= F.lit(known_by))
        return known.select(env.id_column, F.col(env.label_column).cast("int").alias(env.label_column))

    def _columns(self, version: int, features, features_table: str) -> list[str]:
        from telco_churn.pipelines.scoring import model_features

        env = self.ctx.env
        wanted = self.conf.columns or model_features(self.registry.version_uri(version), [env.id_column]) or [
            c for c in features.columns if c != env.id_column]
        self._require(features.columns, wanted, f"the features scored for {self.log_table} (feature table {features_table})")
        return wanted

    def _baseline(self, version: int, columns: list[str], kinds: dict, edges_out: dict) -> _Baseline:
        """The model's training labels (the version its run recorded) with their features, scored by the model."""
        import mlflow

        env, client = self.ctx.env, mlflow.MlflowClient()
        run = client.get_run(client.get_model_version(self.registry.name, str(version)).run_id)
        tagged = run.data.tags.get(TRAINING_LABELS_VERSION_TAG)
        if tagged is None:
            self.ctx.logger.warning("Model version %s has no %s tag: its baseline is the labels table as it is now",
                                    version, TRAINING_LABELS_VERSION_TAG)
        keys = self.ctx.lakehouse.read(env.table("labels"), version=int(tagged) if tagged else None).select(env.id_column)
        scored = self.ctx.feature_store.score_batch(self.registry.version_uri(version), keys)
        numeric = [c for c, k in kinds.items() if k != CATEGORICAL]
        edges_out.update(numeric_edges(scored, numeric, self.conf.bins))
        what = f"the baseline of model version {version}"
        histograms, profiles = summarize(binned(scored, (), kinds, edges_out, self.conf.slice_columns, what),
                                         self.conf.quantiles)
        return _Baseline(histograms, profiles, {m: run.data.metrics.get(f"test_{m}") for m in QUALITY_METRICS})

    def _refuse_non_finite(self, profiles: dict, what: str) -> None:
        bad = sorted({key[-1] for key, p in profiles.items() if p.non_finite})
        if bad:
            raise DataValidationError(f"Non-finite values (NaN or infinity) in column(s) {', '.join(bad)} of {what}. "
                                      "No metric row was written.")

    # --- the run ----------------------------------------------------------------------------------

    def run(self) -> MonitoringResult:
        import mlflow

        env, conf, log_ = self.ctx.env, self.conf, self.ctx.logger
        log = self._read_log()
        self._check_metric_tables()
        windows, counts = self._windows(log)
        g, first, latest = conf.window, windows[0], windows[-1]
        versions = sorted({v for (w, v) in counts if first - g <= w <= latest})
        self._check_versions(versions)
        labels = self._late_labels(log, latest + g)
        features_table = env.table("features")
        features = self.ctx.feature_store.read_table(features_table)
        in_range = log.filter((log[WINDOW] >= first - g) & (log[WINDOW] <= latest))
        result = MonitoringResult(windows, decision=None)  # type: ignore[arg-type]
        breaches_found: list[Breach] = []
        report_data = []
        for version in versions:
            rows = self._monitor_version(version, in_range, features, features_table, labels, windows, counts, breaches_found)
            result.profile_rows += rows[0]
            result.drift_rows += rows[1]
            report_data.append(rows[2])
        rule = conf.retraining
        rule_windows = windows[-rule.of_last:]
        counted = [b for b in breaches_found if b.drift_type == rule.drift_type]
        result.decision = decide(rule_windows, {w for w, _ in counts}, counted, rule.min_breaches)
        self._write(result, first, latest)
        log_.info("Retraining decision for %s: %s", self.registry.name, result.decision.reason)
        experiment = env.experiments.deployment.rsplit("/", 1)[0] + "/model-monitoring"
        with mlflow.start_run(experiment_id=self.ctx.tracking.ensure_experiment(experiment), run_name="model-monitoring") as run:
            mlflow.set_tags({"job": "model-monitoring", "env": env.name, "retrain": str(result.decision.retrain).lower()})
            mlflow.log_params({"granularity": conf.granularity, "latest_window": f"{latest:%Y-%m-%d %H:%M}",
                               "model_versions": ",".join(map(str, versions)), "inference_log": self.log_table})
            mlflow.log_dict({"retrain": result.decision.retrain, "reason": result.decision.reason,
                             "breaches": [b.describe() + f" in {b.window_start:%Y-%m-%d %H:%M}" for b in counted]},
                            "retraining_decision.json")
            if conf.report:
                from telco_churn.monitoring.report import render_report

                html = render_report(self.registry.name, conf, result, report_data)
                mlflow.log_text(html, REPORT_ARTIFACT)
                result.report_uri = f"{run.info.artifact_uri}/{REPORT_ARTIFACT}"
            result.run_id = run.info.run_id
        set_task_value(RETRAIN_TASK_VALUE, "true" if result.decision.retrain else "false", log_)
        return result

    def _monitor_version(self, version, in_range, features, features_table, labels, windows, counts, found):
        from pyspark.sql import functions as F

        env, conf, g = self.ctx.env, self.conf, self.conf.window
        columns = self._columns(version, features, features_table)
        log_side = [c for c in conf.slice_columns if c in (PREDICTION, PROBABILITY)]
        self._require([*features.columns, *log_side], conf.slice_columns,
                      f"the features scored for {self.log_table} (feature table {features_table}), for slice_columns")
        joined = list(dict.fromkeys([*columns, *(c for c in conf.slice_columns if c not in log_side)]))
        scored = in_range.filter(F.col("model_version") == version).select(
            env.id_column, WINDOW, PREDICTION, PROBABILITY).join(features.select(env.id_column, *joined), [env.id_column], "left")
        self._refuse_wide_slices(scored)
        kinds = column_kinds(scored, [*columns, PREDICTION, PROBABILITY])
        edges: dict[str, list[float]] = {}
        baseline = self._baseline(version, columns, kinds, edges)
        self._refuse_non_finite(baseline.profiles, f"the baseline of model version {version}")
        what = f"the scorings of {self.log_table} joined with {features_table}, model version {version}"
        histograms, profiles = summarize(binned(scored, [WINDOW], kinds, edges, conf.slice_columns, what), conf.quantiles)
        self._refuse_non_finite(profiles, what)
        quality = window_quality(scored.join(labels, [env.id_column]), [WINDOW], env.label_column) if labels is not None else {}
        profile_rows, drift_rows, per_window = [], [], {}
        for w in windows:
            n = counts.get((w, version))
            if not n:
                continue
            drift_w = {}
            for slice_ in [tables.WHOLE, *sorted({k[1:3] for k in profiles if k[0] == w and k[1] is not None})]:
                for c, kind in kinds.items():
                    here = histograms.get((w, *slice_, c), {})
                    freq = {b: cnt for b, (cnt, _) in here.items()} if kind == CATEGORICAL else None
                    profile_rows.append(tables.profile_row(w, g, conf.granularity, version, c, profiles[(w, *slice_, c)],
                                                           conf.quantiles, freq, slice_))
                    base_here = baseline.histograms.get((*slice_, c), {})
                    if (*slice_, c) in baseline.profiles:  # the baseline's own rows, beside the window they are compared with
                        profile_rows.append(tables.profile_row(
                            w, g, conf.granularity, version, c, baseline.profiles[(*slice_, c)], conf.quantiles,
                            {b: cnt for b, (cnt, _) in base_here.items()} if kind == CATEGORICAL else None, slice_,
                            tables.BASELINE))
                    base_h, win_h = aligned(kind, edges.get(c), base_here, here)
                    metrics = drift_metrics(kind, base_h, win_h)
                    drift_rows.append(tables.drift_row(w, g, conf.granularity, version, c, "BASELINE", None,
                                                       (win_h.total, base_h.total), metrics, slice_=slice_))
                    previous = histograms.get((w - g, *slice_, c))
                    consecutive = None
                    if counts.get((w - g, version)) and previous is not None:
                        prev_h, win_h = aligned(kind, edges.get(c), previous, here)
                        consecutive = drift_metrics(kind, prev_h, win_h)
                        drift_rows.append(tables.drift_row(w, g, conf.granularity, version, c, "CONSECUTIVE", w - g,
                                                           (win_h.total, prev_h.total), consecutive, slice_=slice_))
                    if slice_ == tables.WHOLE:  # the rule and the report look at the whole table
                        drift_w[c] = metrics
                        self._breaches(found, w, c, "BASELINE", metrics)
                        if consecutive is not None:
                            self._breaches(found, w, c, "CONSECUTIVE", consecutive)
            q = quality.get((w,))
            if q is not None:
                profile_rows.append(tables.quality_profile_row(w, g, conf.granularity, version, n, q))
                deltas = {m: (q[m] - baseline.quality[m]) if q[m] is not None and baseline.quality[m] is not None else None
                          for m in QUALITY_METRICS}
                drift_rows.append(tables.drift_row(w, g, conf.granularity, version, tables.TABLE_LEVEL, "BASELINE", None,
                                                   (q["labelled_count"], 0), {}, deltas))
                for m, limit in conf.quality_drop_thresholds.items():
                    drop = quality_drop(m, q[m], baseline.quality[m])
                    if drop is not None and drop > limit:
                        found.append(Breach(w, f"{m}_drop", tables.TABLE_LEVEL, drop, limit, "BASELINE"))
            per_window[w] = {"drift": drift_w, "quality": q,
                             "histograms": {c: histograms.get((w, *tables.WHOLE, c), {}) for c in kinds}}
        return profile_rows, drift_rows, {"version": version, "kinds": kinds, "edges": edges, "baseline": baseline,
                                          "windows": per_window, "baseline_quality": baseline.quality}

    def _refuse_wide_slices(self, scored) -> None:
        """One aggregation, before any metric: a slice column with too many values is no slice."""
        from pyspark.sql import functions as F

        if not self.conf.slice_columns:
            return
        row = scored.agg(*[F.count_distinct(F.col(f"`{c}`")).alias(f"n{i}") for i, c in enumerate(self.conf.slice_columns)]).first()
        wide = [c for i, c in enumerate(self.conf.slice_columns) if row[f"n{i}"] > MAX_SLICE_VALUES]
        if wide:
            raise DataValidationError(f"slice_columns: {', '.join(wide)} of {self.log_table} has more than "
                                      f"{MAX_SLICE_VALUES} values in the monitored windows; slice by a column with few "
                                      "values (a category or a flag). No metric row was written.")

    def _breaches(self, found: list[Breach], window, column, drift_type, metrics) -> None:
        for metric, limit in self.conf.drift_thresholds.items():
            value = metrics.get(metric)
            if breaches(metric, value, limit):
                found.append(Breach(window, metric, column, value, limit, drift_type))

    def _write(self, result: MonitoringResult, first: datetime, latest: datetime) -> None:
        """Replaces the computed windows' rows of both metric tables (a rerun never duplicates them)."""
        spark, lakehouse = self.ctx.spark, self.ctx.lakehouse
        condition = tables.window_condition(self.conf.granularity, first, latest)
        for (name, schema), rows in zip(tables.metric_tables(self.log_table), (result.profile_rows, result.drift_rows)):
            clean = [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()} for r in rows]
            lakehouse.replace_where(spark.createDataFrame(clean, schema), name, condition)
            self.ctx.logger.info("%d row(s) for %s .. %s -> %s", len(rows), f"{first:%Y-%m-%d %H:%M}",
                                 f"{latest:%Y-%m-%d %H:%M}", name)
