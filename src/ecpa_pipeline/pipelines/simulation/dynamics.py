"""Year-by-year fortunes of the registered households: one function per step of a year.

A year runs: shocks (illness, disaster) → the members' work (labour, migration, wages) →
support raising productivity → e-commerce participation and income → the household's income
→ social assistance (兜底) → 两不愁三保障 → exits → returns to poverty. Each step draws from the
one ``dynamics`` stream in that order, so the world is reproducible from its seed; a new step
or a later year (e.g. monitoring from 2021) adds a function here, not a branch in a loop.

The exit decision of a household in year t depends on observable conditions in t (income
against the line, 两不愁三保障, labour, e-commerce participation, cause, type), on its county's
exit deadline and the national exit path (quota pressure), and on latent parts no export
shows: household productivity, illness and disaster shocks, and an idiosyncratic noise term.
A model that sees the registry of year t therefore cannot know the exit of t + 1 for sure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from ecpa_pipeline.domain.base_rate import intercept_for_mean
from ecpa_pipeline.domain.registry import ABLE_LABOUR

from . import measures as measure_steps
from .households import person_year_state
from .random import stream
from .state import Carry, World

STATUS_POOR, STATUS_NEW, STATUS_EXITED, STATUS_RETURNED, STATUS_REMOVED = (
    "贫困户",
    "新识别贫困户",
    "脱贫户",
    "返贫户",
    "清退户",
)
#: How much of a village's e-commerce income each way of taking part earns (relative shares).
MODE_WEIGHT = {"自营网店": 3.0, "合作社或企业代销": 1.0, "电商就业": 1.5, "扶贫专店代销": 0.8}
SAFETY_NET_TYPES = ["低保贫困户", "特困供养贫困户"]


def draw_shocks(rng, world: World, carry: Carry, shocks: dict) -> dict:
    """Illness (twice as likely where illness caused the poverty; half become chronic) and
    village-wide disasters with their share of the harvest lost."""
    n = world.n
    cause = world.households["main_cause"].to_numpy()
    illness = rng.random(n) < shocks["illness_rate"] * np.where(cause == "因病", 2.0, 1.0)
    carry.chronic_ill |= illness & (rng.random(n) < 0.5)
    disaster_village = rng.random(len(world.villages)) < shocks["disaster_rate_per_village"]
    disaster = disaster_village[world.village]
    loss = np.where(disaster, rng.uniform(*shocks["disaster_loss"], n), 0.0)
    return {"illness": illness, "disaster": disaster, "loss": loss}


def members_work(rng, world: World, year: int, k: int, ill: np.ndarray, illness, inc: dict):
    """Each member's state, who works away and for how long, and their wages; the household
    counts the exit decision and the guarantees need."""
    persons, ph = world.persons, world.member_of
    ps = person_year_state(persons, year, ill)
    able = ps["labour_skill"].isin(ABLE_LABOUR).to_numpy().copy()
    able &= ~(illness[ph] & (persons["member_seq"].to_numpy() <= 1))
    # Who works away is persistent from year to year, with some churn.
    churn = 0.7 * persons["migrant_draw"].to_numpy() + 0.3 * rng.random(len(ph))
    migrant = able & (churn < persons["migrant_propensity"].to_numpy() * 0.9)
    months = np.where(migrant, rng.integers(3, 13, len(ph)), 0)
    wage_rate = (
        pd.Series(inc["migrant_monthly_wage"]).reindex(persons["migrant_destination"]).to_numpy()
    )
    growth = (1 + inc["wage_growth"]) ** k
    person_wage = months * wage_rate * growth + np.where(
        able & ~migrant, 1800 * growth * rng.uniform(0.2, 1.0, len(ph)), 0
    )
    weak = ps["labour_skill"].to_numpy() == "弱劳动力或半劳动力"
    disabled = np.char.find(ps["health"].to_numpy().astype(str), "残疾") >= 0
    age = ps["age"].to_numpy()
    young_able = able & (age >= 18) & (age <= 45)
    n_young_able = world.per_household(young_able)
    household = {
        "wage": world.per_household(person_wage),
        "n_able": world.per_household(able),
        "n_labour": world.per_household(able | weak),
        "n_elder": world.per_household(ps["age"].to_numpy() >= 60),
        "n_disabled": world.per_household(disabled),
        "n_students": world.per_household(ps["in_school"].to_numpy()),
        "dropout": world.per_household((ps["school_status"] == "辍学").to_numpy()) > 0,
        "insured_all": world.per_household(persons["insured_from"].to_numpy() > year) == 0,
        "migrant_months": world.per_household(months),
        "n_young_able": n_young_able,
        "education_of_young": world.per_household(
            np.where(young_able, persons["education_level"].to_numpy(), 0)
        )
        / np.maximum(n_young_able, 1),
    }
    person_rows = ps.assign(
        person_idx=np.arange(len(ph)),
        year=year,
        migrant_work=np.where(migrant, persons["migrant_destination"].to_numpy(), "未务工"),
        migrant_months=months,
        insured=persons["insured_from"].to_numpy() <= year,
    )
    return household, person_rows


def support_productivity(world: World, carry: Carry, present, year: int, k: int, line, inc):
    """Support received since registration raises productivity (产业扶持, 就业帮扶 …), more
    for households still poor and near or below the line last year."""
    # Support continues for a while after exit (脱贫不脱政策).
    supported = ~carry.exited | (year - carry.exit_year <= inc["support_years_after_exit"])
    targeted = present & supported & (carry.prev_income_pc < 1.5 * line)
    support = np.where(
        targeted, inc["support_growth"] + inc["support_growth_step"] * k, inc["untargeted_growth"]
    )
    carry.productivity = carry.productivity * np.where(k == 0, 1.0, support)


def ecommerce_year(world: World, present, n_able, year: int, k: int, sim: dict) -> dict:
    """Who takes part in e-commerce (growing with the village's readiness and the year's
    path; shop owners always) and each participant's share of the village's online income."""
    hh = world.households
    path = sim["ecommerce"]["participation_path"][year]
    participating = (
        present & (hh["ecommerce_propensity"].to_numpy() < path * 2.2 * world.ready) & (n_able > 0)
    )
    owns_shop = present & (hh["shop_owner_from"].to_numpy() <= year)
    participating |= owns_shop
    mode = np.where(owns_shop, "自营网店", hh["ecommerce_mode"].to_numpy())
    w = np.where(participating, pd.Series(MODE_WEIGHT).reindex(mode).to_numpy(), 0.0)
    v = world.village
    w_total = np.bincount(v, weights=w, minlength=len(world.villages))
    income = np.where(
        w > 0,
        sim["income"]["ecommerce_income_share"]
        * world.revenue[v, k]
        * w
        / np.where(w_total[v] > 0, w_total[v], 1),
        0.0,
    )
    income = np.round(income)
    wage = np.where(mode == "电商就业", income, 0.0)
    return {
        "participating": participating,
        "mode": mode,
        "income": income,
        "wage": wage,
        "business": income - wage,
    }


def household_income(rng, world, carry, year, k, members, ecommerce, shocks, inc) -> dict:
    """The income record's components: wages, farm and e-commerce business, property and
    transfers (低保/特困, pensions, disability, ecological compensation, schooling)."""
    hh, n = world.households, world.n
    productivity = carry.productivity
    wage = np.round(members["wage"] * productivity + ecommerce["wage"] + carry.gain_wage)
    farm = (
        hh["farmland_mu"].to_numpy()
        * inc["farm_value_per_mu"]
        * (1 + inc["farm_value_growth"]) ** k
    )
    farm = (
        farm * productivity * (1 - shocks["loss"]) * rng.uniform(0.7, 1.3, n)
        + rng.gamma(1.0, 600, n) * productivity
    )
    cost_ratio = inc["business_cost_ratio"]
    business_income = np.round(
        farm + (ecommerce["business"] + carry.gain_business) / (1 - cost_ratio)
    )
    business_cost = np.round(business_income * cost_ratio)
    property_income = np.round(np.where(rng.random(n) < 0.3, rng.gamma(1.0, 400, n), 0.0))
    htype, size = hh["household_type"].to_numpy(), hh["size"].to_numpy()
    safety_net = np.isin(htype, SAFETY_NET_TYPES)
    transfer = (
        safety_net
        * inc["dibao_per_person"][k]
        * size
        * np.where(htype == "特困供养贫困户", 1.4, 1.0)
        + members["n_elder"] * inc["pension_per_elder"][k]
        + members["n_disabled"] * inc["disability_subsidy"]
        + hh["forest_mu"].to_numpy() * inc["eco_compensation_per_forest_mu"]
        + members["n_students"] * 500 * (year >= 2016)
    )
    return {
        "wage": wage,
        "business_income": business_income,
        "business_cost": business_cost,
        "property_income": property_income,
        "transfer": transfer,
        "safety_net": safety_net,
        "net": wage + business_income - business_cost + property_income + transfer,
    }


def social_assistance(rng, world, carry, income: dict, poor_at_start, n_able, line, coverage):
    """兜底: a growing share of the remaining poor is topped up to the line, all of them in
    the final year. Under quota pressure, support reaches first those closest to the line
    (cheapest to lift) and those who cannot work their way out (低保/特困, no able labour).
    A household once enrolled stays enrolled after its exit (脱贫不脱政策): it is topped up
    whenever its income falls below the line again."""
    size = world.households["size"].to_numpy()
    net = income["net"]
    gap = np.clip(1 - net / size / line, 0, 1)
    priority = 2.0 * np.exp(-3 * gap) * np.where(income["safety_net"] | (n_able == 0), 1.3, 1.0)
    reach = 1.0 if coverage >= 1 else np.clip(coverage * priority, 0, 1)
    covered = (poor_at_start & (rng.random(world.n) < reach)) | (carry.assisted & ~carry.removed)
    carry.assisted |= covered
    shortfall = np.where(covered, np.clip(line * 1.05 * size - net, 0, None), 0.0)
    income["transfer"] = np.round(income["transfer"] + shortfall)
    income["net"] = net + shortfall
    income["per_capita"] = income["net"] / size


def guarantees_year(rng, world, carry: Carry, year: int, k: int, members: dict) -> np.ndarray:
    """两不愁三保障: housing and water improve with support, faster near the deadline."""
    deadline = world.villages["county_deadline"].to_numpy()[world.village]
    fix_rate = np.where(deadline <= year + 1, 0.6, 0.3)
    if k > 0:
        carry.unsafe_housing &= ~(rng.random(world.n) < fix_rate)
        carry.unsafe_water &= ~(rng.random(world.n) < fix_rate)
    return (
        ~carry.unsafe_housing & ~carry.unsafe_water & ~members["dropout"] & members["insured_all"]
    )


def exit_decisions(rng, world, year, poor_at_start, income, members, ecommerce, shocks, met, sim):
    """Exit among households poor at the start of the year: observable conditions, the
    county's deadline, hidden shocks and noise, scaled to the year's national exit hazard."""
    ex = sim["exit"]
    hh = world.households
    line = income["line"]
    income_pc = income["per_capita"]
    eligible = (income_pc >= line) & met
    deadline = world.villages["county_deadline"].to_numpy()[world.village]
    wts = ex["weights"]
    base = (
        wts["log_income_ratio"] * np.log(np.clip(income_pc, 50, None) / line)
        + wts["guarantees_met"] * met
        + wts["labour_ratio"] * members["n_labour"] / hh["size"].to_numpy()
        + wts["ecommerce_participation"] * ecommerce["participating"] * (0.5 + world.ready)
        + wts["safety_net_type"] * income["safety_net"]
        + wts["cause_illness_or_disability"]
        * np.isin(hh["main_cause"].to_numpy(), ["因病", "因残"])
        - 1.5 * shocks["illness"]
        - 1.0 * shocks["disaster"]
        + ex["deadline_year_logit_boost"] * (deadline == year)
        + rng.normal(0, sim["shocks"]["exit_noise_sigma"], world.n)
    )
    base = np.where(eligible, base, base + np.log(ex["ineligible_exit_factor"]))
    target = ex["hazard_path"][year]
    exit_prob = np.full(world.n, np.nan)
    if poor_at_start.any():
        if target >= 1.0:
            exit_prob[poor_at_start] = 1.0
        else:
            a = intercept_for_mean(base[poor_at_start], target)
            exit_prob[poor_at_start] = expit(base[poor_at_start] + a)
    exits = poor_at_start & (rng.random(world.n) < np.nan_to_num(exit_prob))
    return {"eligible": eligible, "exit_prob": exit_prob, "exits": exits}


def returns_to_poverty(rng, world, was_exited, income, shocks, year: int, ex: dict):
    """Returns to poverty among households that exited in an earlier year, at the year's
    rate (``return_rate``), ``return_shock_factor`` times as likely after a shock that
    leaves the income near the line."""
    shocked = shocks["illness"] | shocks["disaster"]
    near_line = income["per_capita"] < income["line"] * 1.2
    base = float(ex["return_rate"].get(year, 0.0))
    rate = np.where(shocked & near_line, base * ex["return_shock_factor"], base)
    return was_exited & (rng.random(world.n) < rate)


WAGE_MEASURES = ("技能培训", "就业帮扶")


def development_measures(rng, world, carry, present, year, k, members, income, plan, sim):
    """This year's development measures (``measures``): every household's effect of each,
    who is a candidate and who gets which; what they pay goes to next year's income. After
    ``last_assignment_year`` none is assigned (the monitoring years have measures of their
    own). Returns the year's columns of the household-year record."""
    params, inc = sim["measures"], sim["income"]
    received = carry.gain_wage + carry.gain_business
    cond = measure_steps.conditions(world, members, income, k)
    effect = measure_steps.effects(
        cond, plan["hidden"], carry.productivity, (1 + inc["wage_growth"]) ** k, params
    )
    supported = ~carry.exited | (year - carry.exit_year <= inc["support_years_after_exit"])
    eligible = measure_steps.eligibility(cond, plan["start"], year)
    if year > params["last_assignment_year"]:
        candidates = {name: np.zeros(world.n, dtype=bool) for name in eligible}
    else:
        candidates = {name: ok & present & supported for name, ok in eligible.items()}
    need = np.clip(1 - income["per_capita"] / income["line"], 0, 1)
    assigned = measure_steps.assign(rng, world, candidates, cond, carry.productivity, need, params)
    paid = {name: np.where(assigned[name], effect[name], 0.0) for name in assigned}
    carry.gain_wage = sum(paid[name] for name in WAGE_MEASURES)
    carry.gain_business = sum(paid[name] for name in paid if name not in WAGE_MEASURES)
    columns = {"measure_gain_received": received}
    for name, suffix in measure_steps.DEVELOPMENT.items():
        columns[f"candidate_{suffix}"] = candidates[name]
        columns[f"assigned_{suffix}"] = assigned[name]
        columns[f"effect_{suffix}"] = effect[name]
    return columns


