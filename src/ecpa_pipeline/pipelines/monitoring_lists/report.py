"""The monitoring lists as officials read them (``officials``' one design): the CSVs, and
per county and language a workbook and a self-contained HTML page with the early-warning
list (most at risk first) and the risk-elimination check, from the masked officials' views."""

from __future__ import annotations

import numpy as np
import pandas as pd
from openpyxl import Workbook

from ecpa_pipeline.officials import codes_to_words, county_file_stem
from ecpa_pipeline.officials.page import Listing, card, report_page
from ecpa_pipeline.officials.reasons import reasons_in_words
from ecpa_pipeline.officials.words import WORDS as SHARED
from ecpa_pipeline.officials.words import model_line, privacy_line, text
from ecpa_pipeline.officials.workbook import info_rows, listing_table, sheet_title

from .nodes import CRITERIA

WORDS = {
    **SHARED,
    "raises": ("↑风险", "raises risk"),
    "lowers": ("↓风险", "lowers risk"),
    "sep": ("；", "; "),
    "list_sep": ("、", ", "),
    "title": ("防返贫监测名单", "Monitoring lists (preventing return to poverty)"),
    "early_warning": ("预警名单（尚未纳入监测）", "Early warning (not yet monitored)"),
    "early_warning_sheet": ("预警名单", "Early warning"),
    "risk_elimination": ("风险消除条件核查（监测对象）", "Risk elimination check (monitored)"),
    "risk_elimination_sheet": ("风险消除核查", "Risk elimination check"),
    "about_sheet": ("说明", "About"),
    "year": ("名单年度", "Year listed"),
    "listed": ("预警户数", "households on the early-warning list"),
    "monitored": ("监测对象户数", "monitored households"),
    "meeting": ("符合风险消除条件", "meet the risk-elimination criteria"),
    "purpose": (
        "预警名单按明年被识别为监测对象的可能性排序（可能性最高的户在前），供乡村干部入户核实参考，"
        "不代替识别程序（农户申请、部门筛查预警、入户核实、民主评议、审批）。"
        "风险消除核查列出监测对象是否已满足风险消除条件。",
        "The early-warning list ranks households by their likelihood of being identified as "
        "monitoring objects next year, the most likely first, for cadres' visits; it does not "
        "replace the identification procedure (application, departments' alerts, household "
        "visit, village appraisal, approval). The risk-elimination check shows whether each "
        "monitored household meets the criteria for ending its risk.",
    ),
}
#: Values of the monitoring export in English (a value not known here shows as "other").
STATUS_EN = {"脱贫户": "exited household", "普通农户": "ordinary household"}
CATEGORY_EN = {
    "脱贫不稳定户": "unstable exited household",
    "边缘易致贫户": "marginal household at risk of poverty",
    "突发严重困难户": "household in sudden severe hardship",
}
MEASURES_IN_PLACE = {
    "industry": ("产业帮扶", "industry support"),
    "employment": ("就业帮扶", "employment support"),
    "finance": ("金融帮扶", "financial support"),
    "public_job": ("公益岗位帮扶", "public-welfare job"),
    "health": ("健康帮扶", "health support"),
    "education": ("教育帮扶", "education support"),
    "comprehensive_security": ("综合保障", "comprehensive social security"),
    "social": ("社会帮扶", "social support"),
    "relocation": ("搬迁", "relocation"),
    "living_conditions": ("生产生活条件改善", "better living conditions"),
}
#: Labels both lists share: who the household is, and its income against the line.
HOUSEHOLD_COLUMNS = {
    "township": ("乡镇", "township"),
    "village": ("行政村", "village"),
    "household_code": ("户编号", "household code"),
    "head_name": ("户主姓名", "head's name"),
    "head_id_number": ("户主身份证号", "head's ID number"),
    "head_phone": ("联系电话", "phone"),
}
INCOME_COLUMNS = {
    "income_per_capita": ("人均纯收入（元）", "income per person (yuan)"),
    "monitoring_line": ("监测线（元）", "monitoring line (yuan)"),
}
WARNING_COLUMNS = {
    "rank_county": ("县内排名", "rank in county"),
    "rank_village": ("村内排名", "rank in village"),
    "township": ("乡镇", "township"),
    "village": ("行政村", "village"),
    "household_code": ("户编号", "household code"),
    "head_name": ("户主姓名", "head's name"),
    "risk_band": ("风险等级", "risk band"),
    "risk": ("明年被识别可能性", "likelihood of identification next year"),
    "reasons": ("主要原因", "main reasons"),
    "measures": ("建议帮扶措施", "suggested measures"),
    "household_status": ("户类型", "household"),
    "household_size": ("家庭人口", "members"),
    **INCOME_COLUMNS,
    "head_id_number": ("户主身份证号", "head's ID number"),
    "head_phone": ("联系电话", "phone"),
}
ELIMINATION_COLUMNS = {
    **HOUSEHOLD_COLUMNS,
    "monitoring_category": ("监测对象类别", "category"),
    "monitoring_since": ("识别监测时间", "monitored since"),
    "months_monitored": ("已监测月数", "months monitored"),
    "measure_names": ("帮扶措施", "measures"),
    **INCOME_COLUMNS,
    "meets_elimination_criteria": ("符合风险消除条件", "meets the criteria"),
    "unmet_criteria": ("尚未满足", "not yet met"),
}
MET, NOT_YET = "C6EFCE", "FFE699"  # criteria met / not yet (the readiness colours)
KINDS = {
    "rank_county": "integer",
    "rank_village": "integer",
    "household_size": "integer",
    "income_per_capita": "yuan",
    "monitoring_line": "yuan",
    "risk": "percent0",
    "months_monitored": "integer",
    "reasons": "wide",
    "measures": "wide",
    "measure_names": "wide",
    "unmet_criteria": "wide",
}


