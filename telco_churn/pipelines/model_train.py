"""model-train: labels + feature lookups -> fitted pipeline, logged and registered."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from telco_churn.config.jobs import ModelTrainConfig, RandomForestParams
from telco_churn.errors import DataValidationError
from telco_churn.feature_store.base import FeatureLookup
from telco_churn.redaction import redact, redact_text
from telco_churn.registry import ModelRegistry
from telco_churn.workload import JobContext

MODEL_ARTIFACT = "model"


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


class ModelTrainer:
    def __init__(self, conf: ModelTrainConfig, ctx: JobContext):
        self.conf, self.ctx = conf, ctx

    def training_set(self):
        env = self.ctx.env
        labels = self.ctx.lakehouse.read(env.table("labels"), hint="Run feature-table-creation first.")
        lookups = [FeatureLookup(env.table("features"), (env.id_column,))]
        return self.ctx.feature_store.create_training_set(labels, lookups, env.label_column, [env.id_column])

    def run(self) -> TrainResult:
        import mlflow
        from mlflow.models import infer_signature
        from sklearn.model_selection import train_test_split

        from telco_churn.model.churn_classifier import ChurnClassifier, score_frame
        from telco_churn.pipelines.metrics import classification_metrics

        env, conf = self.ctx.env, self.conf
        training_set = self.training_set()
        data = training_set.load_df().toPandas()
        incomplete = int(data.isna().any(axis=1).sum())
        if incomplete:
            raise DataValidationError(f"{incomplete} labelled row(s) have no or incomplete features in {env.table('features')}")
        features, label = data.drop(columns=[env.label_column]), data[env.label_column]
        x_train, x_test, y_train, y_test = train_test_split(
            features, label, test_size=conf.test_size, random_state=conf.random_state, stratify=label)
        pipeline = build_pipeline(features, conf.model_params).fit(x_train, y_train)
        metrics = classification_metrics(y_test, score_frame(pipeline, x_test))

        experiment_id = self.ctx.tracking.ensure_experiment(env.experiments.training)
        registered_name = env.registered_model_name if conf.register_model else None
        run_name = redact_text(conf.run_name) if conf.run_name else None
        with mlflow.start_run(experiment_id=experiment_id, run_name=run_name) as run:
            mlflow.set_tags(redact({"job": "model-train", "env": env.name, **conf.tags}))
            mlflow.log_params({**conf.model_params.model_dump(), "test_size": conf.test_size,
                               "random_state": conf.random_state, "n_train": len(x_train), "n_test": len(x_test),
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
                model, MODEL_ARTIFACT, training_set=training_set, registered_model_name=registered_name,
                input_example=example, signature=signature)
        self.ctx.logger.info("Run %s: test roc_auc %.4f, accuracy %.4f", run.info.run_id, metrics["roc_auc"], metrics["accuracy"])
        if version is not None:
            self.ctx.logger.info("Registered %s version %s", registered_name, version)
            if conf.promote_to:
                ModelRegistry(registered_name, env.model_registry).assign(version, conf.promote_to)
                self.ctx.logger.info("Version %s -> %s", version, conf.promote_to)
            else:
                self.ctx.logger.info("Stage left to a person: telco-churn promote --version %s --stage Staging", version)
        return TrainResult(run.info.run_id, int(version) if version is not None else None, metrics)
