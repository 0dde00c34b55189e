"""2021–2025: the departments' monthly alert pushes the simulator writes (contract §10) and
the truth behind them: which shock each clue comes from, which shocks no department saw."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from ecpa_pipeline.domain import resident_id
from ecpa_pipeline.pipelines.simulation.alerts import DEPARTMENTS

FILE_NAME = re.compile(r"(?:重发/)?(\d{6})_(医保|卫健|教育|应急管理|人社|残联|民政|住建)\.csv")
HEADER = "推送部门 推送月份 姓名 证件号码 所在乡镇 所在村 预警事项 发生日期 金额 备注".split()


@pytest.fixture(scope="module")
def pushed(tiny_world) -> pd.DataFrame:
    """Every row of every alert file, with its file and line number (header = line 1)."""
    frames = []
    for path in sorted((tiny_world / "alerts").rglob("*.csv")):
        name = path.relative_to(tiny_world / "alerts").as_posix()
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert frame.columns.tolist()[:10] == HEADER, name
        frames.append(frame.assign(file=f"alerts/{name}", row=np.arange(2, len(frame) + 2)))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def defects(tiny_world) -> pd.DataFrame:
    truth = pd.read_csv(tiny_world / "_truth" / "defects.csv", dtype={"row": int})
    return truth[truth["source"] == "alerts"]


@pytest.fixture(scope="module")
def events(tiny_world) -> pd.DataFrame:
    return pd.read_parquet(tiny_world / "_truth" / "alert_events.parquet")


def _marked(pushed, defects, code) -> pd.DataFrame:
    rows = defects.loc[defects["defect"] == code, ["file", "row"]]
    return pushed.merge(rows, on=["file", "row"])


def test_one_file_per_department_and_month_named_as_the_contract_says(tiny_world, pushed):
    names = [
        p.relative_to(tiny_world / "alerts").as_posix()
        for p in (tiny_world / "alerts").rglob("*.csv")
    ]
    assert names and all(FILE_NAME.fullmatch(n) for n in names)
    months = {FILE_NAME.fullmatch(n).group(1) for n in names}
    assert min(months) >= "202101" and max(months) <= "202512"
    by_name = pushed["file"].str.extract(
        FILE_NAME.pattern.replace("(?:重发/)?", "alerts/(?:重发/)?")
    )
    assert (pushed["推送部门"] == by_name[1]).all()  # the department agrees with the name
    assert set(pushed["推送部门"]) <= set(DEPARTMENTS)


def test_clues_name_people_by_id_and_village_and_come_after_their_event(pushed, defects):
    clean = pushed.merge(defects[["file", "row"]], on=["file", "row"], how="left", indicator=True)
    clean = clean[clean["_merge"] == "left_only"]
    ids = clean["证件号码"].to_numpy(dtype=object)
    assert resident_id.valid_check_character(ids).all()
    event = pd.to_datetime(clean["发生日期"])
    push = pd.to_datetime(clean["推送月份"], format="%Y%m")
    assert (event < push + pd.offsets.MonthEnd(1) + pd.Timedelta(days=1)).all()
    medical = clean[clean["推送部门"] == "医保"]
    assert pd.to_numeric(medical["金额"]).ge(5000).all()  # above the lower threshold
    # One episode, many rows: 医保 pushes a person again while the cumulative cost rises.
    repeats = medical.groupby(["证件号码", medical["发生日期"]])["金额"].agg(list)
    rising = [pd.to_numeric(pd.Series(a)).is_monotonic_increasing for a in repeats]
    assert all(rising) and (repeats.map(len) > 1).any()


def test_each_defect_is_on_the_rows_that_carry_it(pushed, defects, tiny_world):
    failing = _marked(pushed, defects, "alerts_id_check_failed")["证件号码"].to_numpy(dtype=object)
    assert len(failing) and not resident_id.valid_check_character(failing).any()
    old = _marked(pushed, defects, "alerts_id_old_15_digit")["证件号码"]
    assert len(old) and old.str.fullmatch(r"\d{15}").all()
    lower = _marked(pushed, defects, "alerts_id_lower_x")["证件号码"]
    assert len(lower) and lower.str.endswith("x").all()
    villages = pd.read_csv(tiny_world / "villages.csv", dtype=str)["行政村"]
    unknown = _marked(pushed, defects, "alerts_village_unknown")["所在村"]
    assert len(unknown) and not unknown.isin(villages).any()
    late = _marked(pushed, defects, "alerts_event_after_push")
    assert (
        len(late)
        and (
            pd.to_datetime(late["发生日期"]) > pd.to_datetime(late["推送月份"], format="%Y%m")
        ).all()
    )
    mismatch = _marked(pushed, defects, "alerts_push_month_mismatch")
    named = mismatch["file"].str.extract(r"(\d{6})_")[0]
    assert len(mismatch) and (mismatch["推送月份"] != named).all()
    again = _marked(pushed, defects, "alerts_file_sent_twice")
    assert len(again) and again["file"].str.startswith("alerts/重发/").all()
    first = pushed[pushed["file"].isin(again["file"].str.replace("重发/", ""))]
    columns = HEADER
    assert again[columns].reset_index(drop=True).equals(first[columns].reset_index(drop=True))


def test_the_truth_says_who_saw_each_shock_and_when_it_was_first_pushed(events, tiny_world):
    assert (events.loc[events["shock"] == "project_failure", "departments"] == "").all()
    seen = events["departments"] != ""
    assert ((events["first_push"] > 0) == seen).all()
    month = events["year"] * 100 + events["event_month"]
    assert (events.loc[seen, "first_push"] >= month[seen]).all()
    # Some shocks reach no department at all, and clues name households outside the system.
    assert 0.2 < seen.mean() < 0.95
    assert (seen & ~events["in_system"]).any()
    # A household hit by a shock and identified that year is identified in the month it was
    # found: its first shock's month plus the discovery lag.
    years = pd.read_parquet(tiny_world / "_truth" / "monitoring_years.parquet")
    found = years[years["identified_this_year"] & (years["found_month"] > 0)]
    assert len(found) and (found["monitoring_since"] % 100 == found["found_month"]).all()
    first = years.filter(like="_month").drop(columns="found_month").replace(0, 99).min(axis=1)
    assert (found["found_month"] >= first[found.index]).all()
