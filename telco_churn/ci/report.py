"""JSON reports of the drivers, with no secret in them."""

from __future__ import annotations

import json
from pathlib import Path

from telco_churn.redaction import MASK, redact_text


def scrubbed(report: dict, secrets: list[str]) -> dict:
    """report without the token of the client nor any secret-named environment variable's value."""
    text = redact_text(json.dumps(report, default=str))
    for secret in secrets:
        if len(secret) >= 6:
            text = text.replace(secret, MASK)
    return json.loads(text)


def write_report(path: Path, report: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, sort_keys=False) + "\n", encoding="utf-8")
