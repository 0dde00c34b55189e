"""2021–2025: monitoring to prevent return to poverty (防返贫动态监测) in the simulated world.

The registered households live on as 脱贫户; beside them live ordinary households (普通农户)
close enough to the line to ever need help. Every year each household works and earns with
the same steps as before 2021 (``dynamics.members_work``, ``dynamics.household_income``), meets
shocks (illness with out-of-pocket costs, disability, disaster, accident, job loss, schooling
costs, a failed project), and may be identified as a monitoring object: the chance grows with
income below the monitoring line and rigid spending, but discovery (self-declaration, cadre
visits, department alerts) misses and delays some, and a latent term no export shows decides
the rest. Identified households get measures; after ≥ 6 months and ≥ 1 measure, with income
above the line, rigid spending resolved and some labour, their risk is eliminated — and may
come back. ``risk_prob`` (truth) is each household-year's chance of being identified.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from ecpa_pipeline.domain.registry import ABLE_LABOUR

from .dynamics import _solve_intercept, household_income, members_work
from .households import build_households, build_persons
from .random import stream
from .state import World

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
HIGHER_SCHOOL = ("高中", "中职", "高职高专", "本科及以上")


def ordinary_households(villages: pd.DataFrame, sim: dict) -> pd.DataFrame:
    """普通农户 of every village who might ever need monitoring: drawn like the registered
    households (own random stream), never registered, with codes after the registry's."""
    mon = sim["monitoring"]
    means = {k: v * mon["ordinary_per_registered"] for k, v in _registered_means(sim).items()}
    sim_ordinary = {
        **sim,
        "villages": {**sim["villages"], "registered_households_mean": means},
        "households": {**sim["households"], "missed_share": 0.0, "wrongly_registered_share": 0.0},
    }
    hh = build_households(villages, sim_ordinary, name="ordinary_households")
    rng = stream(sim["seed"], "ordinary_traits")
    seq = hh.groupby("village_idx").cumcount().to_numpy()
    return hh.assign(
        household_code=hh["village_code"].astype(str) + np.char.zfill((seq + 5001).astype(str), 4),
        household_type="",
        main_cause="",
        second_cause="",
        registered_year=0,
        productivity=rng.lognormal(
            np.log(mon["ordinary_productivity_mean"]),
            sim["income"]["productivity_sigma"],
            len(hh),
        ),
    )


def _registered_means(sim: dict) -> dict:
    return dict(sim["villages"]["registered_households_mean"])