def _in_english(values: pd.Series, names: dict, language: str) -> pd.Series:
    return values if language == "zh" else values.map(names).where(values.notna()).fillna("other")


def warning_table(view: pd.DataFrame, score: str, params: dict, language: str) -> pd.DataFrame:
    """The early-warning list in ``language``: columns labelled, values in words."""
    rules = [*params["measures"], params["default_measure"]]
    bands = {b["code"]: b[language] for b in params["risk_bands"]}
    table = view.assign(
        risk=view[score].round(3),
        risk_band=view["risk_band"].map(bands),
        income_per_capita=view["income_per_capita"].round(0).astype("Int64"),
        monitoring_line=view["monitoring_line"].round(0).astype("Int64"),
        household_size=view["household_size"].astype("Int64"),
        household_status=_in_english(view["household_status"], STATUS_EN, language),
        reasons=reasons_in_words(
            view,
            language,
            text("raises", language, WORDS),
            text("lowers", language, WORDS),
            text("sep", language, WORDS),
            params["report"].get("reason_texts"),
            "monitoring_lists.report.reason_texts",
        ),
        measures=codes_to_words(
            view["measure_codes"],
            {r["code"]: r[language] for r in rules},
            text("sep", language, WORDS),
        ),
    )
    return _labelled(table, WARNING_COLUMNS, language)


def elimination_table(view: pd.DataFrame, language: str) -> pd.DataFrame:
    """The risk-elimination check in ``language``."""
    yes, no = text("yes", language, WORDS), text("no", language, WORDS)
    months = {c: w[language].format(min_months="6") for c, w in CRITERIA.items()}
    measures = {code: text(code, language, MEASURES_IN_PLACE) for code in MEASURES_IN_PLACE}
    since = view["monitoring_since"].astype("Int64").astype("str")
    table = view.assign(
        income_per_capita=view["income_per_capita"].round(0).astype("Int64"),
        monitoring_line=view["monitoring_line"].round(0).astype("Int64"),
        meets_elimination_criteria=np.where(view["meets_elimination_criteria"], yes, no),
        unmet_criteria=codes_to_words(view["unmet_criteria"], months, text("sep", language, WORDS)),
        measure_names=codes_to_words(
            view["measures_in_place"], measures, text("list_sep", language, WORDS)
        ),
        monitoring_category=_in_english(view["monitoring_category"], CATEGORY_EN, language),
        monitoring_since=since.str.slice(0, 4) + "-" + since.str.slice(4, 6),
    )
    return _labelled(table, ELIMINATION_COLUMNS, language)


def _labelled(table: pd.DataFrame, columns: dict, language: str) -> pd.DataFrame:
    shown = [c for c in columns if c in table]
    return table[["county_code", "county", *shown]].rename(
        columns={c: text(c, language, columns) for c in shown}
    )


