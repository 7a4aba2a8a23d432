"""One log format for every job, with secrets masked on the way out."""

from __future__ import annotations

import logging
import sys

from telco_churn.redaction import RedactingFilter

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_NOISY = ("py4j", "urllib3", "alembic", "mlflow.store.db.utils", "mlflow.utils.requirements_utils")


def configure_logging(level: int = logging.INFO) -> None:
    """Installs a redacting stderr handler on the root logger once."""
    root = logging.getLogger()
    if not any(isinstance(f, RedactingFilter) for h in root.handlers for f in h.filters):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(_FORMAT, "%H:%M:%S"))
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
    root.setLevel(level)
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)


def get_logger(name: str) -> logging.Logger:
    configure_logging()
    return logging.getLogger(f"telco_churn.{name}")
