"""The month's visit lists (入户核查清单) as officials read them, in the officials' one design:
a CSV for other systems, and per county and language a workbook (about, county summary, one
sheet per township, new-household candidates apart; outcome columns left for the township to
fill in and send back, contract addition §10a) and an HTML page."""

from __future__ import annotations

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ecpa_pipeline.officials import county_file_stem
from ecpa_pipeline.officials.page import Listing, card, report_page
from ecpa_pipeline.officials.words import WORDS as SHARED
from ecpa_pipeline.officials.words import model_line, privacy_line, text
from ecpa_pipeline.officials.workbook import info_rows, listing_table, sheet_title

from .months import month_number, yyyymm
from .plan import capacity_of

WORDS = {
    **SHARED,
    "title": ("入户核查清单", "Household visit list"),
    "month": ("清单月份", "Month"),
    "visits": ("本月入户核查", "Visits this month"),
    "candidates": (
        "新识别对象候选（监测系统未录入）",
        "New-household candidates (not in the system)",
    ),
    "candidates_sheet": ("新户候选", "Candidates"),
    "about_sheet": ("说明", "About"),
    "summary_sheet": ("汇总", "Summary"),
    "clues_received": ("本月部门预警", "clues pushed this month"),
    "households_with_clues": ("本月有预警的户", "households with a clue this month"),
    "linked": ("已关联到户", "linked to a household"),
    "new_candidates": ("新识别对象候选", "new-household candidates"),
    "planned": ("计划核查户数", "visits planned"),
    "capacity": ("核查能力（户/月）", "capacity (visits a month)"),
    "green": ("绿色通道", "green channel"),
    "now": ("立即核查", "at once"),
    "within_days": ("{days}个工作日内", "within {days} working days"),
    "department": ("推送部门", "department"),
    "符合纳入条件": ("上月核查：符合纳入条件", "last month: meets the criteria"),
    "不符合": ("上月核查：不符合", "last month: does not"),
    "未见到户": ("上月核查：未见到户", "last month: household not met"),
    "count": ("条数", "clues"),
    "sep": ("；", "; "),
    "purpose": (
        "本清单按部门推送的预警信息和年度风险，列出本月各乡镇应入户核查的农户：绿色通道（受灾等）"
        "优先、立即核查，其余按纳入可能性排序，不超过各乡镇每月核查能力。清单不代替识别程序（入户核实、"
        "民主评议、审批）。核查后请填写核查日期、核查结果（符合纳入条件／不符合／未见到户）和原因，"
        "随下月清单一并返回。",
        "The households each township should visit this month, from the departments' clues "
        "and the yearly risk: the green channel (disasters and the like) first and at once, "
        "the rest by their likelihood of being identified, within each township's monthly "
        "capacity. The list does not replace the identification procedure (visit, village "
        "appraisal, approval). After the visit fill in the date, the outcome (meets the "
        "criteria / does not / household not met) and the reason, and return the sheet.",
    ),
}
COLUMNS = {
    "visit_id": ("核查编号", "visit no."),
    "rank_township": ("核查顺序", "visit order"),
    "township": ("乡镇", "township"),
    "village": ("行政村", "village"),
    "household_code": ("户编号", "household code"),
    "head_name": ("被预警人", "person named"),
    "head_id_number": ("证件号码", "ID number"),
    "head_phone": ("户主电话", "head's phone"),
    "green_channel": ("绿色通道", "green channel"),
    "deadline": ("核查时限", "visit by"),
    "visit_probability": ("纳入可能性", "likelihood of identification"),
    "clues": ("预警信息（近3个月）", "clues (last 3 months)"),
    "reasons": ("主要原因", "main reasons"),
    "visit_date": ("核查日期", "visit date"),
    "outcome": ("核查结果", "outcome"),
    "reason": ("原因", "reason"),
}
#: Outcomes of a visit (contract addition §10a), in the order the summary shows them.
OUTCOMES = ("符合纳入条件", "不符合", "未见到户")
#: What the township fills in (contract addition §10a), empty on the list.
OUTCOME = ["visit_date", "outcome", "reason"]
KINDS = {
    "rank_township": "integer",
    "visit_probability": "percent0",
    "clues": "wide",
    "reasons": "wide",
}
GREEN = "F8CBAD"


