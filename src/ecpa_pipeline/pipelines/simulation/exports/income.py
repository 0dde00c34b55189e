"""Household income survey exports (``income/income_<YYYY>.csv``), with their defects."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..defects import MARK, duplicate_rows, fullwidth, mark, pick, with_marks
from ..measures import DEVELOPMENT
from . import BOOLEAN_STYLES, _bool, _headers, _num

#: Entitlements that follow the main cause; the development measures are those the year
#: assigned (``measures``: the record's ``assigned_*`` columns).
ENTITLEMENT_BY_CAUSE = {
    "因病": "健康扶贫",
    "因残": "健康扶贫",
    "因学": "教育扶贫",
    "缺劳力": "低保兜底",
    "交通条件落后": "易地扶贫搬迁",
}
MEASURES = [
    "产业扶持",
    "小额信贷",
    "技能培训",
    "电商培训",
    "就业帮扶",
    "易地扶贫搬迁",
    "健康扶贫",
    "教育扶贫",
    "危房改造",
    "生态补偿",
    "低保兜底",
]
LIST_SEPARATORS = np.array([";", "；", ",", "、"])


def _money_variants(values: pd.Series, rng: np.random.Generator) -> np.ndarray:
    """Money cells as people type them: 1,234元 / ¥1234 / 约1200 / full-width."""
    amount = pd.to_numeric(values).round().astype(np.int64)
    style = rng.integers(0, 4, len(values))
    with_commas = amount.map("{:,}".format)
    return np.select(
        [style == 0, style == 1, style == 2],
        [with_commas + "元", "¥" + amount.astype(str), "约" + amount.astype(str)],
        fullwidth(amount.astype(str)),
    )


def income_file(
    year: int, hh_year: pd.DataFrame, households: pd.DataFrame, contract: dict, rates: dict, rng
) -> pd.DataFrame:
    """Household income and living conditions of one year (one row per listed household)."""
    hs = households.iloc[hh_year["household_idx"].to_numpy()]
    n = len(hh_year)
    style = BOOLEAN_STYLES[rng.integers(0, len(BOOLEAN_STYLES))]

    chosen = {m: np.zeros(n, dtype=bool) for m in MEASURES}
    entitlement = hs["main_cause"].map(ENTITLEMENT_BY_CAUSE).to_numpy()
    for m in MEASURES:
        chosen[m] |= entitlement == m
    # The monitoring years' measures are in the monitoring export (监测帮扶措施), not here.
    for m, suffix in DEVELOPMENT.items():
        if f"assigned_{suffix}" in hh_year:
            chosen[m] = hh_year[f"assigned_{suffix}"].to_numpy()
    chosen["危房改造"] |= hh_year["unsafe_housing"].to_numpy() & (rng.random(n) < 0.7)
    chosen["生态补偿"] |= hs["forest_mu"].to_numpy() > 5
    chosen["低保兜底"] |= hs["household_type"].to_numpy() != "一般贫困户"
    sep = LIST_SEPARATORS[rng.integers(0, len(LIST_SEPARATORS), n)]
    assistance = np.full(n, "", dtype=object)
    for m in MEASURES:
        assistance = np.where(
            chosen[m], np.where(assistance == "", m, assistance + sep + m), assistance
        )

    frame = pd.DataFrame(
        {
            "household_code": hs["household_code"].to_numpy(),
            "year": str(year),
            "wage_income": _num(hh_year["wage_income"]),
            "business_income": _num(hh_year["business_income"]),
            "business_cost": _num(hh_year["business_cost"]),
            "property_income": _num(hh_year["property_income"]),
            "transfer_income": _num(hh_year["transfer_income"]),
            "ecommerce_income": _num(hh_year["ecommerce_income"]),
            "farmland_mu": _num(hs["farmland_mu"]),
            "forest_mu": _num(hs["forest_mu"]),
            "housing_m2": _num(hs["housing_m2"]),
            "road_distance_km": _num(hs["road_distance_km"]),
            "access_road": hs["access_road"].to_numpy(),
            "cooperative_member": _bool(hs["cooperative_member"].to_numpy(), style),
            "ecommerce_mode": hh_year["ecommerce_mode"].to_numpy(),
            "assistance": assistance,
        }
    )
    frame = with_marks(frame)
    money = pick(rng, n, rates["income_money_format"])
    for col in ("wage_income", "business_income", "transfer_income"):
        frame.loc[money, col] = _money_variants(frame.loc[money, col], rng)
    mark(frame, money, "income_money_format")

    orphans = pick(rng, n, rates["income_orphan_household"])
    if orphans.any():
        extra = frame[orphans].copy()
        # A household code the registry does not have (typed wrong, or never registered).
        extra["household_code"] = extra["household_code"].str[:-4] + rng.integers(
            7000, 9999, len(extra)
        ).astype(str)
        extra[MARK] = "income_orphan_household;"
        frame = pd.concat([frame, extra], ignore_index=True)
    frame = duplicate_rows(
        frame, pick(rng, len(frame), rates["income_duplicate_row"]), "income_duplicate_row"
    )
    return _headers(frame, contract["income"])
