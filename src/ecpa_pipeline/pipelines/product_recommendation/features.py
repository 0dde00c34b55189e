"""Village × product × year candidates with market, suitability and sales features, and the
graded label: next year's realised online revenue of the product in the village."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecpa_pipeline.domain.registry import ABLE_LABOUR, VILLAGE_CONDITIONS

PAIR = ["village_code", "product_code"]


def product_market(order_lines: pd.DataFrame, products: pd.DataFrame) -> pd.DataFrame:
    """Per product and year: demand (revenue, lines), its growth, delivered price per kg and
    against farm-gate, refund rate, seasonality, platform mix."""
    lines = order_lines.assign(
        revenue=order_lines["amount_yuan"].where(order_lines["is_revenue"], 0.0),
        refund=order_lines["status"].isin(["refunded", "refunding"]),
        bulk=order_lines["platform"] == "832平台",
    )
    g = lines.groupby(["product_code", "year"])
    market = g.agg(
        demand_yuan=("revenue", "sum"),
        lines=("order_id", "size"),
        refund_rate=("refund", "mean"),
        share_832=("bulk", "mean"),
        kg=("quantity_kg", "sum"),
        amount=("amount_yuan", "sum"),
    )
    market["price_per_kg"] = market["amount"] / market["kg"]
    monthly = lines.groupby(["product_code", "year", "month"])["revenue"].sum()
    market["season_peak_share"] = monthly.groupby(["product_code", "year"]).apply(
        lambda m: m.nlargest(3).sum() / max(m.sum(), 1e-9)
    )
    market = market.reset_index().sort_values(["product_code", "year"])
    market["demand_growth"] = market.groupby("product_code")["demand_yuan"].transform(
        lambda s: np.log1p(s) - np.log1p(s.shift(1))
    )
    farm_gate = products.set_index("product_code")["farm_gate_price_per_jin"] * 2  # per kg
    market["price_vs_farm_gate"] = market["price_per_kg"] / market["product_code"].map(farm_gate)
    return market.drop(columns=["kg", "amount"])


def candidate_pairs(
    villages: pd.DataFrame,
    products: pd.DataFrame,
    production: pd.DataFrame,
    order_lines: pd.DataFrame,
    market: pd.DataFrame,
    demand: pd.DataFrame,
    households: pd.DataFrame,
    persons: pd.DataFrame,
    params: dict,
) -> pd.DataFrame:
    """Every village × product × year with features at t and the relevance grade of t+1.

    National demand comes from the latest figure published for a year ≤ t (reports appear
    a year late); without the market index its columns are empty."""
    years = sorted(order_lines["year"].unique())
    v = villages[["village_code", "county_code", "township", *VILLAGE_CONDITIONS]]
    p = products[
        [
            "product_code",
            "product_name",
            "category",
            "perishability",
            "needs_cold_chain",
            "suitable_terrain",
            "elevation_min",
            "elevation_max",
        ]
    ]
    grid = v.merge(p, how="cross").merge(pd.DataFrame({"year": years}), how="cross")

    grid = grid.merge(_terrain_fit(grid), on=["terrain", "suitable_terrain"], how="left")
    grid["elevation_gap_m"] = (grid["elevation_min"] - grid["elevation_m"]).clip(lower=0) + (
        grid["elevation_m"] - grid["elevation_max"]
    ).clip(lower=0)
    grid["cold_chain_missing"] = grid["needs_cold_chain"].fillna(False).astype(bool) & ~grid[
        "cold_chain"
    ].fillna(False).astype(bool)

    grown = production.groupby([*PAIR, "year"]).agg(
        area_mu=("area_mu", "sum"),
        output_kg=("output_kg", "sum"),
        certification=("certification", "first"),
    )
    grid = grid.merge(grown.reset_index(), on=[*PAIR, "year"], how="left")
    grid[["area_mu", "output_kg"]] = grid[["area_mu", "output_kg"]].fillna(0.0)
    grid["certified_gi"] = grid["certification"].eq("地理标志")
    grid["certified_green_organic"] = grid["certification"].isin(["绿色食品", "有机"])
    # Location quotient of the product's area in the village against the county.
    village_area = grid.groupby(["village_code", "year"])["area_mu"].transform("sum")
    county_product = grid.groupby(["county_code", "product_code", "year"])["area_mu"].transform(
        "sum"
    )
    county_area = grid.groupby(["county_code", "year"])["area_mu"].transform("sum")
    grid["location_quotient"] = (grid["area_mu"] / village_area.where(village_area > 0)) / (
        county_product / county_area.where(county_area > 0)
    ).where(county_product > 0)
    grid["location_quotient"] = grid["location_quotient"].fillna(0.0)

    sales = (
        order_lines[order_lines["is_revenue"]]
        .groupby([*PAIR, "year"])["amount_yuan"]
        .sum()
        .rename("village_sales_yuan")
    )
    grid = grid.merge(sales.reset_index(), on=[*PAIR, "year"], how="left")
    grid["village_sales_yuan"] = grid["village_sales_yuan"].fillna(0.0)
    # A township by its code (the village code's first 9 digits), not its name: two counties'
    # townships may share a name.
    township = grid.groupby([grid["village_code"].str[:9], "product_code", "year"])[
        "village_sales_yuan"
    ].transform("sum")
    grid["neighbour_sales_yuan"] = township - grid["village_sales_yuan"]
    grid = grid.merge(market, on=["product_code", "year"], how="left")
    grid = _with_national_demand(grid, demand)

    able = persons["labour_skill"].isin(ABLE_LABOUR)
    with_labour = persons[able].groupby(["year", "household_code"]).size().rename("able")
    # Registered households (poor or exited: support continues after exit) that have labour.
    registered = households["household_status"] != "清退户"
    poor = households[registered][["year", "household_code", "village_code"]]
    poor = poor.merge(with_labour.reset_index(), on=["year", "household_code"], how="inner")
    grid = grid.merge(
        poor.groupby(["village_code", "year"])
        .size()
        .rename("poor_households_with_labour")
        .reset_index(),
        on=["village_code", "year"],
        how="left",
    )
    grid["poor_households_with_labour"] = grid["poor_households_with_labour"].fillna(0).astype(int)

    # Label: next year's realised revenue of the pair, graded 0-4.
    nxt = (
        sales.reset_index()
        .assign(year=lambda d: d["year"] - 1)
        .rename(columns={"village_sales_yuan": "next_year_sales_yuan"})
    )
    grid = grid.merge(nxt, on=[*PAIR, "year"], how="left")
    last = max(years)
    grid.loc[grid["year"] < last, "next_year_sales_yuan"] = grid.loc[
        grid["year"] < last, "next_year_sales_yuan"
    ].fillna(0.0)
    grid["relevance"] = grade(grid["next_year_sales_yuan"], params["relevance_thresholds_yuan"])
    return grid.sort_values(["year", "village_code", "product_code"]).reset_index(drop=True)


def _with_national_demand(grid: pd.DataFrame, demand: pd.DataFrame) -> pd.DataFrame:
    """The latest published national demand at or before each row's year."""
    published = demand.dropna(subset=["national_demand_yuan", "national_growth"], how="all")
    published = published.rename(columns={"year": "market_year"})
    published = published.assign(year=published["market_year"]).sort_values("year")
    out = pd.merge_asof(
        grid.reset_index().sort_values("year"),
        published.astype({"year": "int64"}),
        on="year",
        by="product_code",
        direction="backward",
    )
    return out.sort_values("index").drop(columns="index").reset_index(drop=True)


