"""The monitoring lists as officials read them: the CSVs, and per county an Excel workbook
and a self-contained HTML page (inline CSS, no network), each in Chinese and English, from
the masked officials' views."""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd
from openpyxl import Workbook

from ecpa_pipeline.officials import (
    BOLD,
    cells,
    codes_to_words,
    column_widths,
    county_file_stem,
    reasons_in_words,
    write_table,
)

from .nodes import CRITERIA

LANGUAGES = ("zh", "en")
WORDS = {
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    "raises": {"zh": "↑风险", "en": "raises risk"},
    "lowers": {"zh": "↓风险", "en": "lowers risk"},
    "early_warning": {"zh": "预警名单（尚未纳入监测）", "en": "Early warning (not yet monitored)"},
    "risk_elimination": {
        "zh": "风险消除条件核查（监测对象）",
        "en": "Risk elimination check (monitored)",
    },
    "about": {"zh": "说明", "en": "About"},
    "year": {"zh": "名单年度", "en": "year listed"},
    "model": {"zh": "模型", "en": "model"},
    "masked": {"zh": "身份证号和电话已脱敏", "en": "ID numbers and phones are masked"},
    "unmasked": {
        "zh": "身份证号和电话未脱敏（仅限内部）",
        "en": "ID numbers and phones unmasked (internal)",
    },
    "purpose": {
        "zh": "预警名单按明年被识别为监测对象的可能性排序，供入户核实参考，不代替识别程序。",
        "en": "The early-warning list ranks households by their likelihood of being identified "
        "as monitoring objects next year, for cadres' visits; it does not replace identification.",
    },
}
#: Labels both lists share: who the household is, and its income against the line.
HOUSEHOLD_COLUMNS = {
    "township": {"zh": "乡镇", "en": "township"},
    "village": {"zh": "行政村", "en": "village"},
    "household_code": {"zh": "户编号", "en": "household code"},
    "head_name": {"zh": "户主姓名", "en": "head's name"},
    "head_id_number": {"zh": "户主身份证号", "en": "head's ID number"},
    "head_phone": {"zh": "联系电话", "en": "phone"},
}
INCOME_COLUMNS = {
    "income_per_capita": {"zh": "人均纯收入（元）", "en": "income per person (yuan)"},
    "monitoring_line": {"zh": "监测线（元）", "en": "monitoring line (yuan)"},
}
WARNING_COLUMNS = {
    "rank_county": {"zh": "县内排名", "en": "rank in county"},
    "rank_village": {"zh": "村内排名", "en": "rank in village"},
    **HOUSEHOLD_COLUMNS,
    "household_status": {"zh": "户类型", "en": "household"},
    "household_size": {"zh": "家庭人口", "en": "members"},
    **INCOME_COLUMNS,
    "risk": {"zh": "明年被识别可能性", "en": "likelihood of identification next year"},
    "risk_band": {"zh": "风险等级", "en": "risk band"},
    "reasons": {"zh": "主要原因", "en": "main reasons"},
    "measures": {"zh": "建议帮扶措施", "en": "suggested measures"},
}
ELIMINATION_COLUMNS = {
    **HOUSEHOLD_COLUMNS,
    "monitoring_category": {"zh": "监测对象类别", "en": "category"},
    "monitoring_since": {"zh": "识别监测时间", "en": "monitored since"},
    "months_monitored": {"zh": "已监测月数", "en": "months monitored"},
    "measure_names": {"zh": "帮扶措施", "en": "measures"},
    **INCOME_COLUMNS,
    "meets_elimination_criteria": {"zh": "符合风险消除条件", "en": "meets the criteria"},
    "unmet_criteria": {"zh": "尚未满足", "en": "not yet met"},
}


def warning_table(view: pd.DataFrame, score: str, params: dict, language: str) -> pd.DataFrame:
    """The early-warning list in ``language``: columns labelled, values in words."""
    rules = [*params["measures"], params["default_measure"]]
    bands = {b["code"]: b[language] for b in params["risk_bands"]}
    status = view["household_status"]
    if language == "en":
        status = status.map({"脱贫户": "exited", "普通农户": "ordinary"}).fillna(status)
    table = view.assign(
        risk=view[score].round(3),
        risk_band=view["risk_band"].map(bands),
        income_per_capita=view["income_per_capita"].round(0),
        household_size=view["household_size"].astype("Int64"),
        household_status=status,
        reasons=reasons_in_words(
            view,
            language,
            WORDS["raises"][language],
            WORDS["lowers"][language],
            "；" if language == "zh" else "; ",
        ),
        measures=codes_to_words(
            view["measure_codes"], {r["code"]: r[language] for r in rules}, "；"
        ),
    )
    return _labelled(table, WARNING_COLUMNS, language)


def elimination_table(view: pd.DataFrame, language: str) -> pd.DataFrame:
    """The risk-elimination check in ``language``."""
    yes, no = WORDS["yes"][language], WORDS["no"][language]
    months = {c: w[language].format(min_months="6") for c, w in CRITERIA.items()}
    table = view.assign(
        income_per_capita=view["income_per_capita"].round(0),
        meets_elimination_criteria=np.where(view["meets_elimination_criteria"], yes, no),
        unmet_criteria=codes_to_words(view["unmet_criteria"], months, "；"),
        monitoring_since=view["monitoring_since"].astype("Int64").astype("str"),
    )
    return _labelled(table, ELIMINATION_COLUMNS, language)


