"""The error every CI driver stops with: a message for the user, nothing secret in it."""

from telco_churn.errors import TelcoChurnError


class CiError(TelcoChurnError):
    """A bad option or file, or a workspace call that failed; exit code 2 for bad input."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code
