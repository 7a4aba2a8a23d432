"""model-train: labels + feature lookups -> fitted pipeline, logged and registered."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from telco_churn.config.jobs import ModelTrainConfig, RandomForestParams
from telco_churn.contracts.feature_checks import MIXED_RUNS_HINT, check_features, keys_without_match
from telco_churn.contracts.report import ValidationReport
from telco_churn.feature_store.base import FeatureLookup
from telco_churn.pipelines.locking import taking_turns
from telco_churn.redaction import redact, redact_text
from telco_churn.registry import ModelRegistry
from telco_churn.workload import JobContext

MODEL_ARTIFACT = "model"
TRAINING_LABELS_VERSION_TAG = "training_labels_version"


@dataclass(frozen=True)
class TrainResult:
    run_id: str
    version: int | None
    metrics: dict[str, float]


def build_pipeline(features, params: RandomForestParams):
    """Preprocessing (impute; one-hot any text column) then the RandomForest."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    numeric = list(features.select_dtypes(include="number").columns)
    text = [c for c in features.columns if c not in numeric]
    preprocess = ColumnTransformer([
        ("numeric", SimpleImputer(strategy="median"), numeric),
        ("categorical", Pipeline([
            ("impute", SimpleImputer(strategy="most_frequent")),
            ("one_hot", OneHotEncoder(handle_unknown="ignore")),
        ]), text),
    ])
    return Pipeline([("preprocess", preprocess), ("classifier", RandomForestClassifier(**params.model_dump()))])


def in_canonical_order(data):
    """The rows sorted by every column. A join hands its rows back in no fixed order (on Sail as on
    a Databricks cluster, more so once a table has several files), and the split and the forest
    follow row order: sorted, the same data and `random_state` give the same model."""
    return data.sort_values(list(data.columns), kind="stable", na_position="last").reset_index(drop=True)


@dataclass(frozen=True)
class Fitted:
    pipeline: object
    features: object  # every feature column of the training set
    x_train: object
    n_test: int
    metrics: dict[str, float]  # on the held-out split


def fit(data, label_column: str, conf: ModelTrainConfig) -> Fitted:
    """The pipeline fitted on a stratified split of the training set, and its held-out metrics."""
    from sklearn.model_selection import train_test_split

    from telco_churn.model.churn_classifier import score_frame
    from telco_churn.pipelines.metrics import classification_metrics

    data = in_canonical_order(data)
    features, label = data.drop(columns=[label_column]), data[label_column]
    x_train, x_test, y_train, y_test = train_test_split(
        features, label, test_size=conf.test_size, random_state=conf.random_state, stratify=label)
    pipeline = build_pipeline(features, conf.model_params).fit(x_train, y_train)
    return Fitted(pipeline, features, x_train, len(x_test), classification_metrics(y_test, score_frame(pipeline, x_test)))


