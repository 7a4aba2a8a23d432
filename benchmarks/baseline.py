"""The baseline: the same ML work as the pipelines, in plain pandas + scikit-learn, in one process.

python -m benchmarks.baseline {small,featurize,score} OUT.json --work DIR [--csv CSV | --features PARQUET]

Reads the CSV as text, featurizes (blank numbers -> 0, one-hot) and stores the features as
Parquet, holds out the same reference customers (crc32 split), trains RandomForests of depth
4 and 8 with the job's parameters, then reads the stored features back, scores every row with
the depth-8 forest and stores the predictions. No Spark, no Delta, no MLflow: only the ML.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before the imports below: their cost is reported as imports_s

import argparse  # noqa: E402
import json  # noqa: E402
import pickle  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import zlib  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

IMPORTED = time.perf_counter()
ROOT = Path(__file__).resolve().parent.parent
CSV = ROOT / "telco_churn" / "data" / "telco_customer_churn.csv"
ID, LABEL = "customerID", "churn"


def _conf(name: str) -> dict:
    # The jobs' own settings (columns, split, forest parameters), so both sides do the same work.
    return yaml.safe_load((ROOT / "conf" / "job_configs" / name).read_text())


def _contract(conf: dict) -> dict:
    path = ROOT / "telco_churn" / "data" / "customers_contract.yml" if conf["contract"] == "package" else ROOT / conf["contract"]
    return yaml.safe_load(path.read_text())


def _columns(conf: dict) -> tuple[list[str], list[str]]:
    """The numeric and the categorical feature columns of the job's data contract."""
    contract = _contract(conf)
    names = [n for n, spec in contract["columns"].items()
             if spec.get("feature", True) and n not in (contract["key"], contract["label"]["column"])]
    numeric = [n for n in names if contract["columns"][n]["type"] != "string"]
    return numeric, [n for n in names if n not in numeric]


def featurize(path: Path, conf: dict) -> pd.DataFrame:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    out = pd.DataFrame({ID: raw[ID]})
    numeric, categorical = _columns(conf)
    for column in numeric:
        text = raw[column].str.strip()
        out[column] = pd.to_numeric(text.mask(text == "", "0"))
    categories = raw[categorical].apply(lambda s: s.str.strip())
    out = pd.concat([out, pd.get_dummies(categories, dtype="int32")], axis=1)
    label = _contract(conf)["label"]
    out[LABEL] = (raw[label["column"]].str.strip() == label["positive_value"]).astype("int32")
    return out


def feature_table(path: Path, conf: dict, stored: Path) -> pd.DataFrame:
    data = featurize(path, conf)
    data.to_parquet(stored, index=False)
    return data


def held_out(ids: pd.Series, fraction: float) -> np.ndarray:
    """The reference customers, chosen as feature-table-creation does (crc32 of the id)."""
    return np.fromiter((zlib.crc32(i.encode()) % 10000 < round(fraction * 10000) for i in ids), bool, len(ids))


def train(data: pd.DataFrame, conf: dict, max_depth: int) -> tuple[RandomForestClassifier, float]:
    """The forest and its test roc_auc, with model-train's split and parameters."""
    x, y = data.drop(columns=[ID, LABEL]), data[LABEL]
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=conf["test_size"], random_state=conf["random_state"], stratify=y)
    model = RandomForestClassifier(**{**conf["model_params"], "max_depth": max_depth}).fit(x_train, y_train)
    return model, roc_auc_score(y_test, model.predict_proba(x_test)[:, 1])


def score(model: RandomForestClassifier, features: pd.DataFrame) -> pd.DataFrame:
    x = features.reindex(columns=model.feature_names_in_, fill_value=0)
    proba = model.predict_proba(x)
    return pd.DataFrame({ID: features[ID].to_numpy(), "prediction": model.classes_[proba.argmax(axis=1)],
                         "probability": proba[:, list(model.classes_).index(1)]})


def batch_inference(model: RandomForestClassifier, stored: Path, out: dict, prefix: str) -> None:
    """Stored features -> stored predictions, as model-inference-batch does; predict_proba timed alone too."""
    started = time.perf_counter()
    features = pd.read_parquet(stored)
    scores = _timed(out, f"{prefix}predict_s", score, model, features)
    scores.to_parquet(stored.with_name(f"{stored.stem}-predictions.parquet"), index=False)
    out[f"{prefix}inference_s"] = time.perf_counter() - started
    out[f"{prefix}inference_rows"] = len(scores)


def _timed(out: dict, key: str, func, *args):
    started = time.perf_counter()
    result = func(*args)
    out[key] = time.perf_counter() - started
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.baseline")
    parser.add_argument("mode", choices=["small", "featurize", "score"],
                        help="small: the whole ML work on the real data (stores the depth-8 forest); "
                             "featurize: --csv to stored features; score: --features with the stored forest")
    parser.add_argument("out", type=Path)
    parser.add_argument("--work", type=Path, required=True, help="folder for stored features, forest, predictions")
    parser.add_argument("--csv", type=Path)
    parser.add_argument("--features", type=Path)
    args = parser.parse_args(argv)
    features_conf, train_conf = _conf("feature_table_creation.yml"), _conf("model_train.yml")
    forest = args.work / "forest-depth8.pkl"
    out = {"imports_s": IMPORTED - STARTED}

    if args.mode == "small":
        stored = args.work / "features.parquet"
        data = _timed(out, "feature_table_s", feature_table, CSV, features_conf, stored)
        labelled = data[~held_out(data[ID], features_conf["reference_fraction"])]
        _, out["roc_auc_depth4"] = _timed(out, "train_depth4_s", train, labelled, train_conf, 4)
        model, out["roc_auc_depth8"] = _timed(out, "train_depth8_s", train, labelled, train_conf, 8)
        batch_inference(model, stored, out, "")
        with forest.open("wb") as f:
            pickle.dump(model, f)
    elif args.mode == "featurize":
        out["rows"] = len(_timed(out, "feature_table_s", feature_table, args.csv, features_conf,
                                 args.work / f"{args.csv.stem}-features.parquet"))
    else:
        # A process of its own, like the inference job, so that its peak memory is comparable; run
        # twice like the job: a process's first large predict_proba pays ~1.5 s more (fresh memory).
        with forest.open("rb") as f:
            model = pickle.load(f)
        batch_inference(model, args.features, out, "first_")
        batch_inference(model, args.features, out, "")
    out["max_rss_self_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out["total_s"] = time.perf_counter() - STARTED
    args.out.write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
