"""Department alert pushes (部门筛查预警, raw-data contract §10) in the simulated world.

Every shock of 2021–2025 has a month (``monitoring.shock_months``) and a member it struck.
Each department sees the shocks its own rules cover (domain facts §5a): 医保 out-of-pocket
costs above its threshold, cumulated over the year (again every month while they rise),
卫健 a new serious illness, 教育 schooling costs above its threshold (pushed in April),
应急管理 disaster losses, 人社 job loss, 残联 a new disability, 民政 低保 enrolments and exits,
住建 unsafe housing — each with a coverage and a lag ([U], ``monitoring.alerts``). A failed
project is seen by none of them. What a department pushes names the person, not the
household, and any resident: also households the monitoring system has never listed.

``alert_events`` returns the truth (every shock, its month, who saw it, its first push) and
the pushes (one row per department, person and push month), before the export's defects.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .monitoring import HIGHER_SCHOOL
from .monitoring_decisions import EXITED, RISK_OF_SHOCK

#: What each department pushes for a shock: (shock, department, alert type).
RULES = [
    ("illness", "医保", "住院自付费用高"),
    ("accident", "医保", "住院自付费用高"),
    ("ongoing_illness", "医保", "住院自付费用高"),
    ("illness", "卫健", "新增大病"),
    ("school", "教育", "非义务教育自付费用高"),
    ("disaster", "应急管理", "受灾"),
    ("job_loss", "人社", "失业登记"),
    ("disability", "残联", "新增残疾"),
    ("dibao_start", "民政", "纳入低保"),
    ("dibao_end", "民政", "退出低保"),
    ("unsafe_housing", "住建", "危房"),
]
DEPARTMENTS = ("医保", "卫健", "教育", "应急管理", "人社", "残联", "民政", "住建")


def _month_index(year, month) -> np.ndarray:
    """Months since year 0 (January 2021 → 2021 × 12), for month arithmetic across years."""
    return np.asarray(year, dtype=np.int64) * 12 + np.asarray(month, dtype=np.int64) - 1


def _yyyymm(index: np.ndarray) -> np.ndarray:
    return (index // 12) * 100 + index % 12 + 1


def _shocks(years: pd.DataFrame, rng) -> pd.DataFrame:
    """One row per household-year and shock (and the non-shock events departments record:
    低保 enrolment and exit, unsafe housing found, illness costs that go on), with its month
    and the yuan a department would see."""
    frames = []
    for shock in RISK_OF_SHOCK:
        hit = years[years[f"{shock}_shock"].astype(bool)]
        frames.append(hit.assign(shock=shock, event_month=hit[f"{shock}_month"]))
    ill = years["illness_shock"].astype(bool) | years["disability_shock"].astype(bool)
    ongoing = years[~ill & (years["medical_out_of_pocket"] > 0)]
    frames.append(ongoing.assign(shock="ongoing_illness"))
    previous = years.groupby("household_idx")["dibao"].shift(1)
    started = years[(years["dibao"] == True) & (previous == False)]  # noqa: E712 (NaN: first year)
    ended = years[(years["dibao"] == False) & (previous == True)]  # noqa: E712
    housing_before = years.groupby("household_idx")["unsafe_housing"].shift(1).fillna(False)
    housing = years[years["unsafe_housing"].astype(bool) & ~housing_before.astype(bool)]
    frames += [
        started.assign(shock="dibao_start"),
        ended.assign(shock="dibao_end"),
        housing.assign(shock="unsafe_housing"),
    ]
    events = pd.concat(frames, ignore_index=True)
    undated = ~events["shock"].isin(list(RISK_OF_SHOCK))
    events.loc[undated, "event_month"] = rng.integers(1, 13, int(undated.sum()))
    events["event_month"] = events["event_month"].astype(int)
    business = events["business_income"].clip(lower=0)
    loss_share = events["disaster_loss"].clip(0, 0.95)
    amounts = {
        "illness": events["medical_out_of_pocket"],
        "ongoing_illness": events["medical_out_of_pocket"],
        "accident": events["accident_cost"],
        "school": events["school_cost"],
        "disaster": np.round(business * loss_share / (1 - loss_share), -1),
    }
    events["amount"] = 0.0
    for shock, value in amounts.items():
        mine = (events["shock"] == shock).to_numpy()
        events.loc[mine, "amount"] = value[mine].to_numpy(float)
    return events.reset_index(drop=True)


def _members(events: pd.DataFrame, person_years: pd.DataFrame, rng) -> np.ndarray:
    """The member a shock struck (the ``people`` row): a student for schooling costs, a
    migrant for a job loss, the head for a disaster, 低保 and housing, anyone for the rest."""
    persons = person_years[["year", "household_idx", "person_row", "relation"]].copy()
    persons["key"] = rng.random(len(persons))
    wanted = {
        "school": person_years["school_status"].isin(HIGHER_SCHOOL).to_numpy(),
        "job_loss": (person_years["migrant_work"] != "未务工").to_numpy(),
    }
    heads_only = {"disaster", "dibao_start", "dibao_end", "unsafe_housing"}
    chosen = np.full(len(events), -1, dtype=np.int64)
    for shock in events["shock"].unique():  # a dozen kinds; each a vectorised pick
        mine = (events["shock"] == shock).to_numpy()
        eligible = wanted.get(shock, np.ones(len(persons), bool))
        if shock in heads_only:
            eligible = (persons["relation"] == "户主").to_numpy()
        pool = persons[eligible].sort_values("key").drop_duplicates(["year", "household_idx"])
        heads = persons[persons["relation"] == "户主"].drop_duplicates(["year", "household_idx"])
        pick = pool.set_index(["year", "household_idx"])["person_row"]
        head = heads.set_index(["year", "household_idx"])["person_row"]
        key = pd.MultiIndex.from_frame(events.loc[mine, ["year", "household_idx"]])
        chosen[mine] = pick.reindex(key).fillna(head.reindex(key)).fillna(-1).to_numpy(np.int64)
    return chosen


def _medical_pushes(rows: pd.DataFrame, spec: dict, rng) -> pd.DataFrame:
    """医保: the year's cumulative out-of-pocket cost to date grows over ``ramp_months`` from
    the event; pushed from the month it reaches the threshold (after the lag), then every
    month while it still rises, up to ``repeat_months`` pushes, within the calendar year."""
    exited = (rows["status"] == EXITED).to_numpy()
    threshold = np.where(exited, spec["threshold_exited"], spec["threshold_other"])
    total = rows["amount"].to_numpy(float)
    over = total >= threshold
    rows, threshold, total = rows[over], threshold[over], total[over]
    ramp = np.asarray(spec["ramp_months"])[rng.integers(0, len(spec["ramp_months"]), len(rows))]
    crossing = np.ceil(threshold / np.maximum(total, 1) * ramp).astype(int) - 1
    lag = np.asarray(spec["lag"])[rng.integers(0, len(spec["lag"]), len(rows))]
    first = rows["event_month"].to_numpy() + crossing + lag
    out = []
    for k in range(spec["repeat_months"]):  # a few repeats, each vectorised
        month = first + k
        rising = (month - rows["event_month"].to_numpy() < ramp) | (k == 0)
        keep = (month <= 12) & rising
        cumulative = total * np.minimum(1.0, (month - rows["event_month"].to_numpy() + 1) / ramp)
        out.append(
            rows[keep].assign(
                push_index=_month_index(rows["year"], month)[keep],
                amount=np.round(cumulative[keep], 2),
                repeat=k,
            )
        )
    return pd.concat(out, ignore_index=True)


def alert_events(
    years: pd.DataFrame, people: pd.DataFrame, person_years: pd.DataFrame, sim: dict, rng
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every shock and event of the monitoring years with the departments that saw it, and
    the pushes they made (month index, department, alert type, person row, amount).
    ``person_years`` holds each year's rows in ``people`` order."""
    spec = sim["monitoring"]["alerts"]["departments"]
    last = _month_index(max(sim["monitoring"]["years"]), 12)
    row = person_years.groupby("year").cumcount().to_numpy()
    person_years = person_years.assign(
        person_row=row,
        household_idx=people["household_idx"].to_numpy()[row],
        relation=people["relation"].to_numpy()[row],
    )
    events = _shocks(years, rng)
    events["event_id"] = np.arange(len(events))
    events["person_row"] = _members(events, person_years, rng)
    events["event_day"] = rng.integers(1, 29, len(events))
    pushes = []
    for shock, department, alert_type in RULES:
        rows = events[events["shock"] == shock]
        rule = spec[department]
        seen = rng.random(len(rows)) < rule["coverage"]
        rows = rows[seen].assign(department=department, alert_type=alert_type)
        if department == "医保":
            pushed = _medical_pushes(rows, rule, rng)
        elif department == "教育":
            rows = rows[rows["amount"] >= rule["threshold"]]
            april = rows["year"] + (rows["event_month"] > rule["push_month"])
            pushed = rows.assign(push_index=_month_index(april, rule["push_month"]), repeat=0)
        else:
            lag = np.asarray(rule["lag"])[rng.integers(0, len(rule["lag"]), len(rows))]
            start = _month_index(rows["year"], rows["event_month"])
            pushed = rows.assign(push_index=start + lag, repeat=0)
        pushes.append(pushed[pushed["push_index"] <= last])
    pushed = pd.concat(pushes, ignore_index=True)
    first = pushed.groupby("event_id")["push_index"].min()
    seen_by = (
        pushed[["event_id", "department"]]
        .drop_duplicates()
        .sort_values(["event_id", "department"])
        .groupby("event_id")["department"]
        .agg(";".join)
    )
    events["departments"] = events["event_id"].map(seen_by).fillna("")
    events["first_push"] = _yyyymm(events["event_id"].map(first).fillna(-1).astype(int).to_numpy())
    events.loc[events["departments"] == "", "first_push"] = 0
    pushed["push_month"] = _yyyymm(pushed["push_index"].to_numpy())
    return events, pushed.sort_values(["push_index", "department", "event_id", "repeat"])
