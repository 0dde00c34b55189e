"""The officials' reports of ``household_ranking`` (tables, labels, workbook, HTML) and
their export nodes: the CSV for other systems, and per county the
officials' workbook and HTML report — all from the masked officials' view."""

from __future__ import annotations

import pandas as pd
from openpyxl import Workbook

from ecpa_pipeline.officials import county_file_stem

from .html import county_html
from .tables import CountyReport, household_table, village_product_lines
from .workbook import county_workbook


def household_list_csv(view: pd.DataFrame, provenance: dict, params: dict) -> pd.DataFrame:
    """The household list for other systems: canonical English column names, values in the
    report language, the model version on every row."""
    table = household_table(view, params, params["report"]["language"])
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
    params: dict,
) -> tuple[dict[str, Workbook], dict[str, str]]:
    """Per county (``<county_code>_<county>``): the Excel workbook and the HTML report."""
    report = params["report"]
    language = report["language"]
    table = household_table(view, params, language)
    products = village_product_lines(recommendations, report["top_products"], language)
    workbooks, pages = {}, {}
    for county in county_summary.itertuples(index=False):
        households = table[table["county_code"] == county.county_code]
        villages = village_summary[village_summary["county_code"] == county.county_code]
        summary = county_summary.set_index("county_code").loc[county.county_code]
        summary = pd.concat([pd.Series({"county_code": county.county_code}), summary])
        shown = CountyReport(households, villages, summary, products, provenance)
        name = county_file_stem(str(county.county_code), str(county.county))
        workbooks[name] = county_workbook(shown, params)
        pages[name] = county_html(shown, params)
    return workbooks, pages
