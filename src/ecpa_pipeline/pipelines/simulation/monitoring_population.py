"""Who lives through the monitoring years: the 2020 registry's households (脱贫户) and the
ordinary households (普通农户) near the line, with what each carries out of 2020."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .households import build_households, build_persons
from .monitoring_decisions import EXITED, ORDINARY
from .random import stream


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
        assisted_2020=last["assisted"].to_numpy(),
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
        assisted_2020=False,
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
