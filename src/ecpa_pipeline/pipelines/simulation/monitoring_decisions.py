"""Decisions of the monitoring mechanism in the simulated world: the 2020 precursor stock,
identification (识别) with its categories, risks and measures, and risk elimination (风险消除)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from ecpa_pipeline.domain.base_rate import intercept_for_mean

EXITED, ORDINARY = "脱贫户", "普通农户"
UNSTABLE, MARGINAL, SUDDEN = "脱贫不稳定户", "边缘易致贫户", "突发严重困难户"

#: Shock → the risk code of the export (返贫致贫风险), in the order a form lists them.


RISK_OF_SHOCK = {
    "illness": "因病",
    "disability": "因残",
    "school": "因学",
    "disaster": "因灾",
    "accident": "因意外事故",
    "project_failure": "因产业项目失败",
    "job_loss": "因务工就业不稳",
}


#: The measure that answers each risk first (监测帮扶措施).


MEASURE_OF_RISK = {
    "因病": "健康帮扶",
    "因残": "综合保障",
    "因学": "教育帮扶",
    "因灾": "生产生活条件改善",
    "因意外事故": "社会帮扶",
    "因产业项目失败": "产业帮扶",
    "因务工就业不稳": "就业帮扶",
    "缺劳动力": "综合保障",
    "住房出现安全问题": "生产生活条件改善",
    "饮水安全问题": "生产生活条件改善",
    "其他": "产业帮扶",
}


MEASURES = (
    "产业帮扶",
    "就业帮扶",
    "金融帮扶",
    "公益岗位帮扶",
    "健康帮扶",
    "教育帮扶",
    "综合保障",
    "社会帮扶",
    "搬迁",
    "生产生活条件改善",
)


def precursor(rng, state, households: pd.DataFrame, ill: np.ndarray, line_2020, mon) -> None:
    """The 2020 precursor (domain facts §1, §3): the mechanism of March 2020 already monitored
    脱贫不稳定户 (脱贫户 below 1.5 × the 2020 line), 边缘易致贫户 (ordinary households near the
    line; their 2020 income is not simulated, so the less productive half of them stands for
    it [U]) and households in severe difficulty after an illness (``ill``: a member seriously
    or chronically ill). ``precursor.share`` of the 脱贫户's number enter 2021 monitored, in
    the ``precursor.mix`` of categories."""
    spec = mon["precursor"]
    income = households["income_2020"].to_numpy()
    productivity = households["productivity"].to_numpy()
    exited = households["household_status"].to_numpy() == EXITED
    count = spec["share"] * exited.sum()
    eligible = {
        SUDDEN: ill,
        UNSTABLE: exited & (income < 1.5 * line_2020),
        MARGINAL: ~exited & (productivity < np.median(productivity[~exited])),
    }
    category = np.full(len(income), "", dtype=object)
    for name, pool in eligible.items():
        free = pool & (category == "")
        share = spec["mix"][name] * count / max(free.sum(), 1)
        category = np.where(free & (rng.random(len(income)) < min(1.0, share)), name, category)
    chosen = category != ""
    state.monitored |= chosen
    state.ever |= chosen
    state.since = np.where(chosen, 2020 * 100 + rng.integers(3, 13, len(income)), state.since)
    state.category = np.where(chosen, category, state.category)
    state.risks = np.where(chosen, np.where(category == SUDDEN, "因病", "其他"), state.risks)
    state.measures = np.where(
        chosen, suggest_measures(rng, state.risks, np.zeros(len(income), bool)), ""
    )
    state.measures_last_year = chosen


def identify(rng, world, state, year, line, income, rigid, members, shocks, mon) -> dict:
    """Who is identified this year among the households not monitored, in which month and
    category, with which risks and measures."""
    ident = mon["identification"]
    w = ident["weights"]
    n = world.n
    net = income["net"]
    income_pc = income["per_capita"]
    below = np.clip(np.log(line / np.clip(income_pc, 100, None)), 0, None)
    spending = rigid / np.clip(net, 1000, None)
    any_shock = np.column_stack([shocks[s] for s in RISK_OF_SHOCK]).any(axis=1)
    no_labour = members["n_labour"] == 0
    exited = world.households["household_status"].to_numpy() == EXITED
    collapse = any_shock & (income_pc < ident["collapse_share"] * state.prev_income_pc)
    logit_parts = {
        "below_line": w["below_line"] * below,
        "rigid_spending": w["rigid_spending"] * np.clip(spending, 0, 2),
        "income_collapse": w["income_collapse"] * collapse,
        "any_shock": w["any_shock"] * any_shock,
        "no_labour": w["no_labour"] * no_labour,
        "exited_household": w["exited_household"] * exited,
        "far_above_line": w["far_above_line"] * (income_pc > 2 * line),
    }
    logit = sum(logit_parts.values()) + rng.normal(0, ident["noise_sigma"], n)
    candidates = ~state.monitored
    risk_prob = np.full(n, np.nan)
    intercept = intercept_for_mean(logit[candidates], ident["entry_rate"][year])
    risk_prob[candidates] = expit(logit[candidates] + intercept)
    identified = candidates & (rng.random(n) < np.nan_to_num(risk_prob))
    drawn = rng.integers(1, 13, n)
    # A household hit by a shock is identified once it is found (its first shock's month plus
    # the discovery lag, ``shock_months``); one without, in any month. The draw is kept for
    # all, and decides as before which households wait for their measures: later draws and
    # the measures stay as they were.
    month = np.where(shocks["found_month"] > 0, shocks["found_month"], drawn)
    severe = (spending >= ident["severe_spending_share"]) | collapse
    # A household identified mainly because a shock overwhelmed it is a 突发严重困难户, whatever
    # its status; one identified mainly for its low income is classed by status (facts §1).
    shock_part = (
        logit_parts["rigid_spending"] + logit_parts["income_collapse"] + logit_parts["any_shock"]
    )
    mainly_shock = severe & any_shock & (shock_part > logit_parts["below_line"])
    category = np.where(mainly_shock, SUDDEN, np.where(exited, UNSTABLE, MARGINAL))
    risks = _risk_codes(state, shocks, no_labour)
    delayed = rng.random(n) < mon["elimination"]["measure_delay_share"]
    measures = suggest_measures(rng, risks, delayed & (drawn == 12))
    state.monitored |= identified
    state.since = np.where(identified, year * 100 + month, state.since)
    state.category = np.where(identified, category, state.category)
    state.risks = np.where(identified, risks, state.risks)
    state.measures = np.where(identified, measures, state.measures)
    state.eliminated_since = np.where(identified, 0, state.eliminated_since)
    state.elimination_mode = np.where(identified, "", state.elimination_mode)
    # Households already monitored keep getting measures for their (new) risks.
    state.measures = np.where(
        state.monitored & ~identified & (state.measures == ""),
        suggest_measures(rng, state.risks, np.zeros(n, bool)),
        state.measures,
    )
    return {
        "identified": identified,
        "risk_prob": risk_prob,
        "below_line": income_pc < line,
        "severe_spending": severe,
        "medical_share": shocks["out_of_pocket"] / np.clip(net, 1000, None),
        "other_share": shocks["rigid_other"] / np.clip(net, 1000, None),
        "any_shock": any_shock,
        "no_labour": no_labour,
    }


def _risk_codes(state, shocks: dict, no_labour: np.ndarray) -> np.ndarray:
    """Up to three risk codes per household (``;``-joined), shocks first, then lasting
    conditions; 其他 where none applies."""
    flags = [(code, shocks[s]) for s, code in RISK_OF_SHOCK.items()]
    flags += [
        ("缺劳动力", no_labour),
        ("住房出现安全问题", state.unsafe_housing),
        ("饮水安全问题", state.unsafe_water),
    ]
    joined = np.full(len(no_labour), "", dtype=object)
    listed = np.zeros(len(no_labour), int)
    for code, present in flags:
        add = present & (listed < 3)
        joined = np.where(add, np.where(joined == "", code, joined + ";" + code), joined)
        listed += add
    return np.where(joined == "", "其他", joined)


def suggest_measures(rng, risks: np.ndarray, none_yet: np.ndarray) -> np.ndarray:
    """The measures answering each household's risks, plus an industry or employment
    measure for about half (≥ 85 % of monitored households have one [C]); none yet where
    the household was identified too late in the year."""
    text = pd.Series(risks, dtype="str")
    extra = np.where(rng.random(len(risks)) < 0.5, "产业帮扶", "就业帮扶")
    chosen = {m: extra == m for m in MEASURES}
    for risk, measure in MEASURE_OF_RISK.items():
        chosen[measure] = chosen[measure] | text.str.contains(risk, regex=False).to_numpy()
    joined = np.full(len(risks), "", dtype=object)
    for m in MEASURES:
        joined = np.where(chosen[m], np.where(joined == "", m, joined + ";" + m), joined)
    return np.where(none_yet, "", joined)


def eliminate(rng, state, year, line, income, members, decision, mon) -> None:
    """Risk elimination at the end of the year: ≥ ``min_months`` since identification, ≥ 1
    measure, income above the line without severe rigid spending, some labour (households
    without labour stay monitored); a few end naturally (death, household dissolved)."""
    el = mon["elimination"]
    n = len(state.monitored)
    since = (state.since // 100) * 12 + state.since % 100 - 1  # months since year 0
    months = (year * 12 + 11) - since
    eligible = (
        state.monitored
        & (months >= el["min_months"])
        & (state.measures != "")
        & ~decision["below_line"]
        & (
            spending_after_assistance(state, decision, el)
            < mon["identification"]["severe_spending_share"]
        )
        & ~decision["no_labour"]
    )
    helped = eligible & (rng.random(n) < el["rate"])
    natural = state.monitored & ~helped & (rng.random(n) < el["natural_rate"])
    done = helped | natural
    earliest = np.clip(since + el["min_months"] - year * 12 + 1, 1, 12)
    month = earliest + (rng.random(n) * (13 - earliest)).astype(int)
    month = np.where(natural & ~helped, rng.integers(1, 13, n), month)
    state.monitored &= ~done
    state.eliminated_since = np.where(done, year * 100 + month, state.eliminated_since)
    state.elimination_mode = np.where(
        helped, "帮扶消除", np.where(natural, "自然消除", state.elimination_mode)
    )


def spending_after_assistance(state, decision: dict, el: dict) -> np.ndarray:
    """Rigid spending over net income once 健康帮扶 (medical assistance) and 教育帮扶 have paid
    their share: what still stands between a monitored household and risk elimination."""
    measures = state.measures.astype(str)
    medical = np.where(np.char.find(measures, "健康帮扶") >= 0, 1 - el["medical_assistance"], 1.0)
    other = np.where(np.char.find(measures, "教育帮扶") >= 0, 1 - el["education_assistance"], 1.0)
    return decision["medical_share"] * medical + decision["other_share"] * other