def _terrain_fit(grid: pd.DataFrame) -> pd.DataFrame:
    """Whether the village's terrain is among the product's suitable ones, per distinct pair."""
    pairs = grid[["terrain", "suitable_terrain"]].drop_duplicates()
    pairs["terrain_fit"] = [t in str(s).split(";") for t, s in pairs.itertuples(index=False)]
    return pairs


def grade(revenue: pd.Series, thresholds: list[float]) -> pd.Series:
    """Revenue (yuan) → relevance 0-4: 0 = none, then one step per threshold passed.

    >>> revenue = pd.Series([0, 500, 20_000, 80_000, 300_000, None])
    >>> grade(revenue, [1, 10_000, 50_000, 200_000]).tolist()
    [0.0, 1.0, 2.0, 3.0, 4.0, nan]
    """
    graded = pd.Series(
        np.searchsorted(np.asarray(thresholds, dtype=float), revenue.to_numpy(float), side="right"),
        index=revenue.index,
        dtype=float,
    )
    return graded.where(revenue.notna())


def national_demand(market_index: pd.DataFrame, products: pd.DataFrame) -> pd.DataFrame:
    """Each catalogue product's national online retail (yuan) by published year, from the
    optional market index: the product's own figure (the mean of its reports, in logs),
    else last year's level carried by the published growth. A product published only
    within its category keeps no level — a category total also holds products outside the
    catalogue, so no share of it is one product's — but takes the category's growth.
    Empty without the index.

    Returns:
        product_code, year, national_demand_yuan, national_growth (log change on the
        previous year), market_basis (``product`` or ``category``).
    """
    columns = ["product_code", "year", "national_demand_yuan", "national_growth", "market_basis"]
    if market_index.empty:
        return pd.DataFrame(columns=columns).astype(
            {
                "product_code": "str",
                "year": "int64",
                "national_demand_yuan": float,
                "national_growth": float,
                "market_basis": "str",
            }
        )
    years = np.arange(market_index["year"].min(), market_index["year"].max() + 1)
    own = _yearly_levels(market_index[market_index["product_code"].notna()], "product_code", years)
    category = _yearly_levels(market_index[market_index["product_code"].isna()], "category", years)
    members = products.set_index("product_code")["category"]
    level = own.reindex(index=members.index, columns=years)
    # Growth as the reports publish it where they do; else from the levels.
    published = market_index[market_index["product_code"].notna()]
    published = published.groupby(["product_code", "year"])["yoy_growth"].mean().unstack()
    growth = np.log1p(published.reindex(index=level.index, columns=years)).fillna(
        np.log(level).diff(axis=1)
    )
    category_growth = np.log(category).diff(axis=1).reindex(members.to_numpy())
    by_category = level.isna().to_numpy() & category_growth.notna().to_numpy()
    growth = growth.mask(by_category, category_growth.to_numpy())
    basis = np.select([level.notna(), by_category], ["product", "category"], "")
    table = pd.DataFrame(
        {
            "product_code": np.repeat(level.index.to_numpy(), len(years)),
            "year": np.tile(years, len(level)),
            "national_demand_yuan": level.to_numpy().ravel(),
            "national_growth": growth.to_numpy().ravel(),
            "market_basis": basis.ravel(),
        }
    )
    table = table[table["market_basis"] != ""]
    return table[columns].sort_values(["product_code", "year"]).reset_index(drop=True)


def _yearly_levels(rows: pd.DataFrame, key: str, years: np.ndarray) -> pd.DataFrame:
    """Level per ``key`` (rows) and year (columns): the geometric mean of the reports of a
    year, else the previous year's level times (1 + the year's published growth)."""
    if rows.empty:
        return pd.DataFrame(columns=years, dtype=float)
    logs = np.log(rows["online_retail_yuan"].where(rows["online_retail_yuan"] > 0))
    level = np.exp(logs.groupby([rows[key], rows["year"]]).mean()).unstack()
    growth = rows.groupby([key, "year"])["yoy_growth"].mean().unstack()
    level = level.reindex(columns=years)
    growth = growth.reindex(index=level.index, columns=years)
    for i, year in enumerate(years[1:], start=1):  # a handful of years
        carried = level[years[i - 1]] * (1 + growth[year])
        level[year] = level[year].fillna(carried)
    return level
