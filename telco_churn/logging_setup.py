"""One log format for every job, with secrets masked on the way out."""

from __future__ import annotations

import logging
import sys

from telco_churn.redaction import install_record_redaction

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_NOISY = ("py4j", "urllib3", "alembic", "mlflow.store.db.utils", "mlflow.utils.requirements_utils")


def configure_logging(level: int = logging.INFO) -> None:
    """Masks secrets in every log record and installs one stderr handler on the root logger."""
    install_record_redaction()
    root = logging.getLogger()
    if not any(getattr(h, "telco_churn", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(_FORMAT, "%H:%M:%S"))
        handler.telco_churn = True
        root.addHandler(handler)
    root.setLevel(level)
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)


def get_logger(name: str) -> logging.Logger:
    configure_logging()
    return logging.getLogger(f"telco_churn.{name}")
