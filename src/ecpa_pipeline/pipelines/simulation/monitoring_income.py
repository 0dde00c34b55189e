"""The income steps of a monitoring year that are not the registry years' own: losses from
shocks, what last year's measures pay, scaling market incomes to the published path and 低保
by tier (who gets it, what it pays)."""

from __future__ import annotations

import numpy as np


def measure_income(rng, state, income: dict, members: dict, mon: dict) -> None:
    """What last year's measures pay this year: a local job or a public-welfare post
    (就业帮扶, 公益岗位帮扶) for a member who can work, and industry awards or dividends
    (产业帮扶) — how monitored households get back above the line."""
    paid = mon["measure_income"]
    measures = np.where(state.measures_last_year, state.measures.astype(str), "")
    job = (
        (np.char.find(measures, "就业帮扶") >= 0) | (np.char.find(measures, "公益岗位帮扶") >= 0)
    ) & (members["n_labour"] > 0)
    industry = np.char.find(measures, "产业帮扶") >= 0
    n = len(measures)
    wage = np.round(np.where(job, paid["job"] * rng.uniform(0.6, 1.0, n), 0.0))
    business = np.round(np.where(industry, paid["industry"] * rng.uniform(0.5, 1.5, n), 0.0))
    income["wage"] = income["wage"] + wage
    income["business_income"] = income["business_income"] + business
    income["net"] = income["net"] + wage + business


def apply_losses(income: dict, shocks: dict) -> None:
    """Job loss cuts wages, a failed project the business income (disaster losses are in the
    harvest already)."""
    lost_wage = np.round(income["wage"] * shocks["job_loss_share"])
    lost_business = np.round(
        (income["business_income"] - income["business_cost"]) * shocks["project_loss_share"]
    )
    income["wage"] = income["wage"] - lost_wage
    income["business_cost"] = income["business_cost"] + lost_business
    income["net"] = income["net"] - lost_wage - lost_business


def scale_market_income(income: dict, size: np.ndarray, exited: np.ndarray, target: float):
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


def grant_dibao(rng, state, income: dict, members: dict, standard: float, mon: dict) -> None:
    """低保 (the minimum living allowance) for households below the standard: kept by those
    who had it, granted this year to a share of the others — most households without labour,
    fewer with labour — and to every monitored household below it (the monitoring visit
    checks social assistance; 综合保障 joins its measures)."""
    cover = mon["dibao_coverage"]
    below = income["per_capita"] < standard
    no_labour = members["n_labour"] == 0
    newly = below & (
        rng.random(len(below)) < np.where(no_labour, cover["no_labour"], cover["labour"])
    )
    monitored = below & state.monitored
    lacking = monitored & (np.char.find(state.measures.astype(str), "综合保障") < 0)
    state.measures = np.where(
        lacking,
        np.where(state.measures == "", "综合保障", state.measures + ";综合保障"),
        state.measures,
    )
    state.dibao |= newly | monitored


def dibao_payment(state, income: dict, size: np.ndarray, standard: float, mon: dict):
    """低保 paid by tier (分档) to enrolled households below the standard: the shortfall, but
    at least ``floor`` of the standard per person (yuan per household)."""
    per_person = np.maximum(
        standard - income["per_capita"], mon["dibao_coverage"]["floor"] * standard
    )
    # Rounded up to the yuan: a household topped up to the standard is not below it.
    return np.where(
        state.dibao & (income["per_capita"] < standard), np.ceil(per_person * size), 0.0
    )
