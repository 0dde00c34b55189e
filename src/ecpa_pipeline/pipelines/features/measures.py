"""The measure-effect rows (for ``measure_effects`` and the officials' lists): one row per
household-year the registry supports at t, with the measures it got at t (帮扶措施), what it
looked like at t and its market income at t + 1 — the learning input holds the rows whose
t + 1 is recorded; the latest year's households, whose gains the lists show, have none yet.

Market income = wages + business income − business costs + property income: what a
development measure can raise. Transfers are left out on purpose — 兜底 tops a household up
to the line, so net income would hide the effect of any measure on a household it tops up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecpa_pipeline.domain.ordering import in_content_order

from . import nodes as features

KEY = ["household_code", "year"]


def market_income(hh: pd.DataFrame) -> pd.Series:
    """Wages + business income − costs + property income (yuan per household)."""
    return hh["wage_income"] + hh["business_income"] - hh["business_cost"] + hh["property_income"]


def supported(hh: pd.DataFrame, poor_statuses: list[str], years_after_exit: int) -> pd.Series:
    """Households development measures are for at t: registered poor, or exited at most
    ``years_after_exit`` years before (脱贫不脱政策)."""
    exited_recently = (hh["household_status"] == "脱贫户") & (
        hh["exit_year"] >= hh["year"] - years_after_exit
    )
    return hh["household_status"].isin(poor_statuses) | exited_recently


def effect_split(
    households: pd.DataFrame,
    members: pd.DataFrame,
    villages: pd.DataFrame,
    keys: pd.DataFrame,
    poverty_line: dict,
    params: dict,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The learning input (the rows below whose outcome is recorded) and every row:
    household-years supported at t with the year's income record: features at t, the
    measures of t (``assist_*``, booleans), ``market_income`` at t, t − 1 and t − 2, the
    outcome ``market_income_next`` (NaN where t + 1 has no record yet) and ``township`` (the
    village code's first 9 digits: the level programmes roll out at)."""
    hh = households.merge(members, on=KEY, how="left").merge(
        villages, on=["year", "village_code"], how="left"
    )
    income = market_income(households)
    by_year = pd.Series(income.to_numpy(), index=pd.MultiIndex.from_frame(households[KEY]))
    here = pd.MultiIndex.from_frame(hh[KEY])
    shifted = {
        lag: by_year.reindex(
            pd.MultiIndex.from_arrays([hh["household_code"], hh["year"] + lag])
        ).to_numpy()
        for lag in (1, -1, -2)
    }
    hh = hh.assign(
        market_income=by_year.reindex(here).to_numpy(),
        market_income_next=shifted[1],
        market_income_last=shifted[-1],
        market_income_before_last=shifted[-2],
    )
    assist = [c for c in hh.columns if c.startswith("assist_")]
    # Without the year's income record the measures of t are unknown (not "none"): left out.
    keep = supported(hh, params["poor_statuses"], params["years_after_exit"]) & hh[
        assist
    ].notna().all(axis=1)
    hh = hh[keep]
    frame = pd.DataFrame(
        {
            **features.identity(hh, keys),
            "township": hh["village_code"].str[:9],
            **features.composition(hh),
            "n_young_labour": hh["n_young_labour"],
            "household_type": hh["household_type"],
            "main_cause": hh["main_cause"],
            "household_status": hh["household_status"],
            **features.income_structure(hh),
            "market_income": hh["market_income"],
            # The panel: a household's earning power shows in its past incomes, which is
            # what cadres' judgement of "who will make it work" partly sees.
            "market_income_last": hh["market_income_last"],
            "market_income_before_last": hh["market_income_before_last"],
            "wage_income": hh["wage_income"],
            "net_business_income": hh["business_income"] - hh["business_cost"],
            "guarantees_met": hh["guarantees_met"].astype(float),
            **features.assets(hh),
            **features.village_conditions(hh),
            "village_online_sales": np.log1p(hh["online_sales_yuan"]),
            **{c: hh[c].astype(bool) for c in assist},
            "market_income_next": hh["market_income_next"],
            "poverty_line_next": (hh["year"] + 1).map(
                {int(k): float(v) for k, v in poverty_line.items()}
            ),
        }
    )
    # In an order the contents fix: another pseudonym key gives the same fits and effects.
    rows = in_content_order(frame, "year", "household_key")
    learning = rows[rows["market_income_next"].notna()].reset_index(drop=True)
    return learning, rows