class ModelTrainer:
    def __init__(self, conf: ModelTrainConfig, ctx: JobContext):
        self.conf, self.ctx = conf, ctx

    def training_set(self):
        env = self.ctx.env
        labels = self.ctx.lakehouse.read(env.table("labels"), hint="Run feature-table-creation first.")
        lookups = [FeatureLookup(env.table("features"), (env.id_column,))]
        return self.ctx.feature_store.create_training_set(labels, lookups, env.label_column, [env.id_column])

    def check(self, training_set) -> ValidationReport:
        """Labels and features from the same run, then no missing or non-finite feature and both classes."""
        env, lakehouse = self.ctx.env, self.ctx.lakehouse
        labels, features = lakehouse.read(env.table("labels")), self.ctx.feature_store.read_table(env.table("features"))
        report = ValidationReport(f"Training set ({env.table('labels')} with features of {env.table('features')})")
        keys_without_match(report, labels, features, env.id_column, "labels vs features",
                           f"label key(s) with no row in {env.table('features')}: {MIXED_RUNS_HINT}")
        labelled = labels.select(env.id_column)
        if lakehouse.exists(env.table("reference")):
            labelled = labelled.unionByName(lakehouse.read(env.table("reference")).select(env.id_column))
        keys_without_match(report, features, labelled, env.id_column, "features vs labels",
                           f"feature key(s) in neither {env.table('labels')} nor {env.table('reference')}: {MIXED_RUNS_HINT}")
        if report.errors:  # the feature checks would only repeat the mismatch as missing values
            return report
        # The training set without its key excluded, so that examples can name the customer.
        keyed = self.ctx.feature_store.create_training_set(labels, training_set.lookups, env.label_column, []).load_df()
        names = [c for c in keyed.columns if c not in (env.id_column, env.label_column)]
        report.extend(check_features(keyed, env.id_column, names, report.target, env.label_column).outcomes)
        return report

    def run(self) -> TrainResult:
        import mlflow

        env, conf = self.ctx.env, self.conf
        training_set = self.training_set()
        report = self.check(training_set)
        experiment_id = self.ctx.tracking.ensure_experiment(env.experiments.training)
        run_name = redact_text(conf.run_name) if conf.run_name else None
        with mlflow.start_run(experiment_id=experiment_id, run_name=run_name) as run:
            mlflow.set_tags(redact({"job": "model-train", "env": env.name, **conf.tags}))
            # model-monitoring's baseline: the labels table as this model was trained on it.
            mlflow.set_tag(TRAINING_LABELS_VERSION_TAG, self.ctx.lakehouse.latest_version(env.table("labels")).version)
            # Saved first: a run that the checks stop explains itself in the MLflow UI (status FAILED).
            report.save_to_run("training_set")
            report.log(self.ctx.logger)
            report.raise_on_errors()
            metrics, version = self._fit_log_register(training_set)
        self.ctx.logger.info("Run %s: test roc_auc %.4f, accuracy %.4f", run.info.run_id, metrics["roc_auc"], metrics["accuracy"])
        if version is not None:
            self.ctx.logger.info("Registered %s version %s", env.registered_model_name, version)
            if conf.promote_to:
                with taking_turns(self.ctx, f"registry {env.registered_model_name}"):  # as model-deployment does
                    ModelRegistry(env.registered_model_name, env.model_registry).assign(version, conf.promote_to)
                self.ctx.logger.info("Version %s -> %s", version, conf.promote_to)
            else:
                target = "--alias challenger" if env.model_registry == "aliases" else "--stage Staging"
                self.ctx.logger.info("Promotion left to a person: telco-churn promote --version %s %s", version, target)
        return TrainResult(run.info.run_id, int(version) if version is not None else None, metrics)

    def _fit_log_register(self, training_set) -> tuple[dict[str, float], int | None]:
        """Fits on the checked training set and logs everything to the active run; the version, if registered."""
        import mlflow
        from mlflow.models import infer_signature

        from telco_churn.model.churn_classifier import ChurnClassifier, score_frame

        env, conf = self.ctx.env, self.conf
        fitted = fit(training_set.load_df().toPandas(), env.label_column, conf)
        pipeline, features, x_train, metrics = fitted.pipeline, fitted.features, fitted.x_train, fitted.metrics
        mlflow.log_params({**conf.model_params.model_dump(), "test_size": conf.test_size,
                           "random_state": conf.random_state, "n_train": len(x_train), "n_test": fitted.n_test,
                           "n_features": features.shape[1]})
        mlflow.log_dict(redact(conf.model_dump(mode="json")), "config/model_train.json")
        mlflow.log_dict(redact(env.model_dump(mode="json")), "config/environment.json")
        mlflow.log_metrics({f"test_{name}": value for name, value in metrics.items()})
        example = x_train.head(5)
        with warnings.catch_warnings():
            # MLflow's hint that integer (one-hot) columns cannot hold missing values does not
            # apply: scoring refuses keys without features before the model sees them.
            warnings.filterwarnings("ignore", "Hint: Inferred schema contains integer", UserWarning)
            signature = infer_signature(example, score_frame(pipeline, example))
        model = ChurnClassifier(pipeline, list(features.columns))
        version = self.ctx.feature_store.log_model(
            model, MODEL_ARTIFACT, training_set=training_set,
            registered_model_name=env.registered_model_name if conf.register_model else None,
            input_example=example, signature=signature)
        return metrics, version