def monitoring_population(
    households: pd.DataFrame,
    persons: pd.DataFrame,
    household_years: pd.DataFrame,
    villages: pd.DataFrame,
    sim: dict,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Households and members of the monitoring years: every household of the 2020 registry
    (all 脱贫户 by then) followed by the ordinary households.

    Returns:
        households (``registered_idx``: the registry household, -1 for 普通农户; the state
        carried out of 2020), persons (``registered_person_idx`` likewise).
    """
    last = household_years[household_years["year"] == household_years["year"].max()]
    registered = households.iloc[last["household_idx"].to_numpy()].assign(
        registered_idx=last["household_idx"].to_numpy(),
        household_status=EXITED,
        exit_year=last["exit_year"].to_numpy(),
        productivity=last["productivity"].to_numpy(),
        unsafe_housing=last["unsafe_housing"].to_numpy(),
        unsafe_water=~last["safe_water"].to_numpy(),
        ecommerce_income_2020=last["ecommerce_income"].to_numpy(),
        ecommerce_mode=last["ecommerce_mode"].to_numpy(),
        income_2020=last["income_per_capita"].to_numpy(),
    )
    ordinary = ordinary_households(villages, sim)
    rng = stream(sim["seed"], "ordinary_traits_2020")
    ordinary = ordinary.assign(
        registered_idx=-1,
        household_status=ORDINARY,
        exit_year=0,
        unsafe_housing=rng.random(len(ordinary)) < 0.02,
        unsafe_water=rng.random(len(ordinary)) < 0.03,
        ecommerce_income_2020=0.0,
        ecommerce_mode="未参与",
        income_2020=np.nan,
    )
    columns = [c for c in registered.columns if c in ordinary.columns]
    hh = pd.concat([registered[columns], ordinary[columns]], ignore_index=True)

    reg_persons = persons[persons["household_idx"].isin(registered["registered_idx"])]
    new_idx = pd.Series(np.arange(len(registered)), index=registered["registered_idx"].to_numpy())
    reg_persons = reg_persons.assign(
        registered_person_idx=reg_persons.index.to_numpy(),
        household_idx=new_idx.reindex(reg_persons["household_idx"]).to_numpy(),
    )
    ord_persons = build_persons(ordinary, sim, name="ordinary_persons")
    ord_persons = ord_persons.assign(
        registered_person_idx=-1, household_idx=ord_persons["household_idx"] + len(registered)
    )
    people = pd.concat([reg_persons, ord_persons], ignore_index=True)
    people = people.sort_values(["household_idx", "member_seq"], kind="stable")
    return hh, people.reset_index(drop=True)


def draw_health_shocks(rng, world: World, mon: dict) -> dict:
    """Serious illness (twice as likely where a member is already ill) and disability."""
    sh, n = mon["shocks"], world.n
    health = world.persons["health"].to_numpy().astype(str)
    ill_before = world.per_household(np.char.find(health, "病") >= 0) > 0
    return {
        "illness": rng.random(n) < sh["illness_rate"] * np.where(ill_before, 2.0, 1.0),
        "disability": rng.random(n) < sh["disability_rate"],
    }


def draw_monitoring_shocks(rng, world: World, health: dict, members: dict, persons_now, mon):
    """The year's other shocks and what all of them cost: out-of-pocket medical costs, lost
    harvest, lost wages, failed projects, schooling and accident costs (yuan per household)."""
    sh, n = mon["shocks"], world.n
    illness, disability = health["illness"], health["disability"]
    disaster_village = rng.random(len(world.villages)) < sh["disaster_rate_per_village"]
    disaster = disaster_village[world.village]
    accident = rng.random(n) < sh["accident_rate"]
    job_loss = (members["migrant_months"] > 0) & (rng.random(n) < sh["job_loss_rate"])
    higher = world.per_household(persons_now["school_status"].isin(HIGHER_SCHOOL).to_numpy())
    school = (higher > 0) & (rng.random(n) < sh["school_cost_rate"])
    project_failure = rng.random(n) < sh["project_failure_rate"]

    def lognormal(spec):
        return rng.lognormal(np.log(spec[0]), spec[1], n)

    return {
        "illness": illness,
        "disability": disability,
        "disaster": disaster,
        "accident": accident,
        "job_loss": job_loss,
        "school": school,
        "project_failure": project_failure,
        "loss": np.where(disaster, rng.uniform(*sh["disaster_loss"], n), 0.0),
        "job_loss_share": np.where(job_loss, rng.uniform(*sh["job_loss_share"], n), 0.0),
        "project_loss_share": np.where(
            project_failure, rng.uniform(*sh["project_failure_loss"], n), 0.0
        ),
        "out_of_pocket": np.round(
            np.where(illness, lognormal(sh["illness_out_of_pocket"]), 0.0)
            + np.where(disability, lognormal(sh["illness_out_of_pocket"]) * 0.5, 0.0)
        ),
        "rigid_other": np.round(
            np.where(school, lognormal(sh["school_cost"]) * higher, 0.0)
            + np.where(accident, lognormal(sh["accident_cost"]), 0.0)
        ),
    }


def _income_params(sim: dict) -> dict:
    """The income settings of 2014–2020 continued into the monitoring years (by year index)."""
    inc, mon = sim["income"], sim["monitoring"]
    return {
        **inc,
        "dibao_per_person": list(inc["dibao_per_person"]) + list(mon["dibao_per_person"]),
        "pension_per_elder": list(inc["pension_per_elder"]) + list(mon["pension_per_elder"]),
    }


def simulate_monitoring_years(
    households: pd.DataFrame,
    persons: pd.DataFrame,
    villages: pd.DataFrame,
    monitoring_line: dict,
    line_2020: float,
    sim: dict,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Income, shocks, identification, measures and risk elimination of every household of
    the monitoring population, year by year.

    ``line_2020``: the last poverty line (the 2020 precursor monitored 脱贫户 below 1.5 × it).
    The market incomes are scaled so the 脱贫户's mean per-capita income follows the
    published growth path from its 2020 level.

    Returns:
        household_years (one row per household and year, with ``in_system``: whether the
        household is in the monitoring system — and its exports — that year) and
        person_years (with ``in_system`` of the person's household).
    """
    rng = stream(sim["seed"], "monitoring")
    mon = sim["monitoring"]
    world = World(
        households, persons, villages, np.zeros((len(villages), 1)), np.zeros(len(households))
    )
    state = _MonitoringState(households)
    exited = households["household_status"].to_numpy() == EXITED
    _precursor(rng, state, households, float(line_2020), mon)
    # The registry years' productivity differences shrink (persistence < 1) [U]: the period's
    # employment programmes (31 M 脱贫劳动力 in work [C]) lift the weakest earners most.
    median = np.median(state.productivity[exited])
    state.productivity = median * (state.productivity / median) ** mon["productivity_persistence"]
    state.target = np.nanmean(households["income_2020"].to_numpy())
    hh_rows, person_rows = [], []
    for year in mon["years"]:
        record, persons_now = _monitoring_year(
            rng, world, state, year, float(monitoring_line[year]), sim
        )
        hh_rows.append(record)
        person_rows.append(
            persons_now.assign(year=year, in_system=record["in_system"].to_numpy()[world.member_of])
        )
    return pd.concat(hh_rows, ignore_index=True), pd.concat(person_rows, ignore_index=True)


def _monitoring_year(rng, world: World, state, year: int, line: float, sim: dict):
    """One year of the monitoring period: work, shocks, income, 低保, identification,
    elimination and the record's upkeep. Returns the year's household rows and person rows."""
    mon, inc = sim["monitoring"], _income_params(sim)
    households, n, k = world.households, world.n, year - 2014
    exited = households["household_status"].to_numpy() == EXITED
    health = draw_health_shocks(rng, world, mon)
    members, persons_now = members_work(
        rng, world, year, k, health["illness"], health["illness"], inc
    )
    # Labour as the export records it (劳动技能, weak labour included): what a household's
    # risk 缺劳动力 and the county's checks refer to.
    members["n_labour"] = world.per_household(
        persons_now["labour_skill"].isin([*ABLE_LABOUR, "弱劳动力或半劳动力"]).to_numpy()
    )
    shocks = draw_monitoring_shocks(rng, world, health, members, persons_now, mon)
    _ongoing_costs(rng, state, shocks, mon)
    _local_work(rng, world, members, persons_now, mon)
    _support(rng, state, line, mon)
    growth = (1 + sim["ecommerce"]["online_growth"] * 0.5) ** (year - 2020)
    online = np.round(households["ecommerce_income_2020"].to_numpy() * growth)
    ecommerce = {"income": online, "wage": np.zeros(n), "business": online}
    # 低保 is paid by tier below (补差), not as the registry years' flat amount per type.
    untyped = World(
        households.assign(household_type=""),
        world.persons,
        world.villages,
        world.revenue,
        world.ready,
    )
    income = household_income(rng, untyped, state, year, k, members, ecommerce, shocks, inc)
    _apply_losses(income, shocks)
    income["ecommerce"] = online
    state.target *= 1 + mon["income_growth"][year]
    size = households["size"].to_numpy()
    _scale_market_income(income, size, exited, state.target)
    _minimum_living_allowance(rng, state, income, members, inc["dibao_per_person"][k], mon)
    _scale_market_income(income, size, exited, state.target)
    rigid = shocks["out_of_pocket"] + shocks["rigid_other"]
    decision = _identify(rng, world, state, year, line, income, rigid, members, shocks, mon)
    _eliminate(rng, state, year, line, income, members, decision, mon)
    _keep_record(state, decision)
    state.prev_income_pc = income["per_capita"]
    state.ever |= decision["identified"]
    record = _household_year(world, state, year, line, income, rigid, shocks, decision)
    return record.assign(in_system=exited | state.ever), persons_now


def _ongoing_costs(rng, state, shocks: dict, mon: dict) -> None:
    """An illness that made a household a monitoring object keeps costing while monitored."""
    ongoing = state.monitored & (np.char.find(state.risks.astype(str), "因病") >= 0)
    median = mon["shocks"]["illness_out_of_pocket"][0] / 2
    shocks["out_of_pocket"] = np.where(
        ongoing & (shocks["out_of_pocket"] == 0),
        np.round(rng.lognormal(np.log(median), 0.8, len(ongoing))),
        shocks["out_of_pocket"],
    )


def _local_work(rng, world: World, members: dict, persons_now: pd.DataFrame, mon: dict) -> None:
    """Local work of the period (扶贫车间, 公益岗位, county industry) for able members at home."""
    at_home = persons_now["labour_skill"].isin(ABLE_LABOUR).to_numpy() & (
        persons_now["migrant_work"].to_numpy() == "未务工"
    )
    members["wage"] = members["wage"] + world.per_household(
        at_home * mon["local_job_income"] * rng.uniform(0.5, 1.0, len(at_home))
    )


def _support(rng, state, line: float, mon: dict) -> None:
    """Productivity drifts; industry and employment support keeps reaching households near
    the line (> 85 % of 脱贫户 and monitored households have an industry measure [C]), and
    monitored households' measures add to it."""
    n = len(state.productivity)
    near_line = state.prev_income_pc < 1.5 * line
    state.productivity = state.productivity * (
        rng.lognormal(0.0, mon["productivity_sigma"], n)
        * np.where(near_line, 1 + mon["support_gain"], 1.0)
        * np.where(state.measures_last_year, 1 + mon["measure_productivity_gain"], 1.0)
    )


def _keep_record(state, decision: dict) -> None:
    """The record follows the household: 缺劳动力 goes once a member can work again, and
    households without labour are covered by 综合保障 while monitored (domain facts §1)."""
    regained = state.monitored & ~decision["no_labour"]
    regained &= np.char.find(state.risks.astype(str), "缺劳动力") >= 0
    kept = (
        pd.Series(state.risks[regained], dtype="str")
        .str.replace(r";?缺劳动力", "", regex=True)
        .str.strip(";")
    )
    state.risks[regained] = np.where(kept == "", "其他", kept)
    lacking = state.monitored & decision["no_labour"] & (state.measures != "")
    lacking &= np.char.find(state.measures.astype(str), "综合保障") < 0
    state.measures = np.where(lacking, state.measures + ";综合保障", state.measures)
    state.measures_last_year = state.monitored & (state.measures != "")


class _MonitoringState:
    """What one monitoring year hands the next (per household)."""

    def __init__(self, households: pd.DataFrame):
        n = len(households)
        self.productivity = households["productivity"].to_numpy().astype(float).copy()
        self.unsafe_housing = households["unsafe_housing"].to_numpy().copy()
        self.unsafe_water = households["unsafe_water"].to_numpy().copy()
        self.dibao = np.isin(
            households["household_type"].to_numpy(), ["低保贫困户", "特困供养贫困户"]
        )
        self.monitored = np.zeros(n, bool)
        self.ever = np.zeros(n, bool)
        self.since = np.zeros(n, int)  # YYYYMM of the current (or last) identification
        self.category = np.full(n, "", dtype=object)
        self.risks = np.full(n, "", dtype=object)
        self.measures = np.full(n, "", dtype=object)
        self.eliminated_since = np.zeros(n, int)
        self.elimination_mode = np.full(n, "", dtype=object)
        self.measures_last_year = np.zeros(n, bool)
        self.prev_income_pc = np.nan_to_num(households["income_2020"].to_numpy(), nan=0.0)
        self.target = 0.0  # the 脱贫户's mean per-capita income the year's incomes follow


def _apply_losses(income: dict, shocks: dict) -> None:
    """Job loss cuts wages, a failed project the business income (disaster losses are in the
    harvest already)."""
    lost_wage = np.round(income["wage"] * shocks["job_loss_share"])
    lost_business = np.round(
        (income["business_income"] - income["business_cost"]) * shocks["project_loss_share"]
    )
    income["wage"] = income["wage"] - lost_wage
    income["business_cost"] = income["business_cost"] + lost_business
    income["net"] = income["net"] - lost_wage - lost_business


def _scale_market_income(income: dict, size: np.ndarray, exited: np.ndarray, target: float):
    """Scale wages and net business income so that the 脱贫户's mean per-capita income is
    the published path's ``target`` (transfers stay as set)."""
    market = income["wage"] + income["business_income"] - income["business_cost"]
    other = income["net"] - market
    factor = (target - (other / size)[exited].mean()) / (market / size)[exited].mean()
    factor = max(factor, 0.0)
    for key in ("wage", "business_income", "business_cost"):
        income[key] = np.round(income[key] * factor)
    income["net"] = (
        income["wage"]
        + income["business_income"]
        - income["business_cost"]
        + income["property_income"]
        + income["transfer"]
    )
    income["per_capita"] = income["net"] / size


def _minimum_living_allowance(rng, state, income: dict, members: dict, standard, mon) -> None:
    """低保 (the minimum living allowance) for households below the standard: kept by those
    who had it, granted this year to a share of the others — most households without labour,
    fewer with labour — and to monitored households with 综合保障. Paid by tier (分档): the
    shortfall, but at least ``dibao_floor`` of the standard per person."""
    cover = mon["dibao_coverage"]
    size = income["net"] / np.where(income["per_capita"] != 0, income["per_capita"], 1)
    below = income["per_capita"] < standard
    no_labour = members["n_labour"] == 0
    newly = below & (
        rng.random(len(below)) < np.where(no_labour, cover["no_labour"], cover["labour"])
    )
    newly |= below & state.monitored & (np.char.find(state.measures.astype(str), "综合保障") >= 0)
    state.dibao |= newly
    per_person = np.maximum(standard - income["per_capita"], cover["floor"] * standard)
    payment = np.where(state.dibao & below, np.round(per_person * size), 0.0)
    income["transfer"] = income["transfer"] + payment
    income["net"] = income["net"] + payment
    income["per_capita"] = income["net"] / size


def _precursor(rng, state, households: pd.DataFrame, line_2020: float, mon: dict) -> None:
    """The 2020 precursor (domain facts §1): 脱贫户 with income below 1.5 × the 2020 line were
    monitored already; ``precursor_share`` of the 脱贫户 enter 2021 monitored."""
    income = households["income_2020"].to_numpy()
    exited = households["household_status"].to_numpy() == EXITED
    eligible = exited & (income < 1.5 * line_2020)
    share = min(1.0, mon["precursor_share"] * exited.sum() / max(eligible.sum(), 1))
    chosen = eligible & (rng.random(len(income)) < share)
    state.monitored |= chosen
    state.ever |= chosen
    state.since = np.where(chosen, 2020 * 100 + rng.integers(3, 13, len(income)), state.since)
    state.category = np.where(chosen, UNSTABLE, state.category)
    state.risks = np.where(chosen, "其他", state.risks)
    state.measures = np.where(chosen, _measures(rng, state.risks, np.zeros(len(income), bool)), "")
    state.measures_last_year = chosen


def _identify(rng, world, state, year, line, income, rigid, members, shocks, mon) -> dict:
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
    intercept = _solve_intercept(logit[candidates], ident["entry_rate"][year])
    risk_prob[candidates] = expit(logit[candidates] + intercept)
    identified = candidates & (rng.random(n) < np.nan_to_num(risk_prob))
    month = rng.integers(1, 13, n)
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
    measures = _measures(rng, risks, delayed & (month == 12))
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
        _measures(rng, state.risks, np.zeros(n, bool)),
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


def _measures(rng, risks: np.ndarray, none_yet: np.ndarray) -> np.ndarray:
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


def _eliminate(rng, state, year, line, income, members, decision, mon) -> None:
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
            _spending_after_assistance(state, decision, el)
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


def _spending_after_assistance(state, decision: dict, el: dict) -> np.ndarray:
    """Rigid spending over net income once 健康帮扶 (medical assistance) and 教育帮扶 have paid
    their share: what still stands between a monitored household and risk elimination."""
    measures = state.measures.astype(str)
    medical = np.where(np.char.find(measures, "健康帮扶") >= 0, 1 - el["medical_assistance"], 1.0)
    other = np.where(np.char.find(measures, "教育帮扶") >= 0, 1 - el["education_assistance"], 1.0)
    return decision["medical_share"] * medical + decision["other_share"] * other


def _household_year(world, state, year, line, income, rigid, shocks, decision) -> pd.DataFrame:
    """One year's row per household: what the monitoring export and the income file show,
    and the truth beside it."""
    hh = world.households
    shown = state.ever | decision["identified"]
    return pd.DataFrame(
        {
            "household_idx": np.arange(world.n),
            "year": year,
            "status": hh["household_status"].to_numpy(),
            "exit_year": hh["exit_year"].to_numpy(),
            "category": np.where(shown, state.category, ""),
            "monitoring_since": np.where(shown, state.since, 0),
            "risks": np.where(shown, state.risks, ""),
            "risk_eliminated": shown & ~state.monitored,
            "elimination_mode": np.where(shown, state.elimination_mode, ""),
            "eliminated_since": np.where(shown, state.eliminated_since, 0),
            "measures": np.where(shown, state.measures, ""),
            "medical_out_of_pocket": shocks["out_of_pocket"],
            "dibao": state.dibao.copy(),
            "wage_income": income["wage"],
            "business_income": income["business_income"],
            "business_cost": income["business_cost"],
            "property_income": income["property_income"],
            "transfer_income": income["transfer"],
            "ecommerce_income": np.minimum(income["ecommerce"], income["business_income"]),
            "ecommerce_mode": hh["ecommerce_mode"].to_numpy(),
            "income_per_capita": np.round(income["per_capita"], 2),
            "unsafe_housing": state.unsafe_housing.copy(),
            "safe_water": ~state.unsafe_water,
            "water_difficulty": state.unsafe_water.copy(),
            "monitoring_line": line,
            # Truth: never exported.
            "risk_prob": decision["risk_prob"],
            "identified_this_year": decision["identified"],
            "monitored_at_end": state.monitored.copy(),
            "below_line": decision["below_line"],
            "rigid_spending": rigid,
            "severe_spending": decision["severe_spending"],
            **{f"{s}_shock": shocks[s] for s in RISK_OF_SHOCK},
            "productivity": state.productivity.copy(),
        }
    )
