"""The officials' Excel workbook of one county: a summary sheet, the county-wide list and one
sheet per village — frozen headers, filters, risk bands in colour, print-ready widths."""

from __future__ import annotations

import pandas as pd
from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ecpa_pipeline.officials import BOLD, cells, column_widths, sheet_name, write_table

from .labels import AREA_COLUMNS, HOUSEHOLD_COLUMNS, READINESS, word
from .tables import CountyReport, area_table, household_sheet, provenance_lines, village_table

#: Readiness colours, on the status label (any language).
READINESS_COLOURS = {"ready": "C6EFCE", "near": "FFE699", "not_ready": "F8CBAD"}


def _body(columns: list[str], column: str, n_rows: int, first_row: int) -> str | None:
    """The cell range of ``column``'s values below the header, or None if absent/empty."""
    if column not in columns or n_rows == 0:
        return None
    letter = get_column_letter(columns.index(column) + 1)
    return f"{letter}{first_row + 1}:{letter}{first_row + n_rows}"


def _colour_by_label(
    ws: Worksheet, columns: list[str], n_rows: int, column: str, colours: dict, first_row: int
) -> None:
    """Conditional fill of ``column``'s cells by their label (e.g. 高风险 → red)."""
    area = _body(columns, column, n_rows, first_row)
    if area is None:
        return
    top_left = area.split(":")[0]
    letter = top_left.rstrip("0123456789")
    for label, colour in colours.items():
        ws.conditional_formatting.add(
            area,
            FormulaRule(
                formula=[f'${letter}{first_row + 1}="{label}"'],
                fill=PatternFill("solid", fgColor=colour, bgColor=colour),
            ),
        )


def _number_formats(
    ws: Worksheet, columns: list[str], n_rows: int, formats: dict, first_row: int
) -> None:
    for column, fmt in formats.items():
        area = _body(columns, column, n_rows, first_row)
        if area is not None:
            for (cell,) in ws[area]:
                cell.number_format = fmt


def _formatted_table(
    ws: Worksheet,
    columns: list[str],
    rows: list[list],
    first_row: int,
    widths: list[int],
    colours: tuple[str, dict],
    formats: dict,
) -> None:
    write_table(ws, columns, rows, first_row, widths)
    _colour_by_label(ws, columns, len(rows), *colours, first_row)
    _number_formats(ws, columns, len(rows), formats, first_row)
    _page_setup(ws)


def _page_setup(ws: Worksheet) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _info_rows(ws: Worksheet, rows: list[tuple[str, str]]) -> int:
    """Key: value lines at the top of a sheet; returns the next free row."""
    for i, (key, value) in enumerate(rows, start=1):
        ws.cell(row=i, column=1, value=key).font = BOLD
        ws.cell(row=i, column=2, value=value)
    return len(rows) + 2


def county_workbook(shown: CountyReport, params: dict) -> Workbook:
    """One county's workbook in ``report.language``."""
    language = params["report"]["language"]
    bands = {b[language]: b["colour"] for b in params["risk_bands"]}
    readiness_colours = {
        word(k, language, READINESS): colour for k, colour in READINESS_COLOURS.items()
    }
    band_column = word("risk_band", language, HOUSEHOLD_COLUMNS)
    readiness_column = word("readiness", language, AREA_COLUMNS)
    household_formats = {word("exit_probability", language, HOUSEHOLD_COLUMNS): "0%"}
    share_formats = {
        word(c, language, AREA_COLUMNS): "0.00%"
        for c in ("current_incidence", "projected_incidence", "incidence_threshold")
    }

    wb = Workbook()
    summary = wb.active
    summary.title = word("summary", language)[:31]
    county = area_table(shown.county_summary.to_frame().T, language).iloc[0]
    info = [
        (
            word("title", language),
            f"{shown.county_summary['county']} ({shown.county_summary['county_code']})",
        ),
        *provenance_lines(shown.provenance, params, language),
        *[(str(k), "" if pd.isna(v) else str(v)) for k, v in county.items()],
    ]
    start = _info_rows(summary, info)
    villages = village_table(shown.village_summary, shown.products_by_village, language)
    _formatted_table(
        summary,
        list(villages.columns),
        cells(villages),
        start,
        column_widths(villages),
        (readiness_column, readiness_colours),
        share_formats,
    )

    sheet = household_sheet(shown.households, language)
    columns, rows = list(sheet.columns), cells(sheet)
    widths = column_widths(sheet)  # the same on every sheet: one print layout
    everyone = wb.create_sheet(word("households", language)[:31])
    _formatted_table(everyone, columns, rows, 1, widths, (band_column, bands), household_formats)

    # Each village's households, most in need first (the list is in county order).
    by_village = shown.households.reset_index(drop=True).sort_values(
        ["village_code", "rank_village"]
    )
    in_village = by_village.groupby("village_code", sort=False).indices
    positions = by_village.index.to_numpy()
    for row in shown.village_summary.itertuples(index=False):
        ws = wb.create_sheet(sheet_name(row.village_code, row.village))
        status = word(row.readiness, language, READINESS)
        products = shown.products_by_village.get(row.village_code, "") or word(
            "no_products", language
        )
        start = _info_rows(
            ws,
            [
                (f"{row.township} {row.village} ({row.village_code})", status),
                (word("products", language), products),
            ],
        )
        ws.cell(row=2, column=2).alignment = Alignment(wrap_text=True, vertical="top")
        mine = [rows[i] for i in positions[in_village.get(row.village_code, [])]]
        _formatted_table(ws, columns, mine, start, widths, (band_column, bands), household_formats)
    return wb
