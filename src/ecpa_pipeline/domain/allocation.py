"""Places under a capacity: per group, the rows ranked first by a score get them. One
implementation for the measure-effect evaluation (rules, lottery, estimate, oracle) and the
officials' allocation by expected gain."""

from __future__ import annotations

import numpy as np
import pandas as pd


def allocate(village: pd.Series, score: pd.Series, capacity: pd.Series, tie: pd.Series):
    """Per village, True for the ``capacity[village]`` rows ranked first by ``score``
    (highest first; ``tie`` breaks ties); a village without capacity gets none."""
    order = np.lexsort((tie.to_numpy(), -score.to_numpy(), village.to_numpy()))
    v = village.to_numpy()[order]
    first = np.searchsorted(v, v, side="left")
    rank = np.empty(len(v), dtype=int)
    rank[order] = np.arange(len(v)) - first
    return rank < capacity.reindex(village).fillna(0).to_numpy()
