"""What every officials' export shares: file names from data, and workbook tables (print
widths, frozen headers, filters) — used by ``household_ranking`` and ``monitoring_lists``."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ecpa_pipeline.domain.masking import mask_id_number, mask_phone
from ecpa_pipeline.errors import ProjectError

#: Anything but letters (any script), digits, ``_`` and ``-``: never part of a file name.
_NOT_IN_FILE_NAMES = re.compile(r"[^\w-]+")


def report_set(**parts):
    """The officials' files of one run as one set, ``{part: data}``: ``ReportSetDataset``
    publishes them together, so that no reader sees files of two runs side by side."""
    return parts


def officials_view(table: pd.DataFrame, params: dict) -> pd.DataFrame:
    """A household list as officials may see it: the head's ID number and phone masked and
    names dropped unless the report settings (``params["report"]``) say otherwise."""
    report = params["report"]
    view = table.copy()
    if report["mask_personal_data"]:
        view["head_id_number"] = mask_id_number(view["head_id_number"])
        view["head_phone"] = mask_phone(view["head_phone"])
    if not report["show_names"]:
        view = view.drop(columns=["head_name"])
    return view


def county_file_stem(county_code: str, county: str) -> str:
    """``<county_code>_<county>`` as a file name: separators, dots and control characters of
    a hostile or careless export (``../``, ``/``) become ``_``, so a report stays in its folder."""
    stem = _NOT_IN_FILE_NAMES.sub("_", f"{county_code}_{county}").strip("_")
    return stem or "county"


WRAP_ABOVE = 40  # columns wider than this wrap instead of growing
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


#: Characters a spreadsheet shows two columns wide (CJK and full-width forms).
_WIDE_CHARACTERS = r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]"


def column_widths(table: pd.DataFrame) -> list[int]:
    """Print-ready widths: the 95th percentile of each column's text (CJK counts double) or its
    header, capped at ``WRAP_ABOVE`` (wider columns wrap)."""
    widths = []
    for column in table.columns:  # a few dozen columns, each vectorised over rows
        text = table[column].astype("str").fillna("")
        shown = text.str.len() + text.str.count(_WIDE_CHARACTERS)
        body = int(shown.quantile(0.95)) if len(text) else 0
        header = len(str(column)) + len(re.findall(_WIDE_CHARACTERS, str(column)))
        widths.append(min(max(header // 2 + 2, body + 2, 6), WRAP_ABOVE))
    return widths


def sheet_name(village_code: str, village: str) -> str:
    """A unique, valid sheet name: the village's last six code digits and its name."""
    name = f"{village_code[-6:]} {village}"
    return "".join(ch for ch in name if ch not in "[]:*?/\\")[:31]


def cells(table: pd.DataFrame) -> list[list]:
    """A table's rows as Python values, missing as None (what openpyxl writes as empty)."""
    return table.astype(object).where(table.notna(), None).to_numpy().tolist()


def write_table(
    ws: Worksheet, columns: list[str], rows: list[list], first_row: int, widths: list[int]
) -> None:
    """Header and rows from ``first_row``; header bold and shaded, frozen, with a filter;
    columns at ``widths``, the widest wrapped.

    openpyxl writes cell by cell, so this loops over rows; a county's list is small.
    """
    for _ in range(first_row - 1 - ws.max_row):
        ws.append([])
    ws.append(columns)
    for cell in ws[first_row]:
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        ws.append(row)
    last = get_column_letter(max(len(columns), 1))
    ws.auto_filter.ref = f"A{first_row}:{last}{first_row + max(len(rows), 1)}"
    ws.freeze_panes = f"A{first_row + 1}"
    ws.print_title_rows = f"{first_row}:{first_row}"
    wrap = Alignment(wrap_text=True, vertical="top")
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
        if width >= WRAP_ABOVE:
            for cells in ws.iter_rows(min_row=first_row + 1, min_col=col, max_col=col):
                cells[0].alignment = wrap


def risk_band(rank: pd.Series, group: pd.Series, bands: list[dict]) -> pd.Series:
    """Each row's band from its place in its list: ``rank`` 1 is the most at risk of its
    ``group`` (a county's list). ``bands`` (``{code, share}``, most at risk first, shares
    summing to 1) cut the list by shares — the first takes the ``share`` most at risk
    (rounded up: at least one household), the next the following share, and so on — so a
    band means a place in the list, and none is empty by construction in a list of at least
    as many households as there are shares' worth of them. A probability bound could leave a
    band empty: no household's exit likelihood was below 0.4 on the county (#27).

    >>> bands = [{"code": "high", "share": 0.2}, {"code": "medium", "share": 0.3},
    ...          {"code": "low", "share": 0.5}]
    >>> risk_band(pd.Series(range(1, 11)), pd.Series(["c"] * 10), bands).tolist()
    ['high', 'high', 'medium', 'medium', 'medium', 'low', 'low', 'low', 'low', 'low']

    Raises:
        ProjectError: shares that do not sum to 1.
    """
    shares = np.array([b["share"] for b in bands], dtype=float)
    if not np.isclose(shares.sum(), 1) or (shares <= 0).any():
        raise ProjectError(
            f"risk_bands: the shares {shares.tolist()} must be positive and sum to 1 (a band "
            "is a share of each list, most at risk first)"
        )
    size = group.map(group.value_counts()).to_numpy(float)
    last = np.ceil(np.cumsum(shares)[:, None] * size[None, :] - 1e-9)  # last rank of each band
    which = (rank.to_numpy(float)[None, :] > last).sum(axis=0)
    codes = np.array([b["code"] for b in bands])
    return pd.Series(codes[np.minimum(which, len(codes) - 1)], index=rank.index)


def rank_within(frame: pd.DataFrame, keys: list[str], ascending: list[bool], by) -> np.ndarray:
    """1-based position of each row within its ``by`` group when sorted by ``keys``."""
    order = frame.sort_values(keys, ascending=ascending, kind="stable")
    rank = order.groupby(by, sort=False).cumcount() + 1
    return rank.reindex(frame.index).to_numpy()


def joined_names(flags: pd.DataFrame, names: dict[str, str], sep: str = ";") -> pd.Series:
    """For each row, the names of its True columns joined by ``sep`` ('' when none)."""
    text = np.full(len(flags), "", dtype=object)
    for column in flags.columns:  # a handful of columns; vectorised over rows
        text = text + np.where(flags[column].to_numpy(bool), names[column] + sep, "")
    return pd.Series(text, index=flags.index, dtype="str").str.removesuffix(sep)


def codes_to_words(codes: pd.Series, names: dict[str, str], sep: str) -> pd.Series:
    """``a;b`` code lists → their names joined by ``sep`` (vectorised per code)."""
    parts = codes.fillna("").str.split(";").explode()
    named = parts.map(names).dropna()
    return named.groupby(level=0).agg(sep.join).reindex(codes.index, fill_value="")


def reasons_in_words(
    view: pd.DataFrame, language: str, towards: str, against: str, sep: str
) -> pd.Series:
    """A model's three strongest reasons (``factor_<i>_<language>`` and its signed
    ``factor_<i>_contribution``) with their direction, e.g. ``人均纯收入（不利于脱贫）``."""
    open_, close = ("（", "）") if language == "zh" else (" (", ")")
    out = []
    for i in (1, 2, 3):
        direction = np.where(view[f"factor_{i}_contribution"] > 0, towards, against)
        out.append(view[f"factor_{i}_{language}"].astype("str") + open_ + direction + close)
    return out[0] + sep + out[1] + sep + out[2]
