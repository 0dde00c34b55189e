"""Village survey, product catalogue, village production and shop register exports."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..defects import mark, pick, with_marks
from . import _bool, _headers, _num, _product_names


def villages_file(
    villages: pd.DataFrame, registered: pd.Series, contract: dict, rng
) -> pd.DataFrame:
    """The village survey. Headers use full-width brackets, as the survey template does."""
    n = len(villages)
    poor = villages["poor_village"].to_numpy()
    incidence = np.where(poor, rng.uniform(0.22, 0.42, n), rng.uniform(0.05, 0.14, n))
    n_registered = registered.reindex(villages["village_code"]).fillna(0).to_numpy()
    households = np.maximum(np.round(n_registered / incidence), n_registered + 5).astype(int)
    frame = pd.DataFrame(
        {
            "village_code": villages["village_code"],
            "province": villages["province"],
            "prefecture": villages["prefecture"],
            "county": villages["county"],
            "township": villages["township"],
            "village": villages["village"],
            "poor_village": _bool(poor, ("是", "否")),
            "terrain": villages["terrain"],
            "elevation_m": villages["elevation_m"].astype(str),
            "county_distance_km": _num(villages["county_distance_km"]),
            "paved_road": _bool(villages["paved_road"], ("是", "否")),
            "broadband": _bool(villages["broadband"], ("是", "否")),
            "express_point": _bool(villages["express_point"], ("有", "无")),
            "ecommerce_station": _bool(villages["ecommerce_station"], ("有", "无")),
            "cold_chain": _bool(villages["cold_chain"], ("有", "无")),
            "cooperatives": villages["cooperatives"].astype(str),
            "households": households.astype(str),
            "population": np.round(households * rng.uniform(3.1, 3.9, n)).astype(int).astype(str),
            "collective_income_10k": _num(villages["collective_income_10k"]),
            "region": villages["region"],
        }
    )
    headers = {k: v.replace("(", "（").replace(")", "）") for k, v in contract["villages"].items()}
    return frame.rename(columns=headers)


def products_file(products: pd.DataFrame, contract: dict) -> pd.DataFrame:
    """The characteristic-product catalogue."""
    frame = pd.DataFrame(
        {
            "product_code": products["product_code"],
            "product_name": products["product_name"],
            "name_en": products["name_en"],
            "aliases": products["aliases"].map(";".join),
            "category": products["category"],
            "perishability": products["perishability"],
            "needs_cold_chain": _bool(products["needs_cold_chain"], ("是", "否")),
            "shelf_life_days": products["shelf_life_days"].astype(str),
            "suitable_terrain": products["suitable_terrain"].map(";".join),
            "elevation_range": products["elevation_min"].astype(str)
            + "-"
            + products["elevation_max"].astype(str),
            "season": products["season_start"].astype(str)
            + "-"
            + products["season_end"].astype(str),
            "farm_gate_price_per_jin": _num(products["farm_gate_price_per_jin"]),
        }
    )
    return _headers(frame, contract["products"])


def production_file(
    production: pd.DataFrame, products: pd.DataFrame, contract: dict, rates: dict, rng
) -> pd.DataFrame:
    """What each village grows, by year; names as typed, units mixed."""
    n = len(production)
    p_idx = pd.Index(products["product_code"]).get_indexer(production["product_code"])
    names, aliased = _product_names(products, p_idx, rates["production_alias_name"], rng)
    unit = np.array(["斤", "公斤", "吨"])[rng.choice(3, n, p=[0.5, 0.35, 0.15])]
    per_jin = np.select([unit == "公斤", unit == "吨"], [0.5, 0.0005], 1.0)
    frame = pd.DataFrame(
        {
            "village_code": production["village_code"],
            "year": production["year"].astype(str),
            "product_name": names,
            "area_mu": _num(production["area_mu"]),
            "output": _num(np.round(production["output_jin"].to_numpy() * per_jin, 1)),
            "unit": unit,
            "certification": production["certification"],
        }
    )
    frame = with_marks(frame)
    mark(frame, aliased, "production_alias_name")
    unknown = pick(rng, n, rates["production_unknown_product"])
    frame.loc[unknown, "product_name"] = np.array(["杂粮", "其他水果", "土特产", "山货"])[
        rng.integers(0, 4, int(unknown.sum()))
    ]
    mark(frame, unknown, "production_unknown_product")
    return _headers(frame, contract["village_production"])


def _date_variants(dates: pd.Series, rng) -> np.ndarray:
    """Dates in the mix of forms typed into registers."""
    d = pd.to_datetime(dates)
    style = rng.integers(0, 4, len(d))
    return np.select(
        [style == 0, style == 1, style == 2],
        [
            d.dt.strftime("%Y-%m-%d"),
            d.dt.year.astype(str) + "/" + d.dt.month.astype(str) + "/" + d.dt.day.astype(str),
            d.dt.strftime("%Y%m%d"),
        ],
        d.dt.year.astype(str) + "年" + d.dt.month.astype(str) + "月" + d.dt.day.astype(str) + "日",
    )


def shops_file(shops: pd.DataFrame, contract: dict, rates: dict, rng) -> pd.DataFrame:
    """The e-commerce service centre's shop register."""
    n = len(shops)
    frame = pd.DataFrame(
        {
            "platform": shops["platform"],
            "shop_id": shops["shop_id"],
            "shop_name": shops["shop_name"],
            "village_code": shops["village_code"],
            "operator": shops["operator"],
            "household_code": shops["household_code"].fillna(""),
            "opened": _date_variants(shops["opened"], rng),
            "poor_households_linked": shops["poor_households_linked"].astype(str),
        }
    )
    frame = with_marks(frame)
    unknown = pick(rng, n, rates["shops_unknown_village"])
    frame.loc[unknown, "village_code"] = frame.loc[unknown, "village_code"].str[:9] + "999"
    mark(frame, unknown, "shops_unknown_village")
    return _headers(frame, contract["shops"])