def lists_csv(
    warnings: pd.DataFrame,
    elimination: pd.DataFrame,
    provenance: dict,
    params: dict,
    officials: dict,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both lists for other systems, in ``officials.csv_language``, the model version on
    each row."""
    language = officials["csv_language"]
    stamp = {"model_name": provenance["model_name"], "model_version": provenance["model_version"]}
    return (
        warning_table(warnings, provenance["score_column"], params, language).assign(**stamp),
        elimination_table(elimination, language).assign(year=provenance["year"]),
    )


def _about(provenance: dict, officials: dict, language: str) -> list[tuple[str, str]]:
    return [
        (text("year", language, WORDS), str(provenance["year"])),
        (text("model", language, WORDS), model_line(provenance)),
        ("", privacy_line(officials, language)),
    ]


def _listings(early: pd.DataFrame, check: pd.DataFrame, params: dict, language: str):
    label = lambda key, columns: text(key, language, columns)  # noqa: E731
    band = label("risk_band", WARNING_COLUMNS)
    place = [label("township", HOUSEHOLD_COLUMNS), label("village", HOUSEHOLD_COLUMNS)]
    meets = label("meets_elimination_criteria", ELIMINATION_COLUMNS)
    yes, no = text("yes", language, WORDS), text("no", language, WORDS)
    return (
        Listing(
            id="early_warning",
            title=text("early_warning", language, WORDS),
            frame=early,
            kinds={label(c, WARNING_COLUMNS): k for c, k in KINDS.items() if c in WARNING_COLUMNS},
            filters=[*place, band],
            fills={band: {b[language]: b["colour"] for b in params["risk_bands"]}},
            order={band: [b[language] for b in params["risk_bands"]]},
        ),
        Listing(
            id="risk_elimination",
            title=text("risk_elimination", language, WORDS),
            frame=check,
            kinds={
                label(c, ELIMINATION_COLUMNS): k
                for c, k in KINDS.items()
                if c in ELIMINATION_COLUMNS
            },
            filters=[*place, meets],
            fills={meets: {yes: MET, no: NOT_YET}},
            order={meets: [yes, no]},
        ),
    )


def county_reports(
    warnings: pd.DataFrame,
    elimination: pd.DataFrame,
    provenance: dict,
    params: dict,
    officials: dict,
) -> tuple[dict[str, Workbook], dict[str, str]]:
    """Per county and language (``<county_code>_<county>_<language>``): the workbook and the
    HTML page."""
    counties = pd.concat(
        [warnings[["county_code", "county"]], elimination[["county_code", "county"]]]
    ).drop_duplicates("county_code")
    workbooks, pages = {}, {}
    for language in officials["languages"]:
        early_all = warning_table(warnings, provenance["score_column"], params, language)
        check_all = elimination_table(elimination, language)
        for county in counties.itertuples(index=False):
            early, check = (
                t[t["county_code"] == county.county_code].drop(columns=["county_code", "county"])
                for t in (early_all, check_all)
            )
            listings = _listings(early, check, params, language)
            name = f"{county_file_stem(str(county.county_code), str(county.county))}_{language}"
            workbooks[name] = _workbook(listings, provenance, officials, language)
            bands = params["risk_bands"]
            cards = _cards(warnings, elimination, county.county_code, bands, language)
            pages[name] = report_page(
                title=f"{county.county} · {text('title', language, WORDS)} {provenance['year']}",
                language=language,
                info=_about(provenance, officials, language),
                about=text("purpose", language, WORDS),
                cards=cards,
                listings=list(listings),
                page_size=int(officials["page_size"]),
            )
    return workbooks, pages


def _cards(
    warnings: pd.DataFrame, elimination: pd.DataFrame, county, bands: list, language: str
) -> list:
    """The county's counts: listed, in the most-at-risk band, monitored, meeting criteria."""
    top, top_label, top_fill = bands[0]["code"], bands[0][language], bands[0]["colour"]
    early = warnings[warnings["county_code"] == county]
    check = elimination[elimination["county_code"] == county]
    return [
        card(f"{len(early):,}", text("listed", language, WORDS)),
        card(f"{int((early['risk_band'] == top).sum()):,}", top_label, top_fill),
        card(f"{len(check):,}", text("monitored", language, WORDS)),
        card(
            f"{int(check['meets_elimination_criteria'].sum()):,}",
            text("meeting", language, WORDS),
            MET,
        ),
    ]


def _workbook(listings, provenance: dict, officials: dict, language: str) -> Workbook:
    """About the lists, then the early warning and the check, in ``language``."""
    wb = Workbook()
    about = wb.active
    about.title = sheet_title(text("about_sheet", language, WORDS))
    purpose = ("", text("purpose", language, WORDS))
    info_rows(about, [*_about(provenance, officials, language), purpose])
    about.column_dimensions["A"].width, about.column_dimensions["B"].width = 14, 100
    for listing, key in zip(listings, ("early_warning_sheet", "risk_elimination_sheet")):
        ws = wb.create_sheet(sheet_title(text(key, language, WORDS), set(wb.sheetnames)))
        listing_table(ws, listing)
    return wb
