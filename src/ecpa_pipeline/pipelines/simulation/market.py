"""National online demand by product as published annual reports show it
(``market/market_index.csv``, contract section 8), and the true demand behind it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .defects import MARK, duplicate_rows, mark, pick, with_marks
from .ecommerce import yearly_trend


def true_demand(products: pd.DataFrame, sim: dict) -> pd.DataFrame:
    """Each product's national online retail (yuan) in every simulated year: the world's
    demand index times its yearly trend, the same demand that drives village potential."""
    years = np.array(sim["years"])
    codes = products["product_code"].to_numpy()
    level = (
        sim["market"]["retail_100m_per_demand_unit"]
        * 1e8
        * products["demand"].to_numpy()[:, None]
        * yearly_trend(sim, products, codes, years)
    )
    return pd.DataFrame(
        {
            "product_code": np.repeat(codes, len(years)),
            "category": np.repeat(products["category"].to_numpy(), len(years)),
            "year": np.tile(years, len(codes)),
            "online_retail_yuan": level.ravel(),
        }
    )


def market_index_file(
    demand: pd.DataFrame, products: pd.DataFrame, contract: dict, sim: dict, rng
) -> pd.DataFrame:
    """The market index a county office compiles from published reports, with the defects of
    the contract: the last year not yet published, some products only at category level,
    growth without a level, names as aliases, one figure listed twice from two sources."""
    market, rates = sim["market"], sim["defects"]
    published = demand[demand["year"] <= max(sim["years"]) - market["publication_lag_years"]]
    noise = rng.lognormal(0.0, market["noise_sigma"], len(published))
    rows = published.assign(value=published["online_retail_yuan"] * noise)

    # Products whose reports give only their category's total (which also holds products
    # outside this catalogue: the category total is larger than the sum of its members).
    # A category named like a catalogue product (茶叶) would read as that product: not those.
    eligible = ~products["category"].isin(products["product_name"]).to_numpy()
    n_category_only = round(rates["market_category_level"] * len(products))
    category_only = rng.choice(
        products["product_code"].to_numpy()[eligible], n_category_only, replace=False
    )
    by_category = rows[rows["product_code"].isin(category_only)]
    categories = (
        by_category.groupby(["category", "year"], as_index=False)["value"].sum()
        if len(by_category)
        else pd.DataFrame(columns=["category", "year", "value"])
    )
    # One share per category: products outside the catalogue make the total larger.
    outside = dict(zip(products["category"].unique(), rng.uniform(1.5, 3.0, 99), strict=False))
    categories["value"] = categories["value"] * categories["category"].map(outside)
    rows = rows[~rows["product_code"].isin(category_only)]

    names = products.set_index("product_code")
    aliased = pick(rng, len(rows), rates["market_alias_name"])
    alias = names["aliases"].reindex(rows["product_code"]).map(lambda a: a[0]).to_numpy()
    product_rows = pd.DataFrame(
        {
            "year": rows["year"].to_numpy(),
            "name": np.where(
                aliased, alias, names["product_name"].reindex(rows["product_code"]).to_numpy()
            ),
            "value": rows["value"].to_numpy(),
            "growth": _growth(rows),
        }
    )
    category_rows = pd.DataFrame(
        {
            "year": categories["year"].to_numpy(dtype=int),
            "name": categories["category"].to_numpy(dtype=object),
            "value": categories["value"].to_numpy(dtype=float),
            "growth": _growth(categories.rename(columns={"category": "product_code"})),
        }
    )
    frame = with_marks(pd.concat([product_rows, category_rows], ignore_index=True))
    frame["source"] = np.array(market["sources"], dtype=object)[
        rng.integers(0, len(market["sources"]), len(frame))
    ]
    mark(frame, np.r_[aliased, np.zeros(len(category_rows), bool)], "market_alias_name")
    mark(
        frame,
        np.r_[np.zeros(len(product_rows), bool), np.ones(len(category_rows), bool)],
        "market_category_level",
    )

    growth_only = pick(
        rng, len(frame), rates["market_growth_only"], frame["growth"].notna().to_numpy()
    )
    frame.loc[growth_only, "value"] = np.nan
    mark(frame, growth_only, "market_growth_only")

    # The same figure reported again by another source, with its own estimate.
    twice = pick(rng, len(frame), rates["market_listed_twice"], frame["value"].notna().to_numpy())
    frame = duplicate_rows(frame, twice, "market_listed_twice")
    again = frame[MARK].str.startswith("market_listed_twice").to_numpy()
    frame.loc[again, "value"] = frame.loc[again, "value"] * rng.lognormal(
        0.0, market["noise_sigma"], int(again.sum())
    )
    frame.loc[again, "source"] = market["second_source"]
    first_of_pair = np.r_[again[1:], False]
    mark(frame, first_of_pair, "market_listed_twice")

    out = pd.DataFrame(
        {
            "year": frame["year"].astype(int).astype(str),
            "product_name": frame["name"],
            "online_retail_100m": np.where(
                frame["value"].notna(), (frame["value"] / 1e8).round(2).astype(str), ""
            ),
            "yoy_growth_pct": np.where(
                frame["growth"].notna(), (frame["growth"] * 100).round(1).astype(str), ""
            ),
            "source": frame["source"],
            MARK: frame[MARK],
        }
    )
    return out.rename(columns=contract["market_index"])


def _growth(rows: pd.DataFrame) -> np.ndarray:
    """Published growth on the previous year (a fraction; missing for the first year)."""
    ordered = rows.sort_values(["product_code", "year"])
    growth = ordered.groupby("product_code")["value"].pct_change()
    return growth.reindex(rows.index).to_numpy(dtype=float)