def simulate_household_years(
    households: pd.DataFrame,
    persons: pd.DataFrame,
    villages: pd.DataFrame,
    village_revenue: pd.DataFrame,
    poverty_line: dict,
    sim: dict,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Income, guarantees, e-commerce, shocks, status and exit of every household by year.

    Returns:
        ``household_years``: one row per household and year it appears in the registry, with
        observable fields (income components, guarantees, status, exit year) and truth
        fields (exit_prob, eligible, shocks, wrongful_exit).
        ``person_years``: one row per person and year (age, health, school, labour, migration).
    """
    rng = stream(sim["seed"], "dynamics")
    inc, years = sim["income"], list(sim["years"])
    revenue = village_revenue.pivot_table(
        index="village_code", columns="year", values="revenue", fill_value=0.0
    )
    ready = (
        0.3 * villages["broadband"].to_numpy()
        + 0.4 * villages["ecommerce_station"].to_numpy()
        + 0.3 * villages["express_point"].to_numpy()
    )[households["village_idx"].to_numpy()]
    world = World(
        households,
        persons,
        villages,
        revenue.reindex(index=villages["village_code"], columns=years, fill_value=0.0).to_numpy(),
        ready,
    )
    carry = Carry.start(households)
    measure_rng = stream(sim["seed"], "measures")
    plan = {
        "start": measure_steps.rollout(world, sim["measures"], sim["seed"]),
        "hidden": measure_steps.hidden_factors(world, sim["measures"], sim["seed"]),
    }
    registered_year = households["registered_year"].to_numpy()
    hh_rows, person_rows = [], []
    for k, year in enumerate(years):
        present = (registered_year <= year) & ~carry.removed
        new_now = (registered_year == year) & (year > years[0])
        removed_now = present & (households["removal_year"].to_numpy() == year)
        line = float(poverty_line[year])

        shocks = draw_shocks(rng, world, carry, sim["shocks"])
        members, persons_now = members_work(
            rng, world, year, k, carry.chronic_ill | shocks["illness"], shocks["illness"], inc
        )
        support_productivity(world, carry, present, year, k, line, inc)
        ecommerce = ecommerce_year(world, present, members["n_able"], year, k, sim)
        income = household_income(rng, world, carry, year, k, members, ecommerce, shocks, inc)
        income["line"] = line
        poor_at_start = present & ~carry.exited & ~new_now & ~removed_now
        social_assistance(
            rng,
            world,
            carry,
            income,
            poor_at_start,
            members["n_able"],
            line,
            inc["safety_net_coverage"][year],
        )
        carry.prev_income_pc = income["per_capita"]
        measure_columns = development_measures(
            measure_rng, world, carry, present & ~removed_now, year, k, members, income, plan, sim
        )
        met = guarantees_year(rng, world, carry, year, k, members)
        exits = exit_decisions(
            rng, world, year, poor_at_start, income, members, ecommerce, shocks, met, sim
        )
        was_exited = present & carry.exited & ~removed_now
        returns_now = returns_to_poverty(rng, world, was_exited, income, shocks, year, sim["exit"])
        if sim["exit"]["hazard_path"][year] >= 1:
            # A decreed year: who returned during it exits again with everyone left.
            exits["exits"] |= returns_now
        carry.exited = (carry.exited & ~returns_now) | exits["exits"]
        carry.returned |= returns_now
        carry.exit_year = np.where(exits["exits"], year, carry.exit_year)

        status = np.select(
            [removed_now, new_now, carry.exited, carry.returned],
            [STATUS_REMOVED, STATUS_NEW, STATUS_EXITED, STATUS_RETURNED],
            STATUS_POOR,
        )
        exits["returns"] = returns_now
        record = _household_year(
            rng, world, carry, year, status, income, members, ecommerce, shocks, met, exits
        )
        hh_rows.append(record.assign(**measure_columns)[present])
        person_rows.append(persons_now[present[world.member_of]])
        carry.removed |= removed_now
    return pd.concat(hh_rows, ignore_index=True), pd.concat(person_rows, ignore_index=True)


def _household_year(
    rng, world, carry, year, status, income, members, ecommerce, shocks, met, exits
):
    """One year's row per household: what the exports show, and the truth beside it."""
    hh = world.households
    return pd.DataFrame(
        {
            "household_idx": np.arange(world.n),
            "year": year,
            "status": status,
            "exit_year": np.where(carry.exited, carry.exit_year, 0),
            "wage_income": income["wage"],
            "business_income": income["business_income"],
            "business_cost": income["business_cost"],
            "property_income": income["property_income"],
            "transfer_income": income["transfer"],
            "ecommerce_income": ecommerce["income"],
            "ecommerce_mode": np.where(ecommerce["participating"], ecommerce["mode"], "未参与"),
            "income_per_capita": np.round(income["per_capita"], 2),
            "unsafe_housing": carry.unsafe_housing.copy(),
            "safe_water": ~carry.unsafe_water,
            "water_difficulty": carry.unsafe_water & (rng.random(world.n) < 0.8),
            "dropout": members["dropout"],
            "guarantees_met": met,
            "migrant_months": members["migrant_months"],
            "years_registered": np.clip(year - hh["registered_year"].to_numpy(), 0, None),
            "eligible": exits["eligible"],
            "exit_prob": exits["exit_prob"],
            "exited_this_year": exits["exits"],
            "returned_this_year": exits["returns"],
            "wrongful_exit": exits["exits"] & ~exits["eligible"],
            "illness_shock": shocks["illness"],
            "disaster_shock": shocks["disaster"],
            "productivity": carry.productivity.copy(),
            "assisted": carry.assisted.copy(),
            "poverty_line": income["line"],
        }
    )