def _reasons(view: pd.DataFrame, params: dict, language: str) -> pd.Series:
    names = {k: v[language] for k, v in params["features"].items()}
    sep = text("sep", language, WORDS)
    parts = [view[f"reason_{i}"].map(names).fillna("") for i in (1, 2, 3)]
    joined = parts[0].str.cat(parts[1:], sep=sep)
    return joined.str.replace(f"({sep})+$", "", regex=True).str.strip(sep)


def visit_table(view: pd.DataFrame, params: dict, language: str) -> pd.DataFrame:
    """The visits in ``language``: labelled columns, values in words, outcome columns empty."""
    yes, no = text("yes", language, WORDS), text("no", language, WORDS)
    days = text("within_days", language, WORDS).format(days=params["deadline"]["working_days"])
    table = view.assign(
        green_channel=np.where(view["green_channel"], yes, no),
        deadline=np.where(view["green_channel"], text("now", language, WORDS), days),
        visit_probability=view["visit_probability"].round(3),
        reasons=_reasons(view, params, language),
        clues=view[f"clues_{language}"],
        **dict.fromkeys(OUTCOME, ""),
    )
    shown = [c for c in COLUMNS if c in table]
    return table[["county_code", "county", "candidate", *shown]].rename(
        columns={c: text(c, language, COLUMNS) for c in shown}
    )


def _listing(table: pd.DataFrame, key: str, title: str, language: str) -> Listing:
    label = lambda c: text(c, language, COLUMNS)  # noqa: E731
    green = label("green_channel")
    return Listing(
        id=key,
        title=title,
        frame=table,
        kinds={label(c): k for c, k in KINDS.items()},
        filters=[label("township"), label("village"), green],
        fills={green: {text("yes", language, WORDS): GREEN}},
        order={green: [text("yes", language, WORDS), text("no", language, WORDS)]},
    )


def _summary(
    county: pd.DataFrame, scores: pd.DataFrame, returned: pd.DataFrame, params: dict, language
):
    """Per township: households with a clue this month, visits planned, capacity, and what
    the visits of last month's list found (``returned``: its outcomes, by township)."""
    label = lambda c: text(c, language, WORDS)  # noqa: E731
    planned = county.groupby("township").size()
    clued = scores[scores["clues_1m"] > 0].groupby("township").size()
    found = pd.crosstab(returned["township"], returned["outcome"])
    townships = planned.index.union(clued.index)
    frame = pd.DataFrame({text("township", language, COLUMNS): townships})
    frame[label("households_with_clues")] = clued.reindex(townships, fill_value=0).to_numpy()
    frame[label("planned")] = planned.reindex(townships, fill_value=0).to_numpy()
    frame[label("capacity")] = capacity_of(pd.Series(townships), params["capacity"])
    for outcome in OUTCOMES:
        counts = found[outcome] if outcome in found else pd.Series(dtype="int64")
        frame[label(outcome)] = counts.reindex(townships, fill_value=0).to_numpy()
    return frame


