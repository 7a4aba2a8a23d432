"""The typed config of each job, one class per conf/job_configs/<job>.yml."""

from __future__ import annotations

import codecs
import re
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from telco_churn.config.contract import DataContract, load_contract
from telco_churn.config.loader import StrictModel

# A contract file's path (or an inline mapping), read and validated with the job config.
ContractRef = Annotated[DataContract, BeforeValidator(load_contract)]

Metric = Literal["roc_auc", "accuracy", "precision", "recall", "f1", "log_loss"]


class DemoSetupConfig(StrictModel):
    delete_model_versions: bool
    delete_experiments: bool
    drop_feature_table: bool
    drop_labels_table: bool  # the labels table and the held-out reference table
    drop_predictions_table: bool = False
    drop_bronze_table: bool = False  # new batches appended to it (retraining, the story's loop) go too
    drop_monitoring_tables: bool = False  # inference log, its metric tables and the late labels


def _known_encoding(name: str) -> str:
    try:
        codecs.lookup(name)
    except LookupError:
        raise ValueError(f"unknown encoding '{name}'") from None
    return name


class DataIngestConfig(StrictModel):
    source: str = Field(min_length=1)  # "package" for the CSV shipped in the wheel, else a CSV path
    mode: Literal["overwrite", "if_missing", "append"]  # append: new batches (e.g. the retraining workflow)
    contract: ContractRef
    encoding: Annotated[str, AfterValidator(_known_encoding)] = "utf-8"
    delimiter: str = Field(default=",", min_length=1, max_length=1)


class FeatureTableConfig(StrictModel):
    contract: ContractRef  # the columns, their types and the label's values
    blank_numeric: Literal["zero", "missing", "drop_row"]
    one_hot_encode: bool
    drop_missing: bool
    reference_fraction: float = Field(ge=0.0, lt=1.0)
    description: str
    # Check bronze against the contract even when data-ingest recorded that this version passed it.
    recheck_bronze: bool = False


class RandomForestParams(StrictModel):
    n_estimators: int = Field(gt=0)
    max_depth: int | None = Field(default=None, gt=0)
    min_samples_split: int | float = 2
    min_samples_leaf: int | float = 1
    # 'auto' was removed in scikit-learn 1.3.
    max_features: Literal["sqrt", "log2"] | int | float | None = "sqrt"
    bootstrap: bool = True
    class_weight: Literal["balanced", "balanced_subsample"] | None = None
    random_state: int | None = None
    n_jobs: int | None = None


class ModelTrainConfig(StrictModel):
    test_size: float = Field(gt=0.0, lt=1.0)
    random_state: int
    model_params: RandomForestParams
    register_model: bool
    # None leaves promotion to a person (`telco-churn promote`); else a stage or an alias.
    promote_to: Literal["Staging", "Production", "challenger", "champion"] | None = None
    run_name: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)


class ModelDeploymentConfig(StrictModel):
    metric: Metric
    higher_is_better: bool
    dry_run: bool = False


class ModelInferenceConfig(StrictModel):
    model_stage: Literal["Staging", "Production"]  # used with the stages registry
    model_alias: str = Field(min_length=1)  # used with the aliases registry
    mode: Literal["overwrite", "append"]
    # true: each scoring is also appended to the inference log (tables.inference_log) with a batch id,
    # which model-monitoring reads. scored_at/batch_id default to now and a new id; set them to replay a day.
    append_to_log: bool = False
    batch_id: str | None = Field(default=None, min_length=1)
    scored_at: datetime | None = None


DriftMetric = Literal["population_stability_index", "js_distance", "tv_distance", "l_infinity_distance",
                      "ks_statistic", "ks_pvalue", "wasserstein_distance", "chi_squared_statistic", "chi_squared_pvalue"]
_GRANULARITY = re.compile(r"(\d+) (minute|hour|day|week)s?")


def _granularity(text: str) -> str:
    match = _GRANULARITY.fullmatch(text)
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"granularity '{text}' must look like '1 day', '6 hours', '30 minutes' or '1 week'")
    return text


class RetrainingRule(StrictModel):
    min_breaches: int = Field(gt=0)  # M
    of_last: int = Field(gt=0)  # N
    drift_type: Literal["BASELINE", "CONSECUTIVE"] = "BASELINE"  # whose drift rows count as breaches


class ModelMonitoringConfig(StrictModel):
    granularity: Annotated[str, AfterValidator(_granularity)]
    lookback_windows: int = Field(gt=0)  # windows computed (and rewritten) per run, ending with the latest
    latest_window: datetime | None = None  # start of the latest window; None: the newest logged row's window
    bins: int = Field(ge=2, le=200)  # numeric columns: the baseline's quantile bins
    quantiles: list[Annotated[float, Field(gt=0.0, lt=1.0)]] = Field(min_length=1)
    columns: list[str] | None = None  # None: the model's inputs; prediction and probability always
    slice_columns: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)  # metrics per value too
    drift_thresholds: dict[DriftMetric, float]  # p-values breach below, the others above
    quality_drop_thresholds: dict[Metric, float] = Field(default_factory=dict)  # drop since baseline that breaches
    retraining: RetrainingRule
    report: bool = True

    @model_validator(mode="after")
    def _rule_fits(self) -> "ModelMonitoringConfig":
        repeated = sorted({c for c in self.slice_columns if self.slice_columns.count(c) > 1})
        if repeated:
            raise ValueError(f"slice_columns names {', '.join(repeated)} more than once")
        if self.retraining.of_last > self.lookback_windows:
            raise ValueError(f"retraining.of_last ({self.retraining.of_last}) exceeds lookback_windows ({self.lookback_windows})")
        if self.retraining.min_breaches > self.retraining.of_last:
            raise ValueError(f"retraining.min_breaches ({self.retraining.min_breaches}) exceeds of_last ({self.retraining.of_last})")
        return self

    @property
    def window(self) -> timedelta:
        count, unit = _GRANULARITY.fullmatch(self.granularity).groups()
        return timedelta(**{f"{unit}s": int(count)})
