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

from ecpa_pipeline.domain.registry import ABLE_LABOUR

from .dynamics import household_income, members_work
from .monitoring_decisions import (
    EXITED,
    MARGINAL,
    ORDINARY,
    RISK_OF_SHOCK,
    SUDDEN,
    UNSTABLE,
    eliminate,
    identify,
    precursor,
)
from .monitoring_income import (
    apply_losses,
    dibao_payment,
    grant_dibao,
    measure_income,
    scale_market_income,
)
from .monitoring_population import monitoring_population
from .random import stream
from .state import World

__all__ = ["EXITED", "MARGINAL", "ORDINARY", "SUDDEN", "UNSTABLE", "monitoring_population",
           "simulate_monitoring_years"]  # fmt: skip
HIGHER_SCHOOL = ("高中", "中职", "高职高专", "本科及以上")


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
    harvest, lost wages, failed projects, schooling and accident costs (yuan per household;
    ``rigid_other`` is schooling and accident together)."""
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

    # In the order the draws were always made: later draws stay as they were.
    loss = np.where(disaster, rng.uniform(*sh["disaster_loss"], n), 0.0)
    job_loss_share = np.where(job_loss, rng.uniform(*sh["job_loss_share"], n), 0.0)
    project_loss_share = np.where(project_failure, rng.uniform(*sh["project_failure_loss"], n), 0.0)
    out_of_pocket = np.round(
        np.where(illness, lognormal(sh["illness_out_of_pocket"]), 0.0)
        + np.where(disability, lognormal(sh["illness_out_of_pocket"]) * 0.5, 0.0)
    )
    school_cost = np.where(school, lognormal(sh["school_cost"]) * higher, 0.0)
    accident_cost = np.where(accident, lognormal(sh["accident_cost"]), 0.0)
    return {
        "illness": illness,
        "disability": disability,
        "disaster": disaster,
        "accident": accident,
        "job_loss": job_loss,
        "school": school,
        "project_failure": project_failure,
        "loss": loss,
        "job_loss_share": job_loss_share,
        "project_loss_share": project_loss_share,
        "out_of_pocket": out_of_pocket,
        "rigid_other": np.round(school_cost + accident_cost),
        "school_cost": np.round(school_cost),
        "accident_cost": np.round(accident_cost),
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
    month_rng = stream(sim["seed"], "shock_months")
    mon = sim["monitoring"]
    world = World(
        households, persons, villages, np.zeros((len(villages), 1)), np.zeros(len(households))
    )
    state = _MonitoringState(households)
    exited = households["household_status"].to_numpy() == EXITED
    health = world.persons["health"].to_numpy().astype(str)
    ill = world.per_household(np.char.find(health, "病") >= 0) > 0
    precursor(rng, state, households, ill, float(line_2020), mon)
    # The registry years' productivity differences shrink (persistence < 1) [U]: the period's
    # employment programmes (31 M 脱贫劳动力 in work [C]) lift the weakest earners most.
    median = np.median(state.productivity[exited])
    state.productivity = median * (state.productivity / median) ** mon["productivity_persistence"]
    state.target = np.nanmean(households["income_2020"].to_numpy())
    hh_rows, person_rows = [], []
    for year in mon["years"]:
        record, persons_now = _monitoring_year(
            rng, world, state, year, float(monitoring_line[year]), sim, month_rng
        )
        hh_rows.append(record)
        person_rows.append(
            persons_now.assign(year=year, in_system=record["in_system"].to_numpy()[world.member_of])
        )
    return pd.concat(hh_rows, ignore_index=True), pd.concat(person_rows, ignore_index=True)


def shock_months(rng, world: World, shocks: dict, mon: dict) -> dict:
    """When in the year each shock happens (1–12; 0: none) — a disaster strikes a whole village
    at once — and the month a household hit by any shock is found (its first shock's month plus
    a discovery lag drawn from ``alerts.discovery_lag`` [U], within the year). Drawn from a
    stream of their own: every earlier draw of the simulation stays as it was."""
    n = world.n
    months = {}
    for shock in RISK_OF_SHOCK:
        drawn = (
            rng.integers(1, 13, len(world.villages))[world.village]
            if shock == "disaster"
            else (rng.integers(1, 13, n))
        )
        months[f"{shock}_month"] = np.where(shocks[shock], drawn, 0)
    stacked = np.column_stack([months[f"{s}_month"] for s in RISK_OF_SHOCK]).astype(float)
    stacked[stacked == 0] = np.inf
    first = stacked.min(axis=1)
    lag = np.asarray(mon["alerts"]["discovery_lag"])[
        rng.integers(0, len(mon["alerts"]["discovery_lag"]), n)
    ]
    # Within the year: a lag past December wraps into the months left after the shock (a
    # cap at 12 would pile a quarter of the year's identifications into December).
    start = np.nan_to_num(first, posinf=1).astype(int)
    found = np.where(np.isfinite(first), start + lag % (13 - start), 0)
    return months | {"found_month": found.astype(int)}


def _monitoring_year(rng, world: World, state, year: int, line: float, sim: dict, month_rng):
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
    shocks |= shock_months(month_rng, world, shocks, mon)
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
    apply_losses(income, shocks)
    measure_income(rng, state, income, members, mon)
    income["ecommerce"] = online
    state.target *= 1 + mon["income_growth"][year]
    size = households["size"].to_numpy()
    scale_market_income(income, size, exited, state.target)
    standard = inc["dibao_per_person"][k]
    grant_dibao(rng, state, income, members, standard, mon)
    # 低保 pays the shortfall of the scaled income and adds to the mean: the market incomes
    # are scaled so that the mean with 低保 follows the path (a few fixed-point rounds).
    payment = dibao_payment(state, income, size, standard, mon)
    for _ in range(3):
        dibao_mean = (payment / size)[exited].mean()
        scale_market_income(income, size, exited, state.target - dibao_mean)
        payment = dibao_payment(state, income, size, standard, mon)
    income["transfer"] = income["transfer"] + payment
    income["net"] = income["net"] + payment
    income["per_capita"] = income["net"] / size
    rigid = shocks["out_of_pocket"] + shocks["rigid_other"]
    decision = identify(rng, world, state, year, line, income, rigid, members, shocks, mon)
    eliminate(rng, state, year, line, income, members, decision, mon)
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
        # 低保 of the registry years, and 兜底 enrolment, carry into the period.
        self.dibao = np.isin(
            households["household_type"].to_numpy(), ["低保贫困户", "特困供养贫困户"]
        ) | households["assisted_2020"].to_numpy().astype(bool)
        self.monitored = np.zeros(n, bool)
        self.ever = np.zeros(n, bool)
        self.since = np.zeros(n, int)  # YYYYMM of the current (or last) identification
        self.category = np.full(n, "", dtype=object)
        self.risks = np.full(n, "", dtype=object)
        self.measures = np.full(n, "", dtype=object)
        self.eliminated_since = np.zeros(n, int)
        self.elimination_mode = np.full(n, "", dtype=object)
        self.measures_last_year = np.zeros(n, bool)
        # The registry years' development measures stop in 2019 (``measures``); the
        # monitoring measures pay through ``monitoring_income.measure_income``.
        self.gain_wage = np.zeros(n)
        self.gain_business = np.zeros(n)
        self.prev_income_pc = np.nan_to_num(households["income_2020"].to_numpy(), nan=0.0)
        self.target = 0.0  # the 脱贫户's mean per-capita income the year's incomes follow


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
            **{f"{s}_month": shocks[f"{s}_month"] for s in RISK_OF_SHOCK},
            "found_month": shocks["found_month"],
            "disaster_loss": shocks["loss"],
            "school_cost": shocks["school_cost"],
            "accident_cost": shocks["accident_cost"],
            "job_loss_share": shocks["job_loss_share"],
            "productivity": state.productivity.copy(),
        }
    )
