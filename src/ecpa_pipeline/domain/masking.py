"""Masking of personal data in officials' exports: enough of a number to tell households
apart on paper, never enough to reuse it."""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


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


#: A JSON string's characters (an escaped quote included).
_CHAR = r'(?:[^"\\]|\\.)'
#: How each kind of personal value is masked inside a JSON object's text: the pattern after
#: the key, and what replaces it (as ``mask_id_number`` and ``mask_phone`` show them).
_JSON_MASKS = {
    "hidden": (rf"{_CHAR}+", "*"),
    "id_number": (rf"({_CHAR}{{4}}){_CHAR}+({_CHAR}{{4}})", r"\1**********\2"),
    "phone": (rf"({_CHAR}{{3}}){_CHAR}+({_CHAR}{{4}})", r"\1****\2"),
}


def mask_json_values(texts: pd.Series, columns: dict[str, str]) -> pd.Series:
    """JSON objects (a quarantined row's raw values) with the values of ``columns`` masked:
    ``{column: "hidden" | "id_number" | "phone"}``. Vectorised (one regular expression per
    column over the whole column of texts); other keys and values are left as they are.

    >>> mask_json_values(
    ...     pd.Series(['{"name": "张德明", "id_number": "520122197003050116", "phone": ""}']),
    ...     {"name": "hidden", "id_number": "id_number", "phone": "phone"},
    ... ).tolist()
    ['{"name": "*", "id_number": "5201**********0116", "phone": ""}']
    """
    masked = pa.array(texts.fillna(""), pa.string())
    for column, kind in columns.items():
        pattern, replacement = _JSON_MASKS[kind]
        key = '"' + column + '": "'
        masked = pc.replace_substring_regex(
            masked, f'{re.escape(key)}{pattern}"', key.replace("\\", "\\\\") + replacement + '"'
        )
    out = pd.Series(masked.to_pandas(), dtype="str")
    return out.set_axis(texts.index).where(texts.notna())