def visit_reports(
    view: pd.DataFrame,
    scores: pd.DataFrame,
    alerts: pd.DataFrame,
    outcomes: pd.DataFrame,
    provenance: dict,
    params: dict,
    officials: dict,
) -> tuple[pd.DataFrame, dict[str, Workbook], dict[str, str]]:
    """The CSV (``officials.csv_language``), and per county and language
    (``<county_code>_<county>_<YYYYMM>_<language>``) the workbook and the HTML page; the
    county summary shows last month's visit outcomes (``outcomes``: the townships' returns)."""
    month = provenance["month"]
    stamp = {
        "month": month,
        "model_name": provenance["model_name"],
        "model_version": provenance["model_version"],
    }
    csv = visit_table(view, params, officials["csv_language"]).assign(**stamp)
    pushed = alerts[alerts["push_month"] == month]
    last_month = int(yyyymm(month_number(month) - 1)[0])
    returned = outcomes[outcomes["list_month"] == last_month]
    workbooks, pages = {}, {}
    for language in officials["languages"]:
        table = visit_table(view, params, language)
        for county in table[["county_code", "county"]].drop_duplicates().itertuples(index=False):
            rows = table[table["county_code"] == county.county_code]
            mine = view[view["county_code"] == county.county_code]
            here = scores[scores["county_code"] == county.county_code]
            clues = pushed[pushed["village_code"].isin(here["village_code"])]
            visits = rows[~rows["candidate"]].drop(columns=["county_code", "county", "candidate"])
            new = rows[rows["candidate"]].drop(columns=["county_code", "county", "candidate"])
            new = new.drop(columns=[text("household_code", language, COLUMNS)])
            listings = [
                _listing(visits, "visits", text("visits", language, WORDS), language),
                _listing(new, "candidates", text("candidates", language, WORDS), language),
            ]
            info = _about(provenance, officials, language)
            summary = _summary(mine, here, returned, params, language)
            stem = county_file_stem(str(county.county_code), str(county.county))
            name = f"{stem}_{month}_{language}"
            workbooks[name] = _workbook(listings, summary, clues, info, language)
            pages[name] = report_page(
                title=f"{county.county} · {text('title', language, WORDS)} {month}",
                language=language,
                info=info,
                about=text("purpose", language, WORDS),
                cards=_cards(mine, clues, language),
                listings=[
                    *listings,
                    Listing("summary", text("summary_sheet", language, WORDS), summary, kinds={}),
                ],
                page_size=int(officials["page_size"]),
            )
    return csv, workbooks, pages


def _about(provenance: dict, officials: dict, language: str) -> list[tuple[str, str]]:
    return [
        (text("month", language, WORDS), str(provenance["month"])),
        (text("model", language, WORDS), model_line(provenance)),
        ("", privacy_line(officials, language)),
    ]


def _cards(county: pd.DataFrame, clues: pd.DataFrame, language: str) -> list:
    label = lambda c: text(c, language, WORDS)  # noqa: E731
    return [
        card(f"{len(clues):,}", label("clues_received")),
        card(f"{int((~clues['candidate']).sum()):,}", label("linked")),
        card(f"{int(clues['candidate'].sum()):,}", label("new_candidates")),
        card(f"{len(county):,}", label("planned")),
        card(f"{int(county['green_channel'].sum()):,}", label("green"), GREEN),
    ]


def _workbook(listings, summary, clues, info, language: str) -> Workbook:
    """About, the county summary (by township and by department), a sheet per township,
    the candidates."""
    wb = Workbook()
    about = wb.active
    about.title = sheet_title(text("about_sheet", language, WORDS))
    info_rows(about, [*info, ("", text("purpose", language, WORDS))])
    about.column_dimensions["A"].width, about.column_dimensions["B"].width = 14, 100
    ws = wb.create_sheet(sheet_title(text("summary_sheet", language, WORDS), set(wb.sheetnames)))
    listing_table(ws, Listing("summary", "", summary))
    by_department = (
        clues["department"]
        .value_counts()
        .rename_axis(text("department", language, WORDS))
        .reset_index(name=text("count", language, WORDS))
    )
    listing_table(ws, Listing("departments", "", by_department), first_row=len(summary) + 3)
    # The sheet's header and filter stay the township table's, not the second table's.
    ws.freeze_panes, ws.print_title_rows = "A2", "1:1"
    ws.auto_filter.ref = f"A1:{get_column_letter(summary.shape[1])}{len(summary) + 1}"
    visits, candidates = listings
    township = text("township", language, COLUMNS)
    for name, rows in visits.frame.groupby(township, sort=True):
        sheet = wb.create_sheet(sheet_title(str(name), set(wb.sheetnames)))
        listing_table(
            sheet, Listing(visits.id, visits.title, rows, visits.kinds, fills=visits.fills)
        )
    sheet = wb.create_sheet(
        sheet_title(text("candidates_sheet", language, WORDS), set(wb.sheetnames))
    )
    listing_table(sheet, candidates)
    return wb
