"""The one design every officials' report shares (``ecpa_pipeline.officials``): a long list
opens paged and stays searchable, filterable and sortable in a real browser; numbers are
numbers in workbooks; reasons carry the household's values; sheet names fit Excel."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from ecpa_pipeline.errors import ProjectError
from ecpa_pipeline.officials.page import Listing, card, column_data, report_page
from ecpa_pipeline.officials.reasons import reasons_in_words
from ecpa_pipeline.officials.workbook import listing_table, sheet_title
from tests.conftest import open_page

BANDS = {"高": "F8CBAD", "中": "FFE699", "低": "C6EFCE"}


def _long_list(n: int = 14000) -> Listing:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "排名": np.arange(1, n + 1),
            "户编号": [f"52012210{i:06d}" for i in range(n)],
            "行政村": rng.choice(["甲村", "乙村", "丙村", "<script>alert(1)</script>"], n),
            "风险等级": np.repeat(["高", "中", "低"], [n // 10, n // 3, n - n // 10 - n // 3]),
            "人均纯收入（元）": rng.integers(800, 40000, n),
            "可能性": np.round(rng.uniform(0, 1, n), 3),
            "主要原因": [f"收入水平：人均纯收入 {v:,} 元（↑风险）" for v in range(n)],
            "联系电话": [f"1{v:02d}****{v % 10000:04d}" for v in rng.integers(30, 99, n)],
            "户主身份证号": [f"5201**********{v:04d}" for v in rng.integers(0, 9999, n)],
        }
    )
    return Listing(
        id="early",
        title="预警名单",
        frame=frame,
        kinds={
            "排名": "integer",
            "人均纯收入（元）": "yuan",
            "可能性": "percent0",
            "主要原因": "wide",
        },
        filters=["行政村", "风险等级"],
        fills={"风险等级": BANDS},
        order={"风险等级": list(BANDS)},
    )


@pytest.fixture(scope="module")
def long_page(tmp_path_factory):
    listing = _long_list()
    html = report_page(
        title="仁松县 · 测试名单",
        language="zh",
        info=[("模型", "monitoring_risk v3")],
        about="本名单供入户核实参考。",
        cards=[card("14,000", "预警户数"), card("1,400", "高", BANDS["高"])],
        listings=[listing],
        page_size=50,
    )
    path = tmp_path_factory.mktemp("page") / "long_zh.html"
    path.write_text(html, encoding="utf-8")
    return path, listing.frame


def test_a_county_sized_list_opens_fast_on_its_first_page(browser, long_page):
    """14 000 households — the default county's early warning has 13 349 — with a distinct
    reason text, phone and ID each (what cannot be shared): the page stays small and opens
    in well under 2 s, the rest of the list paged."""
    path, frame = long_page
    assert path.stat().st_size < 2_000_000
    page, errors, seconds = open_page(browser, path)
    assert seconds < 2
    dialogs = []
    page.on("dialog", lambda d: dialogs.append(d.message))
    rows = page.locator("#early tbody tr")
    assert rows.count() == 50  # the rest paged, not in the document
    assert page.locator("#early .count").inner_text() == "显示 1–50 / 14,000"
    first = rows.first.locator("td")
    assert first.nth(1).inner_text() == frame["户编号"].iloc[0]  # in the given order
    assert first.nth(4).inner_text() == f"{frame['人均纯收入（元）'].iloc[0]:,}"
    assert first.nth(5).inner_text() == f"{round(100 * frame['可能性'].iloc[0])}%"
    assert "fill-F8CBAD" in first.nth(3).get_attribute("class")  # band in its colour
    page.click("#early .next")
    assert page.locator("#early .page").inner_text() == "2 / 280"
    assert rows.first.locator("td").first.inner_text() == "51"
    assert not errors and not dialogs


def test_search_filters_and_sorting_work_on_the_whole_list(browser, long_page):
    path, frame = long_page
    page, errors, _ = open_page(browser, path)
    rows = page.locator("#early tbody tr")
    options = page.locator("#early select.filter").nth(1).locator("option").all_inner_texts()
    assert options == ["全部", "高", "中", "低"]  # bands most at risk first, not by code point
    page.locator("#early select.filter").nth(1).select_option("高")
    assert page.locator("#early .count").inner_text() == "显示 1–50 / 1,400 (全部 14,000)"
    page.locator("#early select.filter").nth(1).select_option("")
    hostile = "<script>alert(1)</script>"
    page.locator("#early select.filter").nth(0).select_option(hostile)  # shown as text
    assert rows.first.locator("td").nth(2).inner_text() == hostile
    page.locator("#early select.filter").nth(0).select_option("")
    page.fill("#early input[type=search]", frame["户编号"].iloc[4321])
    assert rows.count() == 1 and rows.first.locator("td").first.inner_text() == "4,322"
    page.fill("#early input[type=search]", "")
    header = page.locator("#early th", has_text="人均纯收入")
    header.click()
    header.click()
    assert header.get_attribute("aria-sort") == "descending"
    top = rows.first.locator("td").nth(4).inner_text()
    assert top == f"{frame['人均纯收入（元）'].max():,}"  # numbers sort as numbers, all pages
    assert not errors


def test_repeated_values_travel_once_and_missing_values_stay_missing():
    values = pd.Series(["甲村", "乙村", None, "甲村", "甲村", "乙村"])
    assert column_data(values) == {"dict": ["甲村", "乙村"], "codes": [0, 1, None, 0, 0, 1]}
    unique = pd.Series([1.5, None, 2.5])
    assert column_data(unique) == {"values": [1.5, None, 2.5]}


def test_an_unknown_column_kind_stops_the_page():
    listing = Listing(id="x", title="x", frame=pd.DataFrame({"a": [1]}), kinds={"a": "money"})
    with pytest.raises(ValueError, match=r"column kinds \['money'\]"):
        report_page("t", "zh", [], "", [], [listing], 50)


def _reasons() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "income_per_capita": [1025.4, 3605.0],
            "monitoring_line": [7300.0, 7300.0],
            "factor_1": ["income", "n_students"],
            "factor_1_zh": ["收入水平", "在校生人数"],
            "factor_1_en": ["income level", "students"],
            "factor_1_contribution": [0.8, 0.2],
            "factor_2": ["n_students", ""],  # too small to matter: the model left it out
            "factor_2_zh": ["在校生人数", ""],
            "factor_2_en": ["students", ""],
            "factor_2_contribution": [-0.1, 0.0],
            "factor_3": ["", ""],
            "factor_3_zh": ["", ""],
            "factor_3_en": ["", ""],
            "factor_3_contribution": [0.0, 0.0],
        }
    )


def test_reasons_carry_the_households_values_and_leave_out_small_ones():
    texts = {
        "income": {
            "zh": "人均纯收入 {income_per_capita:yuan} 元，监测线 {monitoring_line:yuan} 元",
            "en": "income {income_per_capita:yuan} yuan, line {monitoring_line:yuan}",
        }
    }
    zh = reasons_in_words(_reasons(), "zh", "↑风险", "↓风险", "；", texts).tolist()
    assert zh == [
        "收入水平：人均纯收入 1,025 元，监测线 7,300 元（↑风险）；在校生人数（↓风险）",
        "在校生人数（↑风险）",
    ]
    en = reasons_in_words(_reasons(), "en", "raises risk", "lowers risk", "; ", texts)
    assert en.iloc[0] == (
        "income level: income 1,025 yuan, line 7,300 (raises risk); students (lowers risk)"
    )


def test_a_reason_text_naming_a_missing_column_stops_naming_the_setting():
    texts = {"income": {"zh": "人均纯收入 {income:yuan} 元", "en": "income {income}"}}
    with pytest.raises(ProjectError, match=r"report.reason_texts.income: .*\['income'\]"):
        reasons_in_words(_reasons(), "zh", "↑", "↓", "；", texts, "report.reason_texts")


def test_sheet_titles_fit_excel_and_never_collide():
    long = "Early warning (not yet monitored in this county)"
    first = sheet_title(long)
    second = sheet_title(long, {first})
    assert len(first) == len(second) == 31 and first != second
    assert sheet_title("a/b:c?") == "abc"


def test_workbook_numbers_are_numeric_cells_formatted_by_kind(tmp_path):
    listing = _long_list(30)
    book = openpyxl.Workbook()
    listing_table(book.active, listing)
    book.save(tmp_path / "x.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx").active
    header = [c.value for c in ws[1]]
    income, share, rank = (header.index(h) + 1 for h in ("人均纯收入（元）", "可能性", "排名"))
    assert isinstance(ws.cell(2, income).value, int)
    assert ws.cell(2, income).number_format == "#,##0"
    assert isinstance(ws.cell(2, share).value, float) and ws.cell(2, share).number_format == "0%"
    assert ws.cell(31, rank).value == 30
    assert ws.freeze_panes == "A2" and ws.page_setup.orientation == "landscape"
    fills = {
        r.dxf.fill.fgColor.rgb[-6:] for rules in ws.conditional_formatting for r in rules.rules
    }
    assert fills == set(BANDS.values())
