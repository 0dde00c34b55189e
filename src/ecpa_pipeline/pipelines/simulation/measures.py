"""措施到户 in the registry years: who gets which development measure, and what it pays.

Each development measure (电商培训, 技能培训, 就业帮扶, 产业扶持, 小额信贷) reaches a household as
officials assign it: the township's programme has started (rollout in waves by township), the
household meets the measure's rule, the village has a capacity for it this year, and within
the village cadres choose by the main cause, by need and by their own judgement of who will
make it work — which follows the household's latent productivity, a thing no export shows
(confounding), and chance. A measure assigned in year t changes the household's market
income of t + 1 by its *effect*: an amount that depends on the household (labour, age,
education, work away, land, a business) and its village (broadband, e-commerce station,
express point, online sales), times a hidden factor of its own. Every household-year has an
effect for every measure, assigned or not: that is the simulator's causal truth.

Entitlements (健康扶贫, 教育扶贫, 低保兜底, 危房改造, 生态补偿, 易地扶贫搬迁) follow their rules
elsewhere (``exports/income.py``, ``dynamics``): they are not measures to optimise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .random import stream
from .state import World

#: The development measures (the export's words) and their column suffixes.
DEVELOPMENT = {
    "电商培训": "ecommerce_training",
    "技能培训": "skills_training",
    "就业帮扶": "employment",
    "产业扶持": "industry",
    "小额信贷": "microcredit",
}

#: The household-year record's columns this module adds (``dynamics.development_measures``).
RECORD_COLUMNS = [
    "measure_gain_received",
    *(
        f"{kind}_{suffix}"
        for suffix in DEVELOPMENT.values()
        for kind in ("candidate", "assigned", "effect")
    ),
]


def rollout(world: World, params: dict, seed: int) -> dict[str, np.ndarray]:
    """The year each measure's programme starts in each household's township: a draw per
    township between the measure's first and last start year (waves)."""
    rng = stream(seed, "measure_rollout")
    villages = world.villages
    township, _ = pd.factorize(villages["county_code"] + villages["township"])
    start = {}
    for name in DEVELOPMENT:
        first, last = params["rollout_years"][name]
        by_township = rng.integers(first, last + 1, township.max() + 1)
        start[name] = by_township[township][world.village]
    return start


def hidden_factors(world: World, params: dict, seed: int) -> dict[str, np.ndarray]:
    """Each household's own response to each measure, never exported: lognormal, mean 1."""
    rng = stream(seed, "measure_response")
    sigma = params["hidden_sigma"]
    return {name: np.exp(rng.normal(-(sigma**2) / 2, sigma, world.n)) for name in DEVELOPMENT}


def conditions(world: World, members: dict, income: dict, k: int) -> dict:
    """What the effects and the rules depend on, per household in this year."""
    n_young = members["n_young_able"]
    edu_of_young = members["education_of_young"]
    villages = world.villages
    v = world.village
    revenue = world.revenue[:, k]
    households_per_village = np.bincount(v, minlength=len(villages))
    net_business = income["business_income"] - income["business_cost"]
    return {
        "n_able": members["n_able"],
        "n_labour": members["n_labour"],
        "n_young_able": n_young,
        "education_of_young": edu_of_young,
        "works_away": members["migrant_months"] > 0,
        "farmland_mu": world.households["farmland_mu"].to_numpy(),
        # A business of its own this year (net business income above half the median) or a
        # cooperative's member: what makes a loan productive.
        "has_business": (net_business > 0.5 * np.median(net_business))
        | world.households["cooperative_member"].to_numpy(),
        "ready": world.ready,
        "express_point": villages["express_point"].to_numpy()[v],
        "online_revenue_per_household": (revenue / np.maximum(households_per_village, 1))[v],
        "main_cause": world.households["main_cause"].to_numpy(),
        "ill_or_disabled": np.isin(world.households["main_cause"].to_numpy(), ["因病", "因残"]),
    }


