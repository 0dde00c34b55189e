"""Cell normalisers and unit parsing: every contract variation, plus properties."""

from __future__ import annotations

import math
import re
import unicodedata

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecpa_pipeline.domain.normalise import (
    MISSING_MARKERS,
    NFKC_STABLE,
    clean_text,
    halfwidth,
    match_codes,
    parse_bool,
    parse_date,
    parse_number,
    strip_excel_guard,
)
from ecpa_pipeline.domain.units import pack_weight_kg, unit_to_kg

S = pd.Series
FULLWIDTH_DIGITS = str.maketrans("0123456789.", "０１２３４５６７８９．")


@given(st.floats(min_value=0, max_value=1e7, allow_nan=False).map(lambda x: round(x, 2)))
def test_fullwidth_numbers_read_like_halfwidth(x):
    text = f"{x}"
    assert parse_number(S([text.translate(FULLWIDTH_DIGITS)]))[0][0] == pytest.approx(float(text))


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=20))
def test_halfwidth_is_idempotent_and_undoes_fullwidth(text):
    wide = "".join(chr(ord(c) + 0xFEE0) for c in text)  # the full-width block mirrors ASCII
    assert halfwidth(S([wide]))[0] == text.strip()
    assert halfwidth(halfwidth(S([text])))[0] == halfwidth(S([text]))[0]


def _composition_followers() -> set[str]:
    """Characters that are the second half of a canonical two-character decomposition."""
    followers = set()
    for point in range(0x110000):
        parts = unicodedata.decomposition(chr(point)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            followers.add(chr(int(parts[1], 16)))
    return followers


def test_characters_skipped_by_halfwidth_are_left_alone_by_nfkc_in_any_context():
    stable = re.compile(f"[{NFKC_STABLE}]")
    chars = [chr(p) for p in range(0x110000) if stable.fullmatch(chr(p))]
    followers = _composition_followers()
    assert len(chars) > 20_000  # the CJK block is in
    for c in chars:
        assert unicodedata.normalize("NFKC", c) == c, hex(ord(c))
        assert unicodedata.combining(c) == 0 and c not in followers, hex(ord(c))


@given(st.text(max_size=12))
def test_halfwidth_equals_nfkc_then_trim(text):
    assert halfwidth(S([text]))[0] == unicodedata.normalize("NFKC", text).strip()


@given(st.text(alphabet=st.sampled_from("= '\t a1-/无NUL值\u3000１（\"\u0301"), max_size=6))
def test_clean_text_equals_the_full_clean_up_of_every_cell(text):
    # clean_text passes plain cells through untouched: that shortcut must change nothing.
    cleaned = strip_excel_guard(halfwidth(S([text]))).str.strip()
    expected = None if cleaned[0] in MISSING_MARKERS else cleaned[0]
    got = clean_text(S([text, "plain"]))[0]
    assert (None if pd.isna(got) else got) == expected


def test_excel_guards_and_missing_markers():
    assert strip_excel_guard(S(['="20231101123"', "'5224011990", "x"])).tolist() == [
        "20231101123",
        "5224011990",
        "x",
    ]
    assert clean_text(S(["", "-", "/", "无", "NULL", "N/A", "#N/A", " 值 "])).isna().tolist() == [
        True
    ] * 7 + [False]


def test_booleans_in_every_contract_form():
    values, bad = parse_bool(
        S(["是", "否", "有", "无", "Y", "N", "1", "0", "TRUE", "FALSE", "", "-", "也许"])
    )
    assert values.tolist()[:10] == [True, False] * 5
    assert values[10:12].isna().all()
    assert bad.tolist() == [False] * 12 + [True]


def test_money_and_number_strings():
    values, bad = parse_number(
        S(["1,234元", "¥1234", "￥12.5", "约3000", "5-8", "１２．５", "", "abc", "-3"])
    )
    assert values[:6].tolist() == [1234.0, 1234.0, 12.5, 3000.0, 6.5, 12.5]
    assert math.isnan(values[6]) and not bad[6]
    assert math.isnan(values[7]) and bad[7]
    assert values[8] == -3.0


@pytest.mark.parametrize(
    "text",
    [
        "2016-05-23",
        "2016/5/23",
        "2016/5/23 22:02",
        "20160523",
        "2016年5月23日",
        "2016-05-23 22:02:11",
        "42513",
    ],
)
def test_dates_in_every_contract_form(text):
    values, bad = parse_date(S([text]))
    assert values[0].date() == pd.Timestamp("2016-05-23").date()
    assert not bad[0]


def test_unreadable_dates_are_reported():
    values, bad = parse_date(S(["2016-13-45", "someday", ""]))
    assert values.isna().all()
    assert bad.tolist() == [True, True, False]


def test_codes_match_exactly_by_variant_or_by_unique_containment():
    codes = ["患有大病", "长期慢性病", "健康", "弱劳动力或半劳动力", "苗族", "汉族"]
    values, bad = match_codes(
        S(["患有大病 ", "大病", "弱劳动力", "苗", "健 康", "飞行员"]), codes, {"大病": "患有大病"}
    )
    assert values.tolist()[:5] == ["患有大病", "患有大病", "弱劳动力或半劳动力", "苗族", "健康"]
    assert pd.isna(values[5]) and bad.tolist() == [False] * 5 + [True]


def test_a_spelling_no_code_contains_is_flagged_not_a_crash():
    # Nothing to resolve by containment: the lookup of the leftovers finds no code at all.
    values, bad = match_codes(S(["穿青人", "汉族", ""]), ["汉族", "苗族"])
    assert pd.isna(values[0]) and values[1] == "汉族" and pd.isna(values[2])
    assert bad.tolist() == [True, False, False]
    values, bad = match_codes(S(["穿青人"]), ["汉族", "苗族"])
    assert values.isna().all() and bad.all()


@pytest.mark.parametrize(
    ("text", "kg"),
    [
        ("【扶贫助农】正宗高山土豆5斤装 新鲜黄心洋芋", 2.5),
        ("2.5kg*2箱", 5.0),
        ("5KG", 5.0),
        ("250g", 0.25),
        ("500克", 0.5),
        ("5两装", 0.25),
        ("10斤/袋", 5.0),
        ("1吨", 1000.0),
        ("2千克×3", 6.0),
        ("５斤装", 2.5),
    ],
)
def test_pack_weights_in_titles_and_specs(text, kg):
    assert pack_weight_kg(S([text]))[0] == pytest.approx(kg)


def test_no_weight_gives_nan():
    assert pack_weight_kg(S(["礼盒装 中果", ""])).isna().all()


@given(
    st.floats(min_value=0.1, max_value=500, allow_nan=False).map(lambda x: round(x, 1)),
    st.sampled_from(["斤", "公斤", "kg", "g", "克", "吨"]),
    st.integers(1, 9),
)
def test_pack_weight_is_number_times_unit_times_count(number, unit, count):
    text = f"新鲜{number:g}{unit}*{count}箱"
    expected = number * unit_to_kg(S([unit]))[0] * count
    assert pack_weight_kg(S([text]))[0] == pytest.approx(expected)


def test_units_to_kg():
    assert unit_to_kg(S(["斤", "两", "公斤", "千克", "KG", "g", "克", "吨", "t", "箱"])).tolist()[
        :9
    ] == [
        0.5,
        0.05,
        1.0,
        1.0,
        1.0,
        0.001,
        0.001,
        1000.0,
        1000.0,
    ]
    assert np.isnan(unit_to_kg(S(["箱"]))[0])
