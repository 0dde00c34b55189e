"""Weights: units to kilograms, and pack weights written in product titles and specs."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .normalise import by_unique, halfwidth

#: Kilograms per unit (mainland 斤 = 0.5 kg, 两 = 50 g).
KG_PER_UNIT = {
    "斤": 0.5,
    "两": 0.05,
    "公斤": 1.0,
    "千克": 1.0,
    "kg": 1.0,
    "g": 0.001,
    "克": 0.001,
    "吨": 1000.0,
    "t": 1000.0,
}
_UNITS = "|".join(sorted((re.escape(u) for u in KG_PER_UNIT), key=len, reverse=True))
# "5斤装", "2.5kg*2箱", "250g", "10斤/袋", "5kg×4" — a number, a unit, an optional multiplier.
_PACK = re.compile(
    rf"(?P<n>\d+(?:\.\d+)?)\s*(?P<u>{_UNITS})(?![a-z])(?:\s*[*x×]\s*(?P<k>\d+))?",
    re.IGNORECASE | re.ASCII,  # after NFKC: ASCII digits, case-folding of ASCII letters only
)


@by_unique
def unit_to_kg(units: pd.Series) -> pd.Series:
    """Kilograms per unit for a series of unit names (NaN for non-weight units like 箱).

    >>> unit_to_kg(pd.Series(["斤", "KG", "吨", "箱"])).tolist()
    [0.5, 1.0, 1000.0, nan]
    """
    return halfwidth(units).str.lower().map(KG_PER_UNIT).astype(float)


@by_unique
def pack_weight_kg(texts: pd.Series) -> pd.Series:
    """The pack weight (kg) written in a title or spec; NaN where none is written.

    >>> pack_weight_kg(pd.Series(["土豆5斤装", "2.5kg*2箱", "250g", "礼盒", "10斤/袋"])).tolist()
    [2.5, 5.0, 0.25, nan, 5.0]
    """
    # One search per distinct text (``by_unique``): pandas' ``str.extract`` costs 4× as much,
    # building a frame of groups where one number is wanted.
    found = (
        _PACK.search(text) if isinstance(text, str) else None for text in halfwidth(texts).tolist()
    )
    return pd.Series(
        [
            float(m["n"]) * KG_PER_UNIT[m["u"].lower()] * (float(m["k"]) if m["k"] else 1.0)
            if m
            else np.nan
            for m in found
        ],
        index=texts.index,
        dtype=float,
    )
