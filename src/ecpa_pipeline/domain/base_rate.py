"""A known base rate imposed on a group's probabilities: one log-odds intercept shifts them
all so that their mean equals it (the order within the group is kept). The simulator draws a
year's exits this way (a plan's quota), and the exit model anchors a cohort's probabilities to
the plan the same way."""

from __future__ import annotations

import numpy as np
from scipy.special import expit


def intercept_for_mean(log_odds: np.ndarray, target: float) -> float:
    """The intercept a such that mean(expit(log_odds + a)) == target (bisection)."""
    lo, hi = -15.0, 15.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if expit(log_odds + mid).mean() < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2
