"""The officials' reports of ``household_ranking`` (tables, labels, workbook, HTML) and
their export nodes: the CSV for other systems, and per county the
officials' workbook and HTML report — all from the masked officials' view."""

from __future__ import annotations

import pandas as pd
from openpyxl import Workbook

from ecpa_pipeline.officials import county_file_stem

from .assessment import assessment_listing
from .html import county_html
from .tables import CountyReport, household_table, village_product_lines
from .workbook import county_workbook


def household_list_csv(
    view: pd.DataFrame, provenance: dict, params: dict, officials: dict
) -> pd.DataFrame:
    """The household list for other systems: canonical English column names, values in
    ``officials.csv_language``, the model version on every row."""
    table = household_table(view, params, officials["csv_language"])
    gains = ["expected_gain", "expected_gain_low", "expected_gain_high"]
    table = table.join(view[gains].round(0))
    return table.assign(
        model_name=provenance["model_name"],
        model_version=provenance["model_version"],
        scored_year=provenance["year"],
    )


def county_reports(
    view: pd.DataFrame,
    village_summary: pd.DataFrame,
    county_summary: pd.DataFrame,
    recommendations: pd.DataFrame | None,
    provenance: dict,
    allocation: dict,
    params: dict,
    officials: dict,
) -> tuple[dict[str, Workbook], dict[str, str]]:
    """Per county and language (``<county_code>_<county>_<language>``, every language of
    ``officials.languages``): the Excel workbook and the HTML report — with the development
    measures' assessment in words when the lists read an effect model."""
    workbooks, pages = {}, {}
    for language in officials["languages"]:
        table = household_table(view, params, language)
        top = params["report"]["top_products"]
        products = village_product_lines(recommendations, top, language)
        evidence = village_product_lines(recommendations, top, language, full=True)
        for county in county_summary.itertuples(index=False):
            households = table[table["county_code"] == county.county_code]
            villages = village_summary[village_summary["county_code"] == county.county_code]
            summary = county_summary.set_index("county_code").loc[county.county_code]
            summary = pd.concat([pd.Series({"county_code": county.county_code}), summary])
            mine = view[view["county_code"] == county.county_code]
            assessment = assessment_listing(allocation["assessment"], mine, params, language)
            shown = CountyReport(
                households,
                villages,
                summary,
                products,
                provenance | {"effects": allocation},
                evidence,
                assessment,
            )
            name = f"{county_file_stem(str(county.county_code), str(county.county))}_{language}"
            workbooks[name] = county_workbook(shown, params, officials, language)
            pages[name] = county_html(shown, params, officials, language)
    return workbooks, pages
