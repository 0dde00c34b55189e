"""The officials' Excel workbook of one county in one language (``officials.workbook``): a
summary sheet (the county's figures and its villages), the county-wide list, the development
measures' assessment (when the lists read an effect model) and one sheet per village."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment

from ecpa_pipeline.officials.workbook import (
    cells,
    column_widths,
    info_rows,
    listing_table,
    sheet_title,
)

from .labels import AREA_COLUMNS, READINESS, word
from .tables import (
    AREA_KINDS,
    CountyReport,
    area_table,
    household_listing,
    provenance_lines,
    village_listing,
)


def county_workbook(shown: CountyReport, params: dict, officials: dict, language: str) -> Workbook:
    """One county's workbook in ``language``."""
    wb = Workbook()
    summary = wb.active
    summary.title = sheet_title(word("summary", language))
    county = area_table(shown.county_summary.to_frame().T, language).iloc[0]
    kinds = {word(c, language, AREA_COLUMNS): k for c, k in AREA_KINDS.items()}
    info = [
        (
            word("title", language),
            f"{shown.county_summary['county']} ({shown.county_summary['county_code']})",
        ),
        ("", word("about", language)),
        *provenance_lines(shown.provenance, officials, language),
        *county.items(),
    ]
    start = info_rows(summary, info, kinds)
    summary.column_dimensions["B"].width = 60
    listing_table(summary, village_listing(shown, language), start)

    households = household_listing(shown, params, language)
    rows = cells(households.frame)
    widths = column_widths(households.frame)  # the same on every sheet: one print layout
    everyone = wb.create_sheet(sheet_title(households.title, set(wb.sheetnames)))
    listing_table(everyone, households, 1, widths, rows)

    # Each village's households, most in need first (the list is in county order).
    by_village = shown.households.reset_index(drop=True).sort_values(
        ["village_code", "rank_village"]
    )
    in_village = by_village.groupby("village_code", sort=False).indices
    positions = by_village.index.to_numpy()
    for row in shown.village_summary.itertuples(index=False):
        name = f"{str(row.village_code)[-6:]} {row.village}"
        ws = wb.create_sheet(sheet_title(name, set(wb.sheetnames)))
        status = word(row.readiness, language, READINESS)
        products = shown.product_evidence_by_village.get(row.village_code, "") or word(
            "no_products", language
        )
        start = info_rows(
            ws,
            [
                (f"{row.township} {row.village} ({row.village_code})", status),
                (word("products", language), products),
            ],
        )
        ws.cell(row=2, column=2).alignment = Alignment(wrap_text=True, vertical="top")
        mine = [rows[i] for i in positions[in_village.get(row.village_code, [])]]
        listing_table(ws, households, start, widths, mine)
    for listing in shown.assessment:
        sheet = wb.create_sheet(sheet_title(listing.title, set(wb.sheetnames)), index=2)
        listing_table(sheet, listing, 1)
    return wb
