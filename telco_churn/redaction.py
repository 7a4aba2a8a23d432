"""Keeps secret values out of log lines and saved artifacts."""

from __future__ import annotations

import functools
import logging
import os
import re
from typing import Any

SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|KEY", re.IGNORECASE)
MASK = "***"
# Shorter values would mask ordinary words and numbers all over the logs.
_MIN_SECRET_LENGTH = 6


@functools.lru_cache(maxsize=4096)  # every log record checks every variable's name
def is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name))


def secret_values() -> list[str]:
    """Values of environment variables whose names look secret, longest first."""
    values = {os.environ[name] for name in os.environ if is_secret_name(name)}
    return sorted((v for v in values if len(v) >= _MIN_SECRET_LENGTH), key=len, reverse=True)


def redact_text(text: str, secrets: list[str] | None = None) -> str:
    for value in secret_values() if secrets is None else secrets:
        text = text.replace(value, MASK)
    return text


def redact(value: Any, secrets: list[str] | None = None) -> Any:
    """A copy of value with secret-named keys masked and secret values removed from strings."""
    # The environment is read once per call, not once per string (a validation report holds hundreds).
    secrets = secret_values() if secrets is None else secrets
    if isinstance(value, dict):
        return {k: MASK if is_secret_name(str(k)) else redact(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v, secrets) for v in value]
    if isinstance(value, str):
        return redact_text(value, secrets)
    return value


def redact_record(record: logging.LogRecord) -> None:
    """Replaces the record's message (and traceback) with a masked, fully formatted one."""
    message = record.getMessage()
    clean = redact_text(message)
    if clean != message or record.args:
        record.msg, record.args = clean, ()
    if record.exc_info and record.exc_info[1] is not None:
        # Tracebacks are formatted later from exc_info; format and clean them now.
        record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
        record.exc_info = None


def install_record_redaction() -> None:
    """Masks every log record when it is created, so that no handler ever sees a secret."""
    current = logging.getLogRecordFactory()
    if getattr(current, "redacting", False):
        return

    def factory(*args, **kwargs):
        record = current(*args, **kwargs)
        redact_record(record)
        return record

    factory.redacting = True
    logging.setLogRecordFactory(factory)
