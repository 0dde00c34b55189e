"""The monthly visit model's table and plan, node by node: a month sees only what the office
knows in it, the label is identification within the window, capacity and the green channel
decide who is visited, a just-visited household waits for a new clue."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from ecpa_pipeline.errors import ProjectError
from ecpa_pipeline.pipelines.monitoring_visits.months import (
    household_months,
    month_number,
    system_households,
    yyyymm,
)
from ecpa_pipeline.pipelines.monitoring_visits.nodes import clues_in_words, plan_month, select_month
from ecpa_pipeline.pipelines.monitoring_visits.plan import simulate_visits
from ecpa_pipeline.pipelines.monitoring_visits.report import visit_reports


@pytest.fixture(scope="module")
def params(parameters):
    return parameters["monitoring_visits"]


EPISODES = itertools.count()  # each test clue its own episode


def _clue(
    key, push, kind="住院自付费用高", department="医保", amount=20000.0, event=None, new=True
):
    return {
        "household_key": key,
        "month": int(month_number(push)[0]),
        "event_month": float(month_number(event or push)[0]),
        "department": department,
        "alert_type": kind,
        "amount": amount,
        "village_code": "V1",
        "new_episode": new,
        "episode": next(EPISODES),
        "push_number": 1 if new else 2,
    }


@pytest.fixture(scope="module")
def world():
    """Households A (identified 2023-04), B (never), C (monitored since 2022-01), in the
    exports of 2022 and 2023; a resident R no record lists."""

    def row(year, key, since=None, eliminated=None):
        return {
            "year": year,
            "household_code": key,
            "village_code": "V1",
            "household_status": "脱贫户",
            "monitoring_since": since,
            "eliminated_since": eliminated,
            "net_income": 20000.0,
            "income_to_line": 1.2,
            "household_size": 4.0,
        }

    exports = pd.DataFrame(
        [
            row(2022, "A"),
            row(2022, "B"),
            row(2022, "C", 202201),
            row(2023, "A", 202304),
            row(2023, "B"),
            row(2023, "C", 202201),
        ]
    ).astype({"monitoring_since": "Float64", "eliminated_since": "Float64"})
    keys = pd.DataFrame({"household_code": ["A", "B", "C"], "household_key": ["hA", "hB", "hC"]})
    clues = pd.DataFrame(
        [
            _clue("hA", 202303, amount=30000.0),
            _clue("hA", 202305, kind="新增大病", department="卫健"),  # after the month listed
            _clue("r1", 202302, kind="受灾", department="应急管理", amount=12000.0),
            _clue("hC", 202303),
        ]
    )
    prior = pd.DataFrame(
        {"household_key": ["hA", "hB"], "year": [2023, 2023], "prior": [0.1, 0.02]}
    )
    return {"system": system_households(exports, keys), "clues": clues, "prior": prior}


NO_VISITS = pd.DataFrame({"household_key": [], "month": [], "outcome": []})


def _month(world, params, when, visits=NO_VISITS):
    months = [int(month_number(when)[0])]
    table = household_months(
        world["clues"], world["system"], world["prior"], visits, months, params
    )
    return table.set_index("household_key")


def test_a_month_lists_the_unmonitored_and_the_named_with_what_was_pushed_by_then(world, params):
    rows = _month(world, params, 202303)
    assert set(rows.index) == {"hA", "hB", "r1"}  # C is a monitoring object since 2022-01
    assert rows.loc["hA", "clues_1m"] == 1 and rows.loc["hA", "clues_12m"] == 1  # not 2023-05's
    assert rows.loc["hA", "amount_to_income"] == pytest.approx(30000 / 20000)
    assert rows.loc["hB", "clues_12m"] == 0 and np.isnan(rows.loc["hB", "months_since_clue"])
    assert rows.loc["r1", "listed"] == 0 and rows.loc["hA", "listed"] == 1
    assert rows.loc["r1", "disaster_3m"] == 1 and rows.loc["r1", "months_since_clue"] == 1
    assert rows.loc["hA", "prior_logit"] == pytest.approx(np.log(0.1 / 0.9))
    assert np.isnan(rows.loc["r1", "prior_logit"])  # nobody scored a resident no record lists


def test_the_label_is_identification_in_the_month_or_the_two_after(world, params):
    assert _month(world, params, 202302).loc["hA", "label"] == 1  # 2023-04 within 02…04
    assert _month(world, params, 202301).loc["hA", "label"] == 0  # 2023-04 after 01…03
    assert "hA" not in _month(world, params, 202305).index  # monitored from 2023-04
    # No export covers 2023-11…2024-01 yet: not labelled.
    assert _month(world, params, 202311)["label"].isna().all()


def test_the_green_channel_takes_only_large_disaster_losses(world, params):
    rows = _month(world, params, 202302)
    assert bool(rows.loc["r1", "green_channel"])  # 受灾, 12 000 yuan ≥ 10 000
    small = world | {"clues": world["clues"].assign(amount=5000.0)}
    assert not _month(small, params, 202302)["green_channel"].any()


def _planned(rows, params, **capacity):
    frame = pd.DataFrame(rows).assign(last_new_episode=np.nan, last_verified=np.nan, month=24290)
    params = params | {"capacity": {"visits_per_township": 2, "townships": capacity}}
    return plan_month(frame, params)


def test_each_township_visits_its_capacity_green_channel_first(params):
    rows = [
        {
            "household_key": f"k{i}",
            "county_code": "c",
            "township": t,
            "visit_probability": p,
            "green_channel": g,
        }
        for i, (t, p, g) in enumerate(
            [
                ("甲镇", 0.9, False),
                ("甲镇", 0.5, False),
                ("甲镇", 0.1, True),
                ("乙镇", 0.3, False),
                ("乙镇", 0.2, False),
                ("乙镇", 0.1, False),
            ]
        )
    ]
    planned = _planned(rows, params, 乙镇=3)
    by_town = planned.groupby("township")["household_key"].apply(list).to_dict()
    assert by_town == {"甲镇": ["k2", "k0"], "乙镇": ["k3", "k4", "k5"]}
    assert planned.set_index("household_key").loc["k2", "deadline_days"] == 0  # at once
    assert planned.set_index("household_key").loc["k0", "deadline_days"] == 5
    ranks = planned.groupby("township")["rank_township"].apply(list).to_dict()
    assert ranks == {"甲镇": [1, 2], "乙镇": [1, 2, 3]}


def test_a_visited_household_waits_for_a_new_clue_episode(params):
    months = [100, 101, 102]
    rows = pd.DataFrame(
        {
            "month": np.repeat(months, 2),
            "household_key": ["a", "b"] * 3,
            "township": "甲镇",
            "green_channel": False,
            "score": [0.9, 0.1] * 3,
            "label": 0.0,
            # a: a new episode pushed in month 102; b: none after 100.
            "last_new_episode": [100, 100, 100, 100, 102, 100],
        }
    )
    one = params | {"capacity": {"visits_per_township": 1}}
    visits = simulate_visits(rows, pd.DataFrame(), "model", one)
    assert visits[["month", "household_key"]].values.tolist() == [
        [100, "a"],
        [101, "b"],
        [102, "a"],
    ]


def test_the_official_rule_visits_the_oldest_waiting_clue_first(params):
    clues = pd.DataFrame([_clue("a", 202303), _clue("b", 202301), _clue("c", 202302)]).astype(
        {"new_episode": bool}
    )
    month = int(month_number(202303)[0])
    rows = pd.DataFrame(
        {
            "month": month,
            "household_key": ["a", "b", "c", "d"],
            "township": "甲镇",
            "green_channel": False,
            "score": 0.0,
            "label": 0.0,
            "last_new_episode": np.nan,
        }
    )
    two = params | {"capacity": {"visits_per_township": 2}}
    visits = simulate_visits(rows, clues, "official_rule", two)
    assert visits["household_key"].tolist() == ["b", "c"]  # d has no clue waiting


def test_the_month_to_list_is_checked(params):
    clues = pd.DataFrame({"month": month_number([202401, 202403]).astype(int)})
    assert yyyymm(select_month("latest", clues)) == 202403
    assert yyyymm(select_month(202401, clues)) == 202401
    with pytest.raises(ProjectError, match="as YYYYMM"):
        select_month("2024-03", clues)
    with pytest.raises(
        ProjectError, match=r"no department pushed a clue that month \(pushes 202401–202403\)"
    ):
        select_month(202402, clues)


def test_clues_read_as_officials_write_them_in_both_languages(params):
    clues = pd.DataFrame(
        [
            _clue("a", 202403, event=202402, amount=12300.0),
            _clue("a", 202403, kind="纳入低保", department="民政", amount=np.nan),
        ]
    )
    month = int(month_number(202403)[0])
    zh = clues_in_words(clues, pd.Series(["a"]), month)["a"]
    en = clues_in_words(clues, pd.Series(["a"]), month, params["english"])["a"]
    assert zh == "民政 纳入低保 2024-03；医保 住院自付费用高 2024-02（12,300元）"  # newest first
    assert "medical insurance: high inpatient costs 2024-02 (12,300 yuan)" in en
    assert "civil affairs: enrolled in dibao 2024-03" in en


def test_a_visit_that_found_the_criteria_met_labels_the_months_before_it(world, params):
    met = pd.DataFrame(
        {"household_key": ["hB"], "month": month_number(202306), "outcome": ["符合纳入条件"]}
    )
    assert _month(world, params, 202304, met).loc["hB", "label"] == 1  # 2023-06 within 04…06
    assert _month(world, params, 202303, met).loc["hB", "label"] == 0
    later = _month(world, params, 202308, met).loc["hB"]
    assert later["months_since_visit"] == 2 and later["last_visit_not_met"] == 0


def test_a_household_a_visit_verified_waits_for_a_new_clue(params):
    rows = [
        {
            "household_key": k,
            "county_code": "c",
            "township": "甲镇",
            "visit_probability": p,
            "green_channel": False,
            "last_verified": v,
            "last_new_episode": e,
        }
        for k, p, v, e in [
            ("verified", 0.9, 10.0, 9.0),  # verified in month 10, no clue since: waits
            ("new_clue", 0.8, 10.0, 11.0),  # a new episode after its visit: listed again
            ("never", 0.1, np.nan, np.nan),
        ]
    ]
    planned = plan_month(pd.DataFrame(rows).assign(month=int(month_number(202412)[0])), params)
    assert planned["household_key"].tolist() == ["new_clue", "never"]
    assert planned["visit_id"].tolist() == ["202412-0001", "202412-0002"]


def test_the_county_summary_shows_last_months_outcomes_by_township(params):
    view = pd.DataFrame(
        {
            "visit_id": ["202503-0001", "202503-0002"],
            "rank_township": [1, 1],
            "county_code": "520122",
            "county": "某县",
            "township": ["甲镇", "乙镇"],
            "village": ["一村", "二村"],
            "household_code": ["5201221012010001", None],
            "candidate": [False, True],
            "head_id_number": ["5201**********1222", "5201**********123X"],
            "head_phone": ["138****0000", None],
            "green_channel": [False, False],
            "visit_probability": [0.4, 0.2],
            "reason_1": ["clues_1m", ""],
            "reason_2": "",
            "reason_3": "",
            "clues_zh": ["医保 住院自付费用高 2025-03（12,300元）", ""],
            "clues_en": ["medical insurance: high inpatient costs 2025-03 (12,300 yuan)", ""],
        }
    )
    scores = view[["county_code", "township"]].assign(village_code="V", clues_1m=[1, 0])
    alerts = pd.DataFrame(
        {
            "push_month": [202503],
            "village_code": ["V"],
            "candidate": [False],
            "department": ["医保"],
        }
    )
    returned = pd.DataFrame(
        {
            "list_month": [202502, 202502, 202502, 202501],
            "township": ["甲镇", "甲镇", "乙镇", "甲镇"],
            "outcome": ["符合纳入条件", "未见到户", "不符合", "不符合"],  # the last: 2 months ago
        }
    )
    provenance = {"month": 202503, "model_name": "m", "model_version": "1", "model_run_id": "r"}
    officials = {
        "languages": ["zh"],
        "csv_language": "zh",
        "page_size": 50,
        "mask_personal_data": True,
        "show_names": False,
    }
    _, books, _ = visit_reports(view, scores, alerts, returned, provenance, params, officials)
    (book,) = books.values()
    rows = list(book["汇总"].iter_rows(values_only=True))
    header, by_town = rows[0], {r[0]: r for r in rows[1:3]}
    met, unmet, unseen = (
        header.index(f"上月核查：{o}") for o in ("符合纳入条件", "不符合", "未见到户")
    )
    assert (by_town["甲镇"][met], by_town["甲镇"][unmet], by_town["甲镇"][unseen]) == (1, 0, 1)
    assert (by_town["乙镇"][met], by_town["乙镇"][unmet], by_town["乙镇"][unseen]) == (0, 1, 0)
