"""One workbook design for every officials' report: tables with a bold shaded header, frozen
and filtered, print-ready widths, numbers stored as numbers and formatted by kind, fills for
bands and statuses, A4 landscape with the header repeated on every printed page."""

from __future__ import annotations

import re

import pandas as pd
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .page import Listing

#: Excel number formats of the page's column kinds (``page.KINDS``).
NUMBER_FORMATS = {
    "integer": "#,##0",
    "yuan": "#,##0",
    "decimal": "0.00",
    "percent0": "0%",
    "percent1": "0.0%",
    "percent2": "0.00%",
}
SHEET_NAME_LIMIT = 31  # Excel's

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


def sheet_title(name: str, taken: set[str] = frozenset()) -> str:
    """``name`` as a valid sheet name: without ``[]:*?/\\``, at most 31 characters, and not one
    of ``taken`` (a cut name gets a number rather than colliding)."""
    clean = "".join(ch for ch in name if ch not in "[]:*?/\\").strip() or "sheet"
    title, n = clean[:SHEET_NAME_LIMIT], 1
    while title in taken:
        n += 1
        title = f"{clean[: SHEET_NAME_LIMIT - len(str(n)) - 1]}~{n}"
    return title


def page_setup(ws: Worksheet) -> None:
    """A4 landscape, one page wide."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def info_rows(ws: Worksheet, rows: list[tuple[str, object]], formats: dict | None = None) -> int:
    """Key: value lines at the top of a sheet — numbers as numbers (formatted by ``formats``,
    key → kind); returns the next free row."""
    formats = formats or {}
    for i, (key, value) in enumerate(rows, start=1):
        ws.cell(row=i, column=1, value=key).font = BOLD
        cell = ws.cell(row=i, column=2, value=None if pd.isna(value) else value)
        if key in formats:
            cell.number_format = NUMBER_FORMATS[formats[key]]
        cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
    return len(rows) + 2


def _body(columns: list[str], column: str, n_rows: int, first_row: int) -> str | None:
    """The cell range of ``column``'s values below the header, or None if absent/empty."""
    if column not in columns or n_rows == 0:
        return None
    letter = get_column_letter(columns.index(column) + 1)
    return f"{letter}{first_row + 1}:{letter}{first_row + n_rows}"


def listing_table(
    ws: Worksheet,
    listing: Listing,
    first_row: int = 1,
    widths: list[int] | None = None,
    rows: list[list] | None = None,
) -> None:
    """A page's ``Listing`` on a sheet from ``first_row``: ``rows`` (default: all of it) under
    its header, numbers formatted by kind, cells filled by value, printed A4."""
    columns = list(map(str, listing.frame.columns))
    rows = cells(listing.frame) if rows is None else rows
    write_table(ws, columns, rows, first_row, widths or column_widths(listing.frame))
    for column, kind in listing.kinds.items():
        area = _body(columns, column, len(rows), first_row)
        if area is not None and kind in NUMBER_FORMATS:
            for (cell,) in ws[area]:
                cell.number_format = NUMBER_FORMATS[kind]
    for column, fills in listing.fills.items():
        area = _body(columns, column, len(rows), first_row)
        if area is None:
            continue
        letter = area.split(":")[0].rstrip("0123456789")
        for value, fill in fills.items():
            ws.conditional_formatting.add(
                area,
                FormulaRule(
                    formula=[f'${letter}{first_row + 1}="{value}"'],
                    fill=PatternFill("solid", fgColor=fill, bgColor=fill),
                ),
            )
    page_setup(ws)
