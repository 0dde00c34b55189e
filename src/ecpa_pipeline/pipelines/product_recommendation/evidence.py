"""The evidence behind each recommendation, in words (zh and en): what comparable villages
earn with the product, national demand and its trend, fit to terrain and elevation,
logistics, certification and current scale; and why a constraint removed a product."""

from __future__ import annotations

import numpy as np
import pandas as pd

RECOMMENDATION_COLUMNS = [
    "village_code",
    "township",
    "village",
    "list",
    "rank",
    "product_code",
    "product_name",
    "product_name_en",
    "expected_revenue_yuan",
    "revenue_low_yuan",
    "revenue_high_yuan",
    "scale",
    "scale_unit",
    "scale_unit_en",
    "expected_revenue_band",
    "expected_revenue_band_en",
    "why_zh",
    "why_en",
    "rationale_zh",
    "rationale_en",
    "village_sales_yuan",
    "observed_sales_rank",
    "poor_households_with_labour",
]
EXCLUSION_COLUMNS = [
    "village_code",
    "township",
    "village",
    "list",
    "would_rank",
    "product_code",
    "product_name",
    "product_name_en",
    "expected_revenue_yuan",
    "reason_zh",
    "reason_en",
]


def constraint_reasons(rows: pd.DataFrame, constraints: dict) -> pd.DataFrame:
    """Why a hard constraint removes a product from a village ('' where none does): no cold
    chain or express point for a perishable product, a terrain or elevation outside the
    catalogue's range (``catalogue_range``), too little expected revenue
    (``min_expected_revenue_yuan``). The first that applies is named."""
    no_cold = rows["perishability"].isin(constraints["needs_cold_chain_levels"]) & rows[
        "cold_chain_missing"
    ].astype(bool)
    no_express = rows["perishability"].isin(constraints["perishable"]) & ~rows[
        "express_point"
    ].fillna(False).astype(bool)
    in_range = constraints.get("catalogue_range", False)
    off_terrain = in_range & ~rows["terrain_fit"].fillna(False).astype(bool)
    gap = rows["elevation_gap_m"].fillna(0)
    off_elevation = in_range & (gap > 0)
    minimum = float(constraints.get("min_expected_revenue_yuan") or 0)
    too_little = rows["expected_revenue_yuan"] < minimum
    elevation = rows["elevation_m"].fillna(0).round().astype(int).map("{:,}".format)
    off_by = gap.round().astype(int).map("{:,}".format)
    expected = rows["expected_revenue_yuan"].round().astype(int).map("{:,}".format)
    floor = f"{minimum:,.0f}"
    conditions = [no_cold, no_express, off_terrain, off_elevation, too_little]
    return pd.DataFrame(
        {
            "zh": np.select(
                conditions,
                [
                    "极易腐，本村无冷链",
                    "易腐，本村无快递服务点",
                    "本村地形（" + rows["terrain"].astype(str) + "）不在产品目录适宜地形内",
                    "本村海拔 " + elevation + " 米，偏离产品目录适宜范围 " + off_by + " 米",
                    "预期网销收入约 " + expected + " 元/年，低于最低 " + floor + " 元",
                ],
                "",
            ),
            "en": np.select(
                conditions,
                [
                    "very perishable and no cold chain",
                    "perishable and no express point",
                    "the village's terrain is not among the catalogue's terrains for it",
                    "the village lies at "
                    + elevation
                    + " m, "
                    + off_by
                    + " m outside the catalogue's range",
                    "expected online revenue about "
                    + expected
                    + " yuan a year, under the "
                    + floor
                    + " minimum",
                ],
                "",
            ),
        },
        index=rows.index,
    )


def _wan(yuan: pd.Series) -> pd.Series:
    """Yuan as 万元 with one decimal (2.3)."""
    return (yuan / 1e4).round(1).map("{:g}".format)


def _thousands(yuan: pd.Series) -> pd.Series:
    return yuan.round(-2).map("{:,.0f}".format)