def _labelled(table: pd.DataFrame, columns: dict, language: str) -> pd.DataFrame:
    shown = [c for c in columns if c in table]
    return table[["county_code", "county", *shown]].rename(
        columns={c: columns[c][language] for c in shown}
    )


def lists_csv(
    warnings: pd.DataFrame, elimination: pd.DataFrame, provenance: dict, params: dict
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both lists for other systems, in the report language, the model version on each row."""
    language = params["report"]["language"]
    stamp = {"model_name": provenance["model_name"], "model_version": provenance["model_version"]}
    return (
        warning_table(warnings, provenance["score_column"], params, language).assign(**stamp),
        elimination_table(elimination, language).assign(year=provenance["year"]),
    )


def _about(provenance: dict, params: dict, language: str) -> list[tuple[str, str]]:
    privacy = "masked" if params["report"]["mask_personal_data"] else "unmasked"
    return [
        (WORDS["year"][language], str(provenance["year"])),
        (
            WORDS["model"][language],
            f"{provenance['model_name']} v{provenance['model_version']} "
            f"(MLflow run {provenance['model_run_id']})",
        ),
        ("", WORDS[privacy][language]),
        ("", WORDS["purpose"][language]),
    ]


def county_reports(
    warnings: pd.DataFrame, elimination: pd.DataFrame, provenance: dict, params: dict
) -> tuple[dict[str, Workbook], dict[str, str]]:
    """Per county (``<county_code>_<county>``): the workbook and the HTML page."""
    score = provenance["score_column"]
    tables = {
        language: (
            warning_table(warnings, score, params, language),
            elimination_table(elimination, language),
        )
        for language in LANGUAGES
    }
    counties = pd.concat(
        [warnings[["county_code", "county"]], elimination[["county_code", "county"]]]
    ).drop_duplicates("county_code")
    workbooks, pages = {}, {}
    for county in counties.itertuples(index=False):
        shown = {
            language: tuple(
                t[t["county_code"] == county.county_code].drop(columns=["county_code", "county"])
                for t in pair
            )
            for language, pair in tables.items()
        }
        name = county_file_stem(str(county.county_code), str(county.county))
        workbooks[name] = _workbook(shown, provenance, params)
        pages[name] = _page(str(county.county), shown, provenance, params)
    return workbooks, pages


def _workbook(shown: dict, provenance: dict, params: dict) -> Workbook:
    """A sheet about the lists, then per language the early warning and the check."""
    wb = Workbook()
    about = wb.active
    about.title = "说明 About"
    for language in LANGUAGES:
        for key, value in _about(provenance, params, language):
            about.append([key, value])
            about.cell(row=about.max_row, column=1).font = BOLD
    about.column_dimensions["A"].width, about.column_dimensions["B"].width = 14, 100
    for language, (early, check) in shown.items():
        for title, table in (("early_warning", early), ("risk_elimination", check)):
            ws = wb.create_sheet(f"{WORDS[title][language]}"[:31])
            write_table(ws, list(table.columns), cells(table), 1, column_widths(table))
    return wb


def _escaped(values: pd.Series) -> pd.Series:
    """HTML-escaped text of a column (vectorised ``html.escape``)."""
    text = values.astype(object).where(values.notna(), "").astype(str)
    for raw, entity in (
        ("&", "&amp;"),
        ("<", "&lt;"),
        (">", "&gt;"),
        ('"', "&quot;"),
        ("'", "&#x27;"),
    ):
        text = text.str.replace(raw, entity, regex=False)
    return text


def _html_table(table: pd.DataFrame, table_id: str) -> str:
    head = "".join(f"<th>{escape(str(c))}</th>" for c in table.columns)
    rows = pd.Series("<tr>", index=table.index, dtype="str")
    for column in table.columns:  # a dozen columns, each vectorised over rows
        rows = rows + "<td>" + _escaped(table[column]) + "</td>"
    body = "".join((rows + "</tr>").tolist())
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _page(county: str, shown: dict, provenance: dict, params: dict) -> str:
    """One self-contained page: about, then per language both lists."""
    sections = []
    for language, (early, check) in shown.items():
        about = "".join(
            f"<p><b>{escape(k)}</b> {escape(v)}</p>"
            for k, v in _about(provenance, params, language)
        )
        sections.append(
            f'<section lang="{language}">{about}'
            f"<h2>{escape(WORDS['early_warning'][language])} ({len(early)})</h2>"
            f"{_html_table(early, f'early_warning_{language}')}"
            f"<h2>{escape(WORDS['risk_elimination'][language])} ({len(check)})</h2>"
            f"{_html_table(check, f'risk_elimination_{language}')}</section>"
        )
    style = (
        "body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;"
        "font-size:13px;margin-bottom:2em}th,td{border:1px solid #ccd;padding:3px 6px;"
        "vertical-align:top}th{background:#ddebf7;position:sticky;top:0}"
    )
    title = escape(f"{county} 防返贫监测名单 / monitoring lists {provenance['year']}")
    return (
        f'<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{style}</style></head><body><h1>{title}</h1>{''.join(sections)}</body></html>"
    )
