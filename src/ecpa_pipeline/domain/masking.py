"""Masking of personal data in officials' exports: enough of a number to tell households
apart on paper, never enough to reuse it."""

from __future__ import annotations

import pandas as pd


def _mask(values: pd.Series, keep_start: int, keep_end: int) -> pd.Series:
    """Keep ``keep_start`` leading and ``keep_end`` trailing characters, star the rest;
    values too short to mask safely become all stars; NA stays NA."""
    text = values.astype("str").fillna("")
    n = text.str.len()
    stars = pd.Series("*", index=text.index, dtype="str")
    middle = stars.str.repeat((n - keep_start - keep_end).clip(lower=0).tolist())
    masked = text.str[:keep_start] + middle + text.str[-keep_end:]
    short = n <= keep_start + keep_end
    return masked.where(~short, stars.str.repeat(n.tolist())).where(values.notna())


def mask_id_number(values: pd.Series) -> pd.Series:
    """Resident ID numbers with the first four and last four characters shown.

    >>> mask_id_number(pd.Series(["52240119900101123X", None])).tolist()
    ['5224**********123X', nan]
    """
    return _mask(values, 4, 4)


def mask_phone(values: pd.Series) -> pd.Series:
    """Phone numbers with the first three and last four digits shown.

    >>> mask_phone(pd.Series(["13812345678", "1234"])).tolist()
    ['138****5678', '****']
    """
    return _mask(values, 3, 4)
