"""Row orders that the rows' contents alone fix, never a pseudonym: a model fitted on rows in
another order (bagging, folds, ties) differs, so with another pseudonym key the same exports
would give another model."""

from __future__ import annotations

import numpy as np
import pandas as pd


def in_content_order(frame: pd.DataFrame, first: str, pseudonym: str) -> pd.DataFrame:
    """``frame`` sorted by ``first``, then by a digest of every column but ``pseudonym``."""
    digest = pd.util.hash_pandas_object(frame.drop(columns=pseudonym), index=False).to_numpy()
    order = np.lexsort((digest, frame[first].to_numpy()))
    return frame.take(order).reset_index(drop=True)