def effects(cond: dict, hidden: dict, productivity: np.ndarray, growth: float, params: dict):
    """Each measure's effect on next year's market income (yuan per household), for every
    household: what the household would gain if it got the measure.

    The shapes follow the published evaluations (see ``parameters_simulation.yml``): rural
    e-commerce pays little on average and only the young where the village is connected and
    sells online; training pays per young worker, more with schooling; a public-welfare or
    local job pays its wage less what the worker would have earned away; industry awards pay
    with land and labour and with the household's own productivity; microcredit pays those
    who already run a business and costs a little for the others.
    """
    e = params["effects"]
    scale = params["effect_scale"] * growth
    fit = np.clip(cond["online_revenue_per_household"] / e["电商培训"]["revenue_reference"], 0, 1)
    ecommerce = (
        e["电商培训"]["per_young_worker"]
        * np.minimum(cond["n_young_able"], 2)
        * cond["ready"]
        * (0.5 + 0.5 * cond["express_point"])
        * fit
    )
    skills = (
        e["技能培训"]["per_young_worker"]
        * np.minimum(cond["n_young_able"], 2)
        * (0.6 + 0.2 * cond["education_of_young"])
    )
    employment = (
        e["就业帮扶"]["post_wage"]
        * (cond["n_labour"] > 0)
        * (1 - e["就业帮扶"]["forgone_share_if_away"] * cond["works_away"])
    )
    land = np.clip(np.sqrt(cond["farmland_mu"] / e["产业扶持"]["land_reference_mu"]), 0.3, 2.0)
    industry = e["产业扶持"]["award"] * land * (cond["n_labour"] > 0) * np.sqrt(productivity / 0.6)
    credit = np.where(
        cond["has_business"] & (cond["n_able"] > 0),
        e["小额信贷"]["return_with_business"],
        -e["小额信贷"]["cost_without_business"],
    )
    raw = {
        "电商培训": ecommerce,
        "技能培训": skills,
        "就业帮扶": employment,
        "产业扶持": industry,
        "小额信贷": credit,
    }
    return {name: np.round(scale * raw[name] * hidden[name]) for name in DEVELOPMENT}


def eligibility(cond: dict, start: dict, year: int) -> dict[str, np.ndarray]:
    """The written rules: the township's programme has started and the household qualifies."""
    rule = {
        "电商培训": cond["n_young_able"] > 0,
        "技能培训": cond["n_young_able"] > 0,
        "就业帮扶": cond["n_labour"] > 0,
        "产业扶持": (cond["n_labour"] > 0) & (cond["farmland_mu"] > 0),
        # 评级授信: a member who can work, no long illness or disability as the main cause.
        "小额信贷": (cond["n_able"] > 0) & ~cond["ill_or_disabled"],
    }
    return {name: rule[name] & (start[name] <= year) for name in DEVELOPMENT}


def assign(rng, world: World, candidates: dict, cond: dict, productivity, need, params) -> dict:
    """Within each village, the measure's capacity (a share of its candidates, at least one)
    goes to the candidates cadres rank first: the main cause the measure answers, need
    (income below the line), their judgement of who will make it work (latent productivity)
    and chance."""
    j = params["judgement"]
    v = world.village
    assigned = {}
    for name in DEVELOPMENT:
        ok = candidates[name]
        cause = np.isin(cond["main_cause"], params["answers_cause"].get(name, []))
        score = (
            j["cause"] * cause
            + j["need"] * need
            + j["productivity"] * np.log(productivity)
            + j["chance"] * rng.gumbel(size=world.n)
        )
        n_candidates = np.bincount(v, weights=ok, minlength=len(world.villages))
        capacity = np.where(
            n_candidates > 0,
            np.maximum(np.round(params["capacity_share"][name] * n_candidates), 1),
            0,
        )
        # Rank within village, best first; non-candidates last.
        order = np.lexsort((-np.where(ok, score, -np.inf), v))
        rank = np.empty(world.n, dtype=int)
        first_of_village = np.searchsorted(v[order], v[order], side="left")
        rank[order] = np.arange(world.n) - first_of_village
        assigned[name] = ok & (rank < capacity[v])
    return assigned


def truth_table(households: pd.DataFrame, household_years: pd.DataFrame) -> pd.DataFrame:
    """One row per household-year: each measure's candidate / assigned / effect (yuan of
    market income in t + 1), the market income of t and of t + 1 without this year's measures
    (``market_income_next_none``; a household under measure m would have had it + effect_m).
    Missing next year (the household left the registry) → NaN."""
    hy = household_years
    market = hy["wage_income"] + hy["business_income"] - hy["business_cost"] + hy["property_income"]
    without_last_year = (market - hy["measure_gain_received"]).to_numpy()
    next_year = pd.Series(
        without_last_year, index=pd.MultiIndex.from_arrays([hy["household_idx"], hy["year"] - 1])
    )
    keys = pd.MultiIndex.from_arrays([hy["household_idx"], hy["year"]])
    codes = households[["household_code", "village_code"]].iloc[hy["household_idx"].to_numpy()]
    return pd.concat(
        [
            codes.reset_index(drop=True),
            pd.DataFrame(
                {
                    "year": hy["year"].to_numpy(),
                    "market_income": market.to_numpy(),
                    "market_income_next_none": next_year.reindex(keys).to_numpy(),
                }
            ),
            hy[RECORD_COLUMNS[1:]].reset_index(drop=True),
        ],
        axis=1,
    )
