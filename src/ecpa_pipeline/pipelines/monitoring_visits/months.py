"""The household-month table of the monthly visit model.

For a month m: every household the monitoring export of the year before lists and every
resident a department clue of the last ``history_months`` names, unless a monitoring object
at m; what the departments pushed about it up to m; the yearly risk as a prior; and the
label — identified as a monitoring object (识别监测时间 of a later export) in m or the
``label_months - 1`` months after it. Only what the office knows in month m enters a
feature: the export of the year before, identifications and eliminations dated before m,
clues pushed up to m.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecpa_pipeline.domain.ordering import in_content_order
from ecpa_pipeline.domain.registry import in_safety_net

#: The clean tables' lineage: a clue's file and row (cleaning's ledger columns).
FILE, ROW = "source_file", "source_row"
#: Months are counted as year × 12 + month − 1 (so that m − 1 is the month before m).
KEY = "household_key"
#: What the export of the year before says of a listed household (NaN for anyone else).
LISTED = [
    "village_code",
    "exited_household",
    "income_to_line",
    "household_size",
    "safety_net",
]
#: Clue counts: zero for a household no department pushed.
COUNTS = [
    "clues_1m",
    "clues_3m",
    "clues_12m",
    "new_episodes_3m",
    "departments_3m",
    "departments_12m",
    "repeat_pushes_3m",
]


def month_number(yyyymm) -> np.ndarray:
    """``YYYYMM`` → a month count (NA → NaN)."""
    value = pd.to_numeric(pd.Series(yyyymm), errors="coerce").to_numpy(float)
    return np.floor(value / 100) * 12 + np.mod(value, 100) - 1


def yyyymm(number) -> np.ndarray:
    """A month count → ``YYYYMM``."""
    value = np.asarray(number, dtype="int64")
    return (value // 12) * 100 + value % 12 + 1


def keyed_clues(
    alerts: pd.DataFrame, household_keys: pd.DataFrame, resident_keys: pd.DataFrame
) -> pd.DataFrame:
    """Each clean clue under the pseudonym of what it is about: the household a record
    lists, else the resident it names (a new-household candidate); month numbers of the push
    and the event. No names, no ID numbers, no household codes."""
    clues = alerts.merge(resident_keys, on=[FILE, ROW], how="left", validate="one_to_one")
    clues = clues.merge(household_keys, on="household_code", how="left")
    event = clues["event_date"]
    return pd.DataFrame(
        {
            KEY: clues[KEY].fillna(clues["resident_key"]).astype("str"),
            "month": month_number(clues["push_month"]).astype("int64"),
            "event_month": month_number(event.dt.year * 100 + event.dt.month),
            "department": clues["department"].astype("str"),
            "alert_type": clues["alert_type"].astype("str"),
            "amount": clues["amount"].astype(float),
            "village_code": clues["village_code"].astype("str"),
            "episode": clues["episode"].astype("int64"),
            "new_episode": clues["push_number"].to_numpy() == 1,
            "push_number": clues["push_number"].astype("int64"),
            FILE: clues[FILE],
            ROW: clues[ROW],
        }
    )


#: Outcomes that verify a household (未见到户: not met, so it stays to be visited).
VERIFIED = ("符合纳入条件", "不符合")
MET = "符合纳入条件"


def keyed_visits(
    outcomes: pd.DataFrame,
    household_keys: pd.DataFrame,
    resident_keys: pd.DataFrame,
    list_keys: dict | None,
) -> pd.DataFrame:
    """The townships' visit outcomes under the pseudonym of the household visited — by its
    code, else by the ID number (a candidate: the resident's), else by the 核查编号 of the
    list it answers (``list_keys``: the lists' numbers and pseudonyms, by month) — with the
    month of the visit; a visit none of them finds is left out."""
    visits = outcomes.merge(resident_keys, on=[FILE, ROW], how="left")
    visits = visits.merge(household_keys, on="household_code", how="left")
    numbered = pd.concat(
        [load() for load in (list_keys or {}).values()] or [pd.DataFrame(columns=["visit_id", KEY])]
    )
    by_number = numbered.drop_duplicates("visit_id", keep="last").set_index("visit_id")[KEY]
    listed = visits["visit_id"].map(by_number).astype("str")
    key = visits[KEY].astype("str").fillna(visits["resident_key"].astype("str")).fillna(listed)
    date = visits["visit_date"]
    return pd.DataFrame(
        {
            KEY: key.astype("str"),
            "month": month_number(date.dt.year * 100 + date.dt.month),
            "outcome": visits["outcome"].astype("str"),
        }
    )[key.notna().to_numpy()].dropna(subset=["month"])


def last_verified(visits: pd.DataFrame, month: int) -> pd.Series:
    """Each key's latest visit before ``month`` that verified it (met or not met the
    criteria), by month: a household just verified waits for a new clue."""
    done = visits[(visits["month"] < month) & visits["outcome"].isin(VERIFIED)]
    return done.groupby(KEY)["month"].max().astype(float)


def system_households(households: pd.DataFrame, household_keys: pd.DataFrame) -> pd.DataFrame:
    """The monitoring export's households by pseudonym and year: where they live, their
    status, income, and the months of their identification and elimination."""
    h = households.merge(household_keys, on="household_code", how="inner", validate="many_to_one")
    eliminated = month_number(h["eliminated_since"])
    return pd.DataFrame(
        {
            "year": h["year"].astype("int64"),
            KEY: h[KEY].astype("str"),
            "village_code": h["village_code"].astype("str"),
            "exited_household": (h["household_status"] == "脱贫户").astype(float),
            "identified": month_number(h["monitoring_since"]),
            "eliminated": np.where(eliminated > 0, eliminated, np.nan),
            "net_income": h["net_income"].astype(float),
            "income_to_line": h["income_to_line"].astype(float),
            "household_size": h["household_size"].astype(float),
            "safety_net": in_safety_net(h),
        }
    )


def identifications(system: pd.DataFrame) -> pd.DataFrame:
    """Every identification on record (a household identified twice counts twice): the
    latest export's row of each, with its elimination month (NaN while monitored)."""
    rows = system[system["identified"].notna()].sort_values("year", kind="stable")
    return rows.drop_duplicates([KEY, "identified"], keep="last")[
        [KEY, "year", "identified", "eliminated"]
    ].reset_index(drop=True)


def monitored_at(found: pd.DataFrame, month: int) -> pd.Index:
    """Households that are monitoring objects at the start of ``month``: identified before it,
    not eliminated before it, by the exports of its year and earlier."""
    rows = found[found["year"] <= month // 12]
    rows = rows.drop_duplicates([KEY, "identified"], keep="last")
    on = (rows["identified"] < month) & ~(rows["eliminated"] < month)
    return pd.Index(rows.loc[on, KEY].unique())


def green_channel(clues: pd.DataFrame, rules: list[dict]) -> pd.Series:
    """Clues a green-channel rule matches (its alert types; ``min_amount`` yuan where given)."""
    hit = pd.Series(False, index=clues.index)
    for rule in rules:  # a rule or two
        amount = clues["amount"].fillna(0) >= float(rule.get("min_amount") or 0)
        hit |= clues["alert_type"].isin(rule["alert_types"]) & amount
    return hit


def _clue_features(window: pd.DataFrame, month: int, params: dict) -> pd.DataFrame:
    """What the departments pushed about each key up to ``month`` (``window``: its clues of
    the last ``history_months``)."""
    age = month - window["month"]
    recent = window[age < 3]
    by = window.groupby(KEY)
    recent_by = recent.groupby(KEY)
    cumulative = window[
        window["department"].isin(params["cumulative_amount_departments"])
        & (window["month"] >= (month // 12) * 12)
    ]
    group_of = {t: g for g, types in params["alert_groups"].items() for t in types}
    groups = pd.crosstab(recent[KEY], recent["alert_type"].map(group_of))
    groups = groups.reindex(columns=list(params["alert_groups"]), fill_value=0)
    green = window[(age == 0) & green_channel(window, params["green_channel"])]
    features = pd.DataFrame(
        {
            "clues_1m": window[age == 0].groupby(KEY).size(),
            "clues_3m": recent_by.size(),
            "clues_12m": by.size(),
            "new_episodes_3m": recent_by["new_episode"].sum(),
            "departments_3m": recent_by["department"].nunique(),
            "departments_12m": by["department"].nunique(),
            "months_since_clue": month - by["month"].max(),
            "months_since_event": month - by["event_month"].max(),
            "repeat_pushes_3m": recent_by["push_number"].max(),
            "cumulative_cost_ytd": cumulative.groupby(KEY)["amount"].max(),
            "amount_3m": recent_by["amount"].max(),
            "green_channel": green.groupby(KEY).size() > 0,
            "last_new_episode": window[window["new_episode"]].groupby(KEY)["month"].max(),
            "clue_village": by["village_code"].last(),
        }
    )
    for name in groups.columns:
        features[f"{name}_3m"] = groups[name]
    return features


def household_month(
    month: int,
    clues: pd.DataFrame,
    system: pd.DataFrame,
    found: pd.DataFrame,
    prior: pd.DataFrame,
    visits: pd.DataFrame,
    params: dict,
) -> pd.DataFrame:
    """The rows of one month (a month count): features, the label (NaN where no export
    covers its window yet) and what the lists need (village, green channel, the month of
    the latest new clue). A township's visit that found the household meeting the criteria
    within the window labels it too (it entered the procedure)."""
    year = month // 12
    window = clues[(clues["month"] <= month) & (clues["month"] > month - params["history_months"])]
    listed = system[system["year"] == year - 1].set_index(KEY)
    keys = listed.index.union(pd.Index(window[KEY].unique()))
    keys = keys.difference(monitored_at(found, month))
    rows = pd.DataFrame(index=keys.rename(KEY))
    rows = rows.join(_clue_features(window, month, params))
    rows = rows.join(listed[[*LISTED, "net_income"]])
    rows["listed"] = rows.index.isin(listed.index).astype(float)
    identified_before = found.loc[found["identified"] < month, KEY]
    rows["previously_monitored"] = rows.index.isin(identified_before).astype(float)
    rows["village_code"] = rows["village_code"].fillna(rows.pop("clue_village"))
    counts = [*COUNTS, *(f"{g}_3m" for g in params["alert_groups"])]
    rows[counts] = rows[counts].fillna(0)
    rows["green_channel"] = rows["green_channel"].fillna(False).astype(bool)
    rows["amount_to_income"] = rows.pop("amount_3m") / rows.pop("net_income").clip(lower=1)
    year_prior = prior[prior["year"] == year].drop_duplicates(KEY).set_index(KEY)["prior"]
    p = year_prior.reindex(rows.index).clip(1e-4, 1 - 1e-4)
    rows["prior_logit"] = np.log(p / (1 - p))
    window_end = month + params["label_months"] - 1
    covered = window_end <= int(system["year"].max()) * 12 + 11 if len(system) else False
    met = visits[(visits["outcome"] == MET) & visits["month"].between(month, window_end)]
    positive = pd.concat([found[found["identified"].between(month, window_end)][KEY], met[KEY]])
    visited = visits[visits["month"] < month].sort_values("month", kind="stable")
    last = visited.drop_duplicates(KEY, keep="last").set_index(KEY)
    rows["months_since_visit"] = month - last["month"].reindex(rows.index)
    rows["last_visit_not_met"] = (last["outcome"] == "不符合").astype(float).reindex(rows.index)
    rows["label"] = rows.index.isin(positive).astype(float) if covered else np.nan
    rows.insert(0, "month", month)
    return rows.reset_index()


def household_months(
    clues: pd.DataFrame,
    system: pd.DataFrame,
    prior: pd.DataFrame,
    visits: pd.DataFrame,
    months,
    params: dict,
) -> pd.DataFrame:
    """``household_month`` for each of ``months`` (month counts), one table, in an order
    the rows' contents alone fix (month, then a digest of everything but the pseudonym): with
    another pseudonym key the model bags the same rows and ties fall the same way, so the
    same exports give the same model, scores and lists."""
    found = identifications(system)
    frames = [household_month(int(m), clues, system, found, prior, visits, params) for m in months]
    if not frames:
        return pd.DataFrame()
    return in_content_order(pd.concat(frames, ignore_index=True), "month", KEY)
