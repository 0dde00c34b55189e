"""Shops and platform order lines, driven by each village × product's sales potential."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .random import choice_from_shares, stream

PLATFORMS_WITH_EXPORTS = ("淘宝", "拼多多", "832平台")
#: Order numbers reserved for each county of a province simulated county by county (a county
#: writes ≈ 230 000 order lines): the platforms' order ids, derived from them, never collide.
ORDERS_PER_COUNTY = 10**7


def yearly_trend(sim: dict, products: pd.DataFrame, product_codes: np.ndarray, years) -> np.ndarray:
    """Growth of online demand relative to 2020, per row of ``product_codes`` and year."""
    growth = products.set_index("product_code")["demand_growth"].reindex(product_codes).to_numpy()
    rate = (1 + sim["ecommerce"]["online_growth"]) * (1 + growth)
    return rate[:, None] ** (np.asarray(years)[None, :] - 2020)


def simulate_shops(potential: pd.DataFrame, villages: pd.DataFrame, sim: dict) -> pd.DataFrame:
    """Shops selling each produced village-product, with platform, operator and opening date.

    Returns:
        shop_id, shop_name, platform, operator, village_code, product_code, opened (date),
        revenue_weight (the shop's share of its village-product's online revenue).
    """
    rng = stream(sim["seed"], "shops")
    ec = sim["ecommerce"]
    produced = potential[potential["produced"]].reset_index(drop=True)
    expected = (
        produced["potential_2020"].to_numpy() * (produced["base_area_mu"].to_numpy() / 120) ** 0.4
    )
    n_shops = rng.poisson(0.3 + ec["shops_per_100k_revenue"] * expected / 1e5)
    pair = np.repeat(np.arange(len(produced)), n_shops)
    n = len(pair)

    platform = choice_from_shares(rng, ec["platform_shares"], n)
    operator = choice_from_shares(rng, ec["operator_shares"], n)
    # The 832 platform buys from registered suppliers, not from individual farmers.
    operator = np.where((platform == "832平台") & (operator == "农户"), "合作社", operator)

    years = np.array(sim["years"])
    open_p = 1.35 ** (years - years[0])
    open_year = years[rng.choice(len(years), size=n, p=open_p / open_p.sum())]
    opened = pd.to_datetime(open_year.astype(str)) + pd.to_timedelta(
        rng.integers(0, 365, n), unit="D"
    )

    weight = rng.gamma(1.2, 1.0, n)
    pair_total = np.bincount(pair, weights=weight, minlength=len(produced))
    village_code = produced["village_code"].to_numpy()[pair]
    village_name = villages.set_index("village_code")["village"].reindex(village_code).to_numpy()
    product_code = produced["product_code"].to_numpy()[pair]

    suffixes = np.array(
        ["特产店", "农产品专营店", "扶贫馆", "生态农场", "农家店", "优品店", "合作社店"]
    )
    shop_name = np.char.add(
        np.char.add(village_name.astype(str), np.char.zfill((np.arange(n) % 97).astype(str), 2)),
        suffixes[rng.integers(0, len(suffixes), n)],
    )
    platform_prefix = {
        "淘宝": "TB",
        "拼多多": "PDD",
        "832平台": "S832",
        "京东": "JD",
        "抖音": "DY",
        "微信小店": "WX",
    }
    # Numbered per county of a province simulated county by county: ids never collide.
    first = 100000 * int(sim.get("county_number", 1))
    shop_id = [f"{platform_prefix[p]}{first + i}" for i, p in enumerate(platform)]
    return pd.DataFrame(
        {
            "shop_id": shop_id,
            "shop_name": shop_name,
            "platform": platform,
            "operator": operator,
            "village_code": village_code,
            "product_code": product_code,
            "opened": opened.normalize(),
            "revenue_weight": weight / pair_total[pair],
        }
    )


def shop_year_revenue(
    shops: pd.DataFrame, potential: pd.DataFrame, products: pd.DataFrame, sim: dict
) -> pd.DataFrame:
    """Expected online revenue of every shop in every year it is open (before noise)."""
    years = np.array(sim["years"])
    pot = potential.set_index(["village_code", "product_code"])
    key = pd.MultiIndex.from_arrays([shops["village_code"], shops["product_code"]])
    base = (
        pot["potential_2020"].reindex(key).to_numpy()
        * (pot["base_area_mu"].reindex(key).to_numpy() / 120) ** 0.4
    )
    trend = yearly_trend(sim, products, shops["product_code"].to_numpy(), years)
    open_year = shops["opened"].dt.year.to_numpy()
    open_frac = np.clip(
        (
            years[None, :]
            + 1
            - (open_year + shops["opened"].dt.day_of_year.to_numpy() / 366)[:, None]
        ),
        0,
        1,
    )
    revenue = base[:, None] * shops["revenue_weight"].to_numpy()[:, None] * trend * open_frac
    out = pd.DataFrame(revenue, columns=years)
    out["shop_id"] = shops["shop_id"].to_numpy()
    return out.melt(id_vars="shop_id", var_name="year", value_name="expected_revenue").astype(
        {"year": int}
    )


def simulate_orders(
    shops: pd.DataFrame, potential: pd.DataFrame, products: pd.DataFrame, sim: dict
) -> pd.DataFrame:
    """Order lines of the shops on platforms that export orders (淘宝, 拼多多, 832平台).

    Returns:
        One row per order line: order_seq, platform, shop_id, village_code, product_code,
        created (timestamp), pack_jin, packs, unit_price (per pack), amount, postage, status
        (成功 / 关闭 / 退款 / 待收货), plus the shop's village and the product's perishability.
    Shops on other platforms still earn revenue (``shop_revenue``) but leave no export.
    """
    rng = stream(sim["seed"], "orders")
    ec = sim["ecommerce"]
    factor = sim["scales"][sim["scale"]]["order_factor"]
    prod = products.set_index("product_code")

    rev = shop_year_revenue(shops, potential, products, sim)
    rev = rev.merge(shops[["shop_id", "platform", "product_code", "village_code"]], on="shop_id")
    rev = rev[rev["platform"].isin(PLATFORMS_WITH_EXPORTS) & (rev["expected_revenue"] > 0)]

    price = prod["farm_gate_price_per_jin"].reindex(rev["product_code"]).to_numpy()
    mean_pack = prod["packs_jin"].reindex(rev["product_code"]).map(np.mean).to_numpy()
    bulk = rev["platform"].to_numpy() == "832平台"
    mean_packs = np.where(bulk, 24.0, 1.3)
    mean_order_value = price * 3.0 * mean_pack * mean_packs
    n_orders = rng.poisson(factor * rev["expected_revenue"].to_numpy() / mean_order_value)

    line_row = np.repeat(np.arange(len(rev)), n_orders)
    n = len(line_row)
    r = rev.iloc[line_row].reset_index(drop=True)
    pcode = r["product_code"].to_numpy()
    year = r["year"].to_numpy()

    created, in_season_line = _order_times(prod, pcode, year, rng)
    pack_jin = pick_per_row(prod["packs_jin"], prod.index.get_indexer(pcode), rng, float)
    is_bulk = r["platform"].to_numpy() == "832平台"
    packs = np.where(is_bulk, rng.integers(5, 45, n), 1 + rng.geometric(0.7, n) - 1)

    # Delivered price: farm-gate x 2-4 (per shop), cheaper in the harvest season, premium
    # for certified products, mild inflation.
    lo, hi = ec["delivered_markup"]
    shop_markup = pd.Series(rng.uniform(lo, hi, len(shops)), index=shops["shop_id"])
    markup = shop_markup.reindex(r["shop_id"]).to_numpy()
    pot = potential.set_index(["village_code", "product_code"])["certification"]
    cert = pot.reindex(pd.MultiIndex.from_arrays([r["village_code"], pcode])).to_numpy()
    premium = np.where(cert != "", 1.15, 1.0)
    per_jin = (
        price[line_row]
        * markup
        * np.where(in_season_line, 0.9, 1.12)
        * premium
        * 1.03 ** (year - 2014)
    )
    per_jin = np.where(is_bulk, per_jin * 0.8, per_jin)  # canteen bulk price
    unit_price = np.floor(per_jin * pack_jin) + 0.9
    amount = np.round(unit_price * packs, 2)
    postage = np.where(rng.random(n) < 0.8, 0.0, rng.choice([5.0, 8.0, 10.0, 12.0], n))

    perish = prod["perishability"].reindex(pcode).to_numpy()
    refund_p = pd.Series(ec["refund_rate"]).reindex(perish).to_numpy()
    u = rng.random(n)
    end_of_export = pd.Timestamp(ec["export_end"])
    status = np.select(
        [
            u < ec["cancel_rate"],
            u < ec["cancel_rate"] + refund_p,
            created > end_of_export - pd.Timedelta(days=8),
        ],
        ["关闭", "退款", "待收货"],
        "成功",
    )
    out = pd.DataFrame(
        {
            "platform": r["platform"].to_numpy(),
            "shop_id": r["shop_id"].to_numpy(),
            "village_code": r["village_code"].to_numpy(),
            "product_code": pcode,
            "created": created.to_numpy(),
            "pack_jin": pack_jin,
            "packs": packs,
            "unit_price": unit_price,
            "amount": amount,
            "postage": postage,
            "status": status,
            "in_season": in_season_line,
        }
    )
    out = out.sort_values(["created", "shop_id"], kind="stable").reset_index(drop=True)
    first = ORDERS_PER_COUNTY * (int(sim.get("county_number", 1)) - 1)
    out.insert(0, "order_seq", first + np.arange(len(out)))
    return out


def pick_per_row(options: pd.Series, row_index: np.ndarray, rng, dtype=object) -> np.ndarray:
    """One random element of ``options[row_index[i]]`` (a list per entry) for every i.

    Vectorised: the lists are padded into a matrix once, then indexed.
    """
    lengths = options.map(len).to_numpy()
    matrix = np.empty((len(options), lengths.max()), dtype=object)
    for i, values in enumerate(options):  # one pass over the (small) option table
        matrix[i, : len(values)] = values
    choice = (rng.random(len(row_index)) * lengths[row_index]).astype(int)
    return matrix[row_index, choice].astype(dtype)


def _order_times(prod: pd.DataFrame, pcode: np.ndarray, year: np.ndarray, rng) -> tuple:
    """Order timestamps; in-season months sell three times as much, perishables barely
    sell out of season. Returns the timestamps and whether each falls in season."""
    n = len(pcode)
    start = prod["season_start"].reindex(pcode).to_numpy()
    end = prod["season_end"].reindex(pcode).to_numpy()
    months = np.arange(1, 13)[None, :]
    in_season = np.where(
        start[:, None] <= end[:, None],
        (months >= start[:, None]) & (months <= end[:, None]),
        (months >= start[:, None]) | (months <= end[:, None]),
    )
    perishable = prod["perishability"].reindex(pcode).isin(["极高", "高"]).to_numpy()
    weight = np.where(in_season, 3.0, np.where(perishable[:, None], 0.15, 1.0))
    cum = np.cumsum(weight, axis=1)
    month = 1 + (rng.random(n)[:, None] * cum[:, -1:] > cum).sum(axis=1)
    month_start = pd.to_datetime({"year": year, "month": month, "day": 1})
    days_in_month = month_start.dt.days_in_month.to_numpy()
    created = (
        month_start
        + pd.to_timedelta(rng.integers(0, days_in_month), unit="D")
        + pd.to_timedelta(rng.integers(6 * 3600, 24 * 3600, n), unit="s")
    )
    return created, in_season[np.arange(n), month - 1]


def village_online_revenue(
    orders: pd.DataFrame, shops: pd.DataFrame, shop_revenue: pd.DataFrame, sim: dict
) -> pd.DataFrame:
    """Realised online revenue (yuan) per village and year, over all platforms.

    Exported platforms count their successful order lines; shops on platforms without an
    export (京东, 抖音, 微信小店) count their expected revenue, which the data team cannot see.
    """
    done = orders[orders["status"].isin(["成功", "待收货"])]
    exported = (
        done.assign(year=pd.DatetimeIndex(done["created"]).year)
        .groupby(["village_code", "year"], as_index=False)["amount"]
        .sum()
        .rename(columns={"amount": "revenue"})
    )
    factor = sim["scales"][sim["scale"]]["order_factor"]
    unexported = shop_revenue.merge(shops[["shop_id", "platform", "village_code"]], on="shop_id")
    unexported = unexported[~unexported["platform"].isin(PLATFORMS_WITH_EXPORTS)]
    unexported = (
        unexported.assign(revenue=unexported["expected_revenue"] * factor)
        .groupby(["village_code", "year"], as_index=False)["revenue"]
        .sum()
    )
    return (
        pd.concat([exported, unexported])
        .groupby(["village_code", "year"], as_index=False)["revenue"]
        .sum()
    )


def assign_shop_owners(shops: pd.DataFrame, households: pd.DataFrame, sim: dict) -> pd.DataFrame:
    """Give every 农户 shop a registered household of its village as owner.

    Returns:
        ``shops`` with ``household_code`` (owners only) and ``owner_idx`` (row of the owner in
        ``households``, -1 for other operators). A 农户 shop in a village without registered
        households is re-labelled 合作社.
    """
    rng = stream(sim["seed"], "shop_owners")
    village_codes = households["village_code"].to_numpy()
    order = np.argsort(village_codes, kind="stable")
    sorted_codes = village_codes[order]
    first = np.searchsorted(sorted_codes, shops["village_code"].to_numpy(), side="left")
    last = np.searchsorted(sorted_codes, shops["village_code"].to_numpy(), side="right")
    count = last - first
    farmer = (shops["operator"].to_numpy() == "农户") & (count > 0)
    pos = first + (rng.random(len(shops)) * np.maximum(count, 1)).astype(int)
    owner = np.where(farmer, order[np.minimum(pos, len(order) - 1)], -1)
    operator = np.where(
        (shops["operator"].to_numpy() == "农户") & ~farmer, "合作社", shops["operator"].to_numpy()
    )
    return shops.assign(
        operator=operator,
        owner_idx=owner,
        household_code=np.where(
            farmer, households["household_code"].to_numpy()[np.maximum(owner, 0)], None
        ),
    )


def linked_households(
    shops: pd.DataFrame, household_years: pd.DataFrame, households: pd.DataFrame
) -> np.ndarray:
    """带动贫困户数: households of the shop's village taking part through that kind of operator
    in the last year, shared among the village's shops of that kind."""
    last = household_years[household_years["year"] == household_years["year"].max()]
    mode_of_operator = {
        "合作社": "合作社或企业代销",
        "企业": "合作社或企业代销",
        "扶贫专店": "扶贫专店代销",
    }
    village = households["village_code"].to_numpy()[last["household_idx"].to_numpy()]
    counts = pd.DataFrame(
        {"village_code": village, "mode": last["ecommerce_mode"].to_numpy()}
    ).value_counts()
    mode = shops["operator"].map(mode_of_operator)
    key = pd.MultiIndex.from_arrays([shops["village_code"], mode])
    participants = counts.reindex(key).fillna(0).to_numpy()
    peers = shops.groupby(["village_code", "operator"])["shop_id"].transform("count").to_numpy()
    return np.where(shops["operator"] == "农户", 1, np.round(participants / peers)).astype(int)