def _comparables(latest: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per product and terrain (and per product over all terrains): how many of the
    county's villages sell it online and their median yearly online sales."""
    selling = latest[latest["village_sales_yuan"] > 0]
    by_terrain = selling.groupby(["product_code", "terrain"])["village_sales_yuan"].agg(
        ["size", "median"]
    )
    overall = selling.groupby("product_code")["village_sales_yuan"].agg(["size", "median"])
    return by_terrain, overall


def shown_scale(
    top: pd.DataFrame, latest: pd.DataFrame, unit: pd.Series, current: pd.Series
) -> pd.Series:
    """The scale a row's expected revenue assumes, in its unit: the model's scale (亩, head,
    hives; the village's own for the expand list), or for a unit with ``per`` (a processed
    food's yearly output, kg) the village's own output, or the standard scale times the
    product's median output per unit among the county's producers."""
    per = unit.map(lambda u: u.get("per"))
    scale = top["standard_scale"].astype(float)
    if per.isna().all():
        return scale
    producing = latest[(latest["area_mu"] > 0) & (latest["output_kg"] > 0)]
    yields = (producing["output_kg"] / producing["area_mu"]).groupby(producing["product_code"])
    per_unit = top["product_code"].map(yields.median())
    own = top["output_kg"].astype(float).where(top["output_kg"] > 0)
    output = np.where(current, own.fillna(scale * per_unit), scale * per_unit)
    return scale.where(per.isna(), pd.Series(output, index=top.index).fillna(scale))


def describe(
    top: pd.DataFrame, latest: pd.DataFrame, products: pd.DataFrame, params: dict
) -> pd.DataFrame:
    """Band and evidence of each recommended row, zh and en."""
    units = params["scale_units"]
    category = top["product_code"].map(products.set_index("product_code")["category"])
    unit = category.map(lambda c: units.get(c, units["default"]))
    unit_zh, unit_en = unit.map(lambda u: u["zh"]), unit.map(lambda u: u["en"])
    current = top["list"] == "expand"
    shown = shown_scale(top, latest, unit, current)
    scale = shown.round().astype(int).map("{:,}".format)
    # The range is what comparable producing villages earned when they sold online; the
    # expected revenue (a column of its own) also counts the chance of selling nothing.
    small = top["revenue_high_yuan"] < 1000
    band_zh = (
        np.where(
            small,
            "网销后不足 0.1 万元/年",
            "网销后约 "
            + _wan(top["revenue_low_yuan"])
            + "–"
            + _wan(top["revenue_high_yuan"])
            + " 万元/年",
        )
        + np.where(current, "（按现有 ", "（按标准 ")
        + scale
        + " "
        + unit_zh
        + " 规模）"
    )
    band_en = (
        np.where(
            small,
            "if sold online, under 1,000 yuan a year",
            "if sold online, about "
            + _thousands(top["revenue_low_yuan"])
            + "–"
            + _thousands(top["revenue_high_yuan"])
            + " yuan a year",
        )
        + np.where(current, " at the current ", " at a standard ")
        + scale
        + " "
        + unit_en
    )

    by_terrain, overall = _comparables(latest)
    key = pd.MultiIndex.from_frame(top[["product_code", "terrain"]])
    n_same = by_terrain["size"].reindex(key).to_numpy()
    same = ~np.isnan(n_same) & (n_same >= params["comparable_min_villages"])
    n = pd.Series(np.where(same, n_same, overall["size"].reindex(top["product_code"])), top.index)
    median = pd.Series(
        np.where(
            same,
            by_terrain["median"].reindex(key).to_numpy(),
            overall["median"].reindex(top["product_code"]).to_numpy(),
        ),
        top.index,
    )
    count = n.fillna(0).astype(int).astype(str)
    terrain_en = top["terrain"].map(params["terrain_en"]).fillna(top["terrain"])
    comparable_zh = np.where(
        n.fillna(0) > 0,
        "本县 "
        + count
        + " 个"
        + np.where(same, top["terrain"] + "村", "村")
        + "网销，中位 "
        + _wan(median.fillna(0))
        + " 万元/年",
        "本县尚无村网销此产品",
    )
    comparable_en = np.where(
        n.fillna(0) > 0,
        count
        + np.where(same, " " + terrain_en + " villages", " villages")
        + " of the county sell it online, median "
        + _thousands(median.fillna(0))
        + " yuan a year",
        "no village of the county sells it online yet",
    )

    demand = (
        top["national_demand_yuan"]
        if "national_demand_yuan" in top
        else pd.Series(np.nan, index=top.index)
    )
    has_demand = demand.notna()
    year = top.get("market_year", pd.Series(np.nan, index=top.index)).fillna(0).astype(int)
    growth = (np.expm1(top.get("national_growth", 0.0 * demand).fillna(0)) * 100).round()
    by_category = top.get("market_basis", pd.Series("", index=top.index)).eq("category")
    demand_zh = np.where(
        has_demand,
        "全网零售额 "
        + (demand / 1e8).round(1).astype(str)
        + " 亿元（"
        + year.astype(str)
        + " 年"
        + np.where(by_category, "，按类别估算", "")
        + "），年增 "
        + growth.astype(int).astype(str)
        + " %",
        "",
    )
    demand_en = np.where(
        has_demand,
        "national online retail "
        + (demand / 1e9).round(2).astype(str)
        + " billion yuan ("
        + year.astype(str)
        + np.where(by_category, ", category estimate", "")
        + "), "
        + growth.astype(int).map("{:+d}".format)
        + " % a year",
        "",
    )

    fits = top["terrain_fit"].astype(bool)
    gap = top["elevation_gap_m"].fillna(0).round().astype(int)
    elevation = top["elevation_m"].fillna(0).round().astype(int).astype(str)
    fit_zh = np.where(
        fits, "地形适宜（" + top["terrain"] + "）", "地形非适宜（" + top["terrain"] + "）"
    )
    fit_zh = fit_zh + np.where(
        gap == 0,
        "，海拔 " + elevation + " 米在适宜范围内",
        "，海拔偏离适宜范围 " + gap.astype(str) + " 米",
    )
    fit_en = (
        np.where(fits, "suits the terrain (", "terrain not listed for it (")
        + terrain_en
        + ")"
        + np.where(
            gap == 0,
            ", elevation " + elevation + " m within range",
            ", elevation " + gap.astype(str) + " m outside range",
        )
    )

    services_zh, services_en = _services(top)
    area = scale
    sales = _wan(top["village_sales_yuan"])
    cert = top["certification"].fillna("")
    own_zh = np.where(
        current,
        "现有规模 "
        + area
        + " "
        + unit_zh
        + "，本村网销 "
        + sales
        + " 万元"
        + np.where(cert != "", "，已获" + cert, ""),
        "",
    )
    own_en = np.where(
        current,
        area
        + " "
        + unit_en
        + " now, village online sales "
        + _thousands(top["village_sales_yuan"])
        + " yuan"
        + np.where(
            cert != "", ", certified " + cert.map(params["certification_en"]).fillna(cert), ""
        ),
        "",
    )
    parts_zh = pd.DataFrame(
        {"a": own_zh, "b": comparable_zh, "c": demand_zh, "d": fit_zh, "e": services_zh},
        index=top.index,
    )
    parts_en = pd.DataFrame(
        {"a": own_en, "b": comparable_en, "c": demand_en, "d": fit_en, "e": services_en},
        index=top.index,
    )
    return pd.DataFrame(
        {
            "scale": shown,
            "scale_unit": unit_zh,
            "scale_unit_en": unit_en,
            "expected_revenue_band": band_zh,
            "expected_revenue_band_en": band_en,
            # The short why of a one-line list: the village's own production for the expand
            # list, what comparable villages earn for the develop list.
            "why_zh": np.where(current, own_zh, comparable_zh),
            "why_en": np.where(current, own_en, comparable_en),
            "rationale_zh": _join(parts_zh, "；"),
            "rationale_en": _join(parts_en, "; "),
        },
        index=top.index,
    )


def _services(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The village's logistics in words: what it has, and a missing express point."""
    has = {
        ("快递服务点", "express point"): rows["express_point"],
        ("宽带", "broadband"): rows["broadband"],
        ("电商服务站", "e-commerce station"): rows["ecommerce_station"],
        ("冷链", "cold chain"): rows["cold_chain"] & rows["needs_cold_chain"].fillna(False),
    }
    zh = pd.Series("", index=rows.index)
    en = pd.Series("", index=rows.index)
    for (word_zh, word_en), column in has.items():
        present = column.fillna(False).astype(bool)
        zh = zh + np.where(present, np.where(zh == "", "", "、") + word_zh, "")
        en = en + np.where(present, np.where(en == "", "", ", ") + word_en, "")
    no_express = ~rows["express_point"].fillna(False).astype(bool)
    zh = np.where(zh != "", "有" + zh, "") + np.where(
        no_express, np.where(zh != "", "，", "") + "无快递服务点", ""
    )
    en = np.where(en != "", "has " + en, "") + np.where(
        no_express, np.where(en != "", "; ", "") + "no express point", ""
    )
    return zh, en


def _join(parts: pd.DataFrame, separator: str) -> pd.Series:
    """Non-empty parts joined (a few hundred recommended rows)."""
    return parts.apply(lambda r: separator.join(p for p in r if p), axis=1)
