"""Resident ID numbers (居民身份证号码, GB 11643-1999).

18 characters: 6-digit area code, 8-digit birth date (YYYYMMDD), 3-digit sequence whose last
digit is odd for men and even for women, and a check character (0-9 or X) computed as
ISO 7064 MOD 11-2 over the first 17 digits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
CHECK_CHARACTERS = np.array(list("10X98765432"))
CHECK_CODEPOINTS = np.array([ord(c) for c in "10X98765432"], dtype=np.uint32)


def _codepoints(ids: np.ndarray, width: int) -> np.ndarray:
    """An (n, width) array of Unicode code points (0 past the end of shorter strings)."""
    fixed = np.ascontiguousarray(np.asarray(ids, dtype=f"U{width}"))
    return fixed.view(np.uint32).reshape(len(fixed), width)


def check_characters(first17: np.ndarray) -> np.ndarray:
    """Check characters for an array of 17-digit strings.

    >>> check_characters(np.array(["11010519491231002"])).tolist()
    ['X']
    """
    digits = _codepoints(first17, 17).astype(np.int64) - ord("0")
    return CHECK_CHARACTERS[(digits @ WEIGHTS) % 11]


def compose(area: np.ndarray, birth_yyyymmdd: np.ndarray, sequence: np.ndarray) -> np.ndarray:
    """Full ID numbers from 6-digit area codes, birth dates and 3-digit sequences."""
    first17 = np.char.add(
        np.char.add(area.astype("U6"), birth_yyyymmdd.astype("U8")), sequence.astype("U3")
    )
    return np.char.add(first17, check_characters(first17))


def upgrade_15(ids: np.ndarray) -> np.ndarray:
    """Old 15-digit numbers (issued before 1999: no century, no check character) as the
    18-digit number they became — ``19`` inserted before the birth year, the check character
    appended; anything else unchanged.

    >>> upgrade_15(np.array(["110105491231002", "11010519491231002X"])).tolist()
    ['11010519491231002X', '11010519491231002X']
    """
    text = pd.Series(np.asarray(ids, dtype=object), dtype="str")
    old = text.str.fullmatch(r"\d{15}").fillna(False).to_numpy()
    first17 = (text.str.slice(0, 6) + "19" + text.str.slice(6, 15)).to_numpy(dtype="U17")
    check = check_characters(np.where(old, first17, "0" * 17))
    return np.where(old, np.char.add(first17, check), text.to_numpy(dtype=str))


def well_formed(ids: np.ndarray) -> np.ndarray:
    """18 characters: 17 digits and a digit or X (upper or lower case)."""
    s = np.asarray(ids, dtype=str)
    points = _codepoints(s, 18)
    digit = (points >= ord("0")) & (points <= ord("9"))
    last_ok = digit[:, 17] | (points[:, 17] == ord("X")) | (points[:, 17] == ord("x"))
    return (np.char.str_len(s) == 18) & digit[:, :17].all(axis=1) & last_ok


def valid_check_character(ids: np.ndarray) -> np.ndarray:
    """Whether each well-formed ID's last character matches its first 17 digits."""
    ok = well_formed(ids)
    points = _codepoints(ids, 18)
    first17 = np.where(ok[:, None], points[:, :17], ord("0")).astype(np.int64) - ord("0")
    expected = CHECK_CODEPOINTS[(first17 @ WEIGHTS) % 11]
    last = np.where(points[:, 17] == ord("x"), ord("X"), points[:, 17])
    return ok & (expected == last)


def _number(points: np.ndarray, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
    """The decimal number written in characters ``start:stop`` and whether they are digits."""
    digits = points[:, start:stop].astype(np.int64) - ord("0")
    ok = ((digits >= 0) & (digits <= 9)).all(axis=1)
    return digits @ 10 ** np.arange(stop - start - 1, -1, -1), ok


def birth_dates(ids: np.ndarray) -> np.ndarray:
    """Birth dates (datetime64[D]); NaT where positions 7-14 are not a real date."""
    points = _codepoints(ids, 18)
    year, year_ok = _number(points, 6, 10)
    month, month_ok = _number(points, 10, 12)
    day, day_ok = _number(points, 12, 14)
    # Assembled from numbers (no string parsing); impossible dates (0230, 1301) become NaT.
    parts = pd.DataFrame(
        {
            "year": np.where(year_ok, year, 0),
            "month": np.where(month_ok, month, 0),
            "day": np.where(day_ok, day, 0),
        }
    )
    return pd.to_datetime(parts, errors="coerce").to_numpy(dtype="datetime64[D]")


def is_male(ids: np.ndarray) -> np.ndarray:
    """Sex from the 17th character: odd for men."""
    digit = _codepoints(ids, 18)[:, 16]
    return np.isin(digit, [ord(c) for c in "13579"])
