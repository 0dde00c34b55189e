"""Text that a spreadsheet would run as a formula, written so that it stays text.

Officials open every CSV and workbook the project writes in Excel or WPS. A village, name or
product text such as ``=HYPERLINK("http://x","y")`` or ``+2*3`` taken from an export would
become a live formula there (CSV/formula injection). In CSV such a cell gets a leading ``'``
(the OWASP remedy), reversed on load so that pipelines read back what they wrote; in a
workbook every value is written as a string, never as a formula.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from kedro_datasets.pandas import CSVDataset
from openpyxl.workbook.workbook import Workbook

#: What a spreadsheet reads as the start of a formula (and DDE tricks with tab/CR).
_FORMULA_START = "=+-@\t\r"
_NEEDS_QUOTE = re.compile(f"^'*[{re.escape(_FORMULA_START)}]")
_QUOTED = re.compile(f"^'+[{re.escape(_FORMULA_START)}]")


def _text_columns(frame: pd.DataFrame) -> list:
    return [
        c
        for c in frame.columns
        if pd.api.types.is_string_dtype(frame[c]) or pd.api.types.is_object_dtype(frame[c])
    ]


def _matching(values: pd.Series, pattern: re.Pattern) -> pd.Series | None:
    """Where a text cell matches ``pattern`` (non-text cells never do); None when no cell
    does or the column holds no text."""
    try:
        hit = values.str.contains(pattern, na=False).astype(bool)
    except AttributeError:  # no text in the column
        return None
    return hit if hit.any() else None


def _quote(values: pd.Series) -> pd.Series:
    hit = _matching(values, _NEEDS_QUOTE)
    if hit is None:
        return values
    out = values.copy()
    out[hit] = "'" + values[hit].astype(str)
    return out


def _unquote(values: pd.Series) -> pd.Series:
    hit = _matching(values, _QUOTED)
    if hit is None:
        return values
    out = values.copy()
    out[hit] = values[hit].astype(str).str.slice(1)
    return out


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``'`` before every text cell a spreadsheet would read as a formula
    (and before text already starting with ``'`` and such a character, so that
    :func:`restore_formulas` gives back exactly the original)."""
    columns = _text_columns(frame)
    if not columns:
        return frame
    return frame.assign(**{str(c): _quote(frame[c]) for c in columns})


def restore_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """The inverse of :func:`neutralise_formulas`."""
    columns = _text_columns(frame)
    if not columns:
        return frame
    return frame.assign(**{str(c): _unquote(frame[c]) for c in columns})


def cells_as_text(workbook: Workbook) -> Workbook:
    """Every cell openpyxl would write as a formula (a string starting with ``=``) written as
    the string it is. The project's workbooks hold values only, never formulas."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    return workbook


class SpreadsheetSafeCSVDataset(CSVDataset):
    """``pandas.CSVDataset`` for CSVs people open in a spreadsheet: text cells that would
    start a formula are saved with a leading ``'``, and restored on load; rows end in CRLF.

    Example catalog entry::

        household_list:
          type: ecpa_pipeline.datasets.SpreadsheetSafeCSVDataset
          filepath: data/08_reporting/household_ranking/household_list.csv
          save_args: {index: false}
    """

    def __init__(self, *args, save_args: dict | None = None, **kwargs):
        # RFC 4180 line ends: the csv writer then quotes a text holding a carriage return,
        # which would otherwise end the row in a spreadsheet.
        super().__init__(*args, save_args={"lineterminator": "\r\n", **(save_args or {})}, **kwargs)

    def load(self) -> pd.DataFrame:
        return restore_formulas(super().load())

    def save(self, data: pd.DataFrame) -> None:
        super().save(neutralise_formulas(data))

    def _describe(self) -> dict[str, Any]:
        return {**super()._describe(), "formulas": "neutralised"}
