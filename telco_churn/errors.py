"""Errors that stop a job before it writes anything."""


class TelcoChurnError(Exception):
    """Base class: an expected failure with a message meant for the user."""

    exit_code = 1


class ConfigError(TelcoChurnError):
    """A config file is unreadable, malformed or invalid."""

    exit_code = 2

    def __init__(self, source: str, message: str, key: str | None = None,
                 more: list[tuple[str | None, str]] | None = None):
        self.source = source
        self.key = key
        problems = [(key, message), *(more or [])]
        self.problems = problems
        text = "; ".join(f"key '{k}': {m}" if k else m for k, m in problems)
        super().__init__(f"Invalid configuration in {source}: {text}")


class DataValidationError(TelcoChurnError):
    """Input data breaks the expected schema or key constraints."""


class TableNotFoundError(TelcoChurnError):
    """A table the job reads does not exist."""

    def __init__(self, table: str, hint: str = ""):
        self.table = table
        super().__init__(f"Table '{table}' not found.{(' ' + hint) if hint else ''}")
