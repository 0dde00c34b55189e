"""The monitoring-risk model's input: one row per household in the monitoring system and
not monitored at the end of year t (脱贫户, and 普通农户 whose risk was eliminated), features
known at t, label ``identified_next_year`` (identified as a monitoring object in t+1).

识别监测时间 of t+1 makes the label; it and everything filled because of a monitoring decision
(category, risks, measures, 风险消除方式, 消除监测时间, whether the risk is eliminated) never
enter a feature: the model must see a household before anyone decided about it. Ordinary
households never identified have no record in any export and so no row: the list cannot
warn of them (the model card says so).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecpa_pipeline.domain.registry import in_safety_net

from .nodes import (
    KEY,
    assets,
    audit_groups,
    composition,
    identity,
    income_structure,
    remoteness_quintile,
    truth_by_key,
    village_conditions,
)

VILLAGE = ["village_code", "county_code", "region", "terrain", "elevation_m",
           "county_distance_km", "paved_road", "broadband", "express_point",
           "ecommerce_station", "cold_chain", "poor_village"]  # fmt: skip


def monitoring_model_input(
    households: pd.DataFrame,
    members: pd.DataFrame,
    villages: pd.DataFrame,
    keys: pd.DataFrame,
    params: dict,
) -> pd.DataFrame:
    """Household-years not monitored at the end of t, features at t, label at t+1 (missing
    when the household has no record at t+1, or t is the last year)."""
    hh = households.merge(members, on=KEY, how="left")
    hh = hh.merge(_village_context(villages), on="village_code", how="left")
    by_year = hh.set_index(KEY)
    previous = by_year["income_per_capita"].rename("previous_income")
    previous.index = previous.index.set_levels(previous.index.levels[0] + 1, level=0)
    hh = hh.join(previous, on=KEY)
    nxt = households[[*KEY, "monitoring_since"]].assign(year=households["year"] - 1)
    hh = hh.merge(nxt.rename(columns={"monitoring_since": "next_since"}), on=KEY, how="left")
    listed_next = hh[KEY].merge(nxt[KEY].assign(listed=True), on=KEY, how="left")["listed"]
    hh = hh[~hh["monitored_now"].fillna(False).astype(bool)].copy()
    listed_next = listed_next.loc[hh.index].fillna(False).astype(bool)
    identified = (hh["next_since"] // 100 == hh["year"] + 1).fillna(False)
    label = pd.Series(np.where(identified, 1.0, 0.0), index=hh.index).where(listed_next)

    net = hh["net_income"]
    features = pd.DataFrame(
        {
            **identity(hh, keys),
            params["label"]: label,
            **composition(hh),
            "household_status": hh["household_status"],
            "household_type": hh["household_type"].fillna("无"),
            "main_cause": hh["main_cause"].fillna("无"),
            **income_structure(hh),
            "income_change": np.log1p(hh["income_per_capita"].clip(lower=0))
            - np.log1p(hh["previous_income"].clip(lower=0)),
            "log_medical_out_of_pocket": np.log1p(hh["medical_out_of_pocket"].clip(lower=0)),
            "medical_share": hh["medical_out_of_pocket"] / net.where(net > 0),
            # The official rule's "recent shock": income fell by a third, or medical costs
            # took a third of net income.
            "recent_shock": (
                (hh["income_per_capita"] < 2 / 3 * hh["previous_income"])
                | (hh["medical_out_of_pocket"] >= net.clip(lower=0) / 3)
            ).astype(float),
            "housing_secure": hh["unsafe_housing"].eq(False).astype(float),
            "water_secure": (hh["safe_water"].eq(True) & hh["water_difficulty"].eq(False)).astype(
                float
            ),
            **assets(hh),
            # A household monitored before and no longer (its earlier record is known at t).
            "previously_monitored": hh["monitored"].astype(float),
            # 综合保障 at the end of t (contract §9): in the safety net (低保 or 特困供养).
            "safety_net": in_safety_net(hh),
            **village_conditions(hh),
            **audit_groups(hh),
        }
    )
    return features.sort_values(["year", "household_key"]).reset_index(drop=True)


def _village_context(villages: pd.DataFrame) -> pd.DataFrame:
    """The village survey's conditions and the remoteness quintile (1 = nearest the seat)."""
    context = villages[VILLAGE].copy()
    context["remoteness_quintile"] = remoteness_quintile(context["county_distance_km"])
    return context


def monitoring_truth_by_key(truth: pd.DataFrame | None, keys: pd.DataFrame) -> pd.DataFrame:
    """The simulation's true risk of each household-year under its pseudonym (no rows with
    real data): ``risk_prob`` of year t+1 — the chance of being identified during t+1 —
    keyed by t, as the model input is."""
    return truth_by_key(truth, keys, "risk_prob")
