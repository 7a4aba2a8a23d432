"""Scoring keys with a registered model, once the features of those keys pass their checks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, TypeVar

from telco_churn.contracts.feature_checks import MIXED_RUNS_HINT, check_features, keys_without_match
from telco_churn.contracts.report import CheckOutcome, ValidationReport
from telco_churn.feature_store.base import FEATURE_CHECK_FAILED
from telco_churn.workload import JobContext

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

T = TypeVar("T")


def model_features(model_uri: str, keys: list[str]) -> list[str] | None:
    """The features the model's signature asks for, without the lookup keys; None if it declares none.

    The Feature Engineering client (and the local store, which logs as it does) puts the lookup
    keys in the signature's inputs beside the features: they are not features to select.
    """
    import mlflow

    signature = mlflow.models.get_model_info(model_uri).signature
    if signature is None or signature.inputs is None:
        return None
    return [name for name in signature.inputs.input_names() if name not in keys]


def _model_inputs(ctx: JobContext, model_uri: str, features: "DataFrame", report: ValidationReport
                  ) -> tuple[list[str], bool]:
    """The features the model needs (all the table's if its signature names none, then False);
    reports those the feature table lacks (its schema only)."""
    env = ctx.env
    declared = model_features(model_uri, [env.id_column])
    wanted = declared or [c for c in features.columns if c != env.id_column]
    absent = [c for c in wanted if c not in features.columns]
    report.add(CheckOutcome("model inputs", "error", len(wanted), len(absent),
                            f"feature(s) the model needs are not in {env.table('features')}: {', '.join(absent[:10])}"))
    return wanted, bool(declared)


def check_scoring_input(ctx: JobContext, model_uri: str, keys: "DataFrame", what: str) -> ValidationReport:
    """Every key has features, the table has every feature the model needs, and none is missing or non-finite."""
    env = ctx.env
    table = env.table("features")
    features = ctx.feature_store.read_table(table)
    report = ValidationReport(f"{what} scored with {model_uri}")
    keys_without_match(report, keys, features, env.id_column, "keys vs features",
                       f"key(s) have no row in feature table {table}; rebuild the feature table or remove those keys "
                       f"(if the keys come from the reference table: {MIXED_RUNS_HINT})")
    wanted, _ = _model_inputs(ctx, model_uri, features, report)
    if report.errors:
        return report
    scored = features.select(env.id_column, *wanted).join(keys.select(env.id_column).distinct(), [env.id_column], "left_semi")
    report.extend(check_features(scored, env.id_column, wanted, report.target).outcomes)
    return report


def score_keys(ctx: JobContext, model_uri: str, keys: "DataFrame", what: str) -> tuple["DataFrame", ValidationReport]:
    """keys plus prediction and probability, and the checks' report; raises, naming counts and examples, if one fails."""
    report = check_scoring_input(ctx, model_uri, keys, what)
    report.log(ctx.logger)
    report.raise_on_errors()
    return ctx.feature_store.score_batch(model_uri, keys), report


def write_scores(ctx: JobContext, model_uri: str, keys: "DataFrame", what: str,
                 write: Callable[["DataFrame"], T]) -> T:
    """write(keys plus prediction and probability), refusing what score_keys refuses, with the same errors.

    Where the feature store can, the row checks (every key has features, no feature missing or
    non-finite) run inside the scoring pass, on the Arrow batches it holds: the features are read
    once, not three times. A row that fails them fails the pass, so the write never commits; the
    full checks then run to name the column, the count and an example, as before.
    """
    features = ctx.feature_store.read_table(ctx.env.table("features"))
    report = ValidationReport(f"{what} scored with {model_uri}")
    wanted, declared = _model_inputs(ctx, model_uri, features, report)
    scored = None if report.errors or not declared else ctx.feature_store.score_batch_checked(model_uri, keys, wanted)
    if scored is None:
        return write(score_keys(ctx, model_uri, keys, what)[0])
    try:
        result = write(scored)
    except Exception as exc:  # the engine wraps the pass's error in its own
        if FEATURE_CHECK_FAILED not in str(exc):
            raise
        full = check_scoring_input(ctx, model_uri, keys, what)
        full.log(ctx.logger)
        full.raise_on_errors()
        raise
    report.add(CheckOutcome("keys vs features, missing or non-finite features (in the scoring pass)", "error",
                            None, 0, "key(s) without features or feature value(s) missing or not finite"))
    report.log(ctx.logger)
    return result
