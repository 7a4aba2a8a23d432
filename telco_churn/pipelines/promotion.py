"""The promotion rule of model-deployment, as pure code."""

from __future__ import annotations

import math
from enum import Enum

# Threaded tree ensembles sum votes in any order, so the same model can score a last-bit
# different metric on two runs; a difference this small is a tie, not an improvement.
TIE_TOLERANCE = 1e-9


class Decision(str, Enum):
    NO_CANDIDATE = "no_candidate"
    PROMOTE_FIRST = "promote_no_current_model"
    PROMOTE_BETTER = "promote_candidate_better"
    KEEP_CURRENT = "keep_current_model"

    @property
    def promotes(self) -> bool:
        return self in (Decision.PROMOTE_FIRST, Decision.PROMOTE_BETTER)


def decide(candidate: float | None, current: float | None, higher_is_better: bool) -> Decision:
    """Promote only a strictly better candidate; a tie keeps the current model."""
    if candidate is None:
        return Decision.NO_CANDIDATE
    if current is None:
        return Decision.PROMOTE_FIRST
    if math.isclose(candidate, current, rel_tol=TIE_TOLERANCE, abs_tol=TIE_TOLERANCE):
        return Decision.KEEP_CURRENT
    better = candidate > current if higher_is_better else candidate < current
    return Decision.PROMOTE_BETTER if better else Decision.KEEP_CURRENT
