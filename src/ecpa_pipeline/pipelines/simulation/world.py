"""Geography, villages, the product catalogue and what each village grows.

Everything here is simulated state in English snake_case columns; ``exports.py`` turns it
into the raw files of the contract.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .random import choice_from_shares, stream

_NAME_SYLLABLES = list(
    "安白柏宝碧昌长朝城川翠大丹德东峨丰凤福甘高古光广贵桂海和河鹤红洪华怀黄吉嘉江金锦"
    "景靖九康兰乐黎莲良临龙隆鲁罗马梅民明南宁平坪普齐黔青清庆仁荣瑞三沙山上石双水顺思"
    "松太潭桃天田通铜万望威文乌五西溪仙祥新兴秀岩阳杨瑶义银永油玉元云泽长正中竹紫遵"
)


def place_names(rng: np.random.Generator, n: int, suffix: str) -> np.ndarray:
    """``n`` distinct two-character place names with an administrative suffix (县, 镇, 村…)."""
    syllables = np.array(_NAME_SYLLABLES)
    k = len(syllables)
    codes = rng.choice(k * k, size=n, replace=n > k * k)
    return np.char.add(np.char.add(syllables[codes // k], syllables[codes % k]), suffix)


def build_villages(sim: dict) -> pd.DataFrame:
    """Provinces → prefectures → counties → townships → villages with their conditions.

    Args:
        sim: the ``simulation`` parameters.

    Returns:
        One row per village: names and 12-digit code of every level, survey conditions
        (terrain, elevation, facilities…), and simulator-only columns ``talent`` (latent
        e-commerce aptitude) and ``county_deadline`` (the county's exit deadline year).
    """
    scale = sim["scales"][sim["scale"]]
    rng = stream(sim["seed"], "villages")
    vp = sim["villages"]

    n_pref = scale["prefectures"]
    n_county = n_pref * scale["counties_per_prefecture"]
    n_town = n_county * scale["townships_per_county"]
    n_village = n_town * scale["villages_per_township"]

    pref_idx = np.arange(n_county) // scale["counties_per_prefecture"]
    county_of_town = np.arange(n_town) // scale["townships_per_county"]
    town_of_village = np.arange(n_village) // scale["villages_per_township"]
    county_of_village = county_of_town[town_of_village]

    pref_names = place_names(rng, n_pref, "市")
    county_names = place_names(rng, n_county, "县")
    town_names = place_names(rng, n_town, "镇")
    village_names = place_names(rng, n_village, "村")

    county_index, per_prefecture = np.arange(n_county), scale["counties_per_prefecture"]
    k = int(sim.get("county_number", 1))
    if k > 1:  # one county of a larger world, numbered and named as that world does
        county_index = np.array([k - 1])
        per_prefecture = sim["scales"][sim.get("county_layout", "province")][
            "counties_per_prefecture"
        ]
        pref_names = _prefecture_name(sim, (k - 1) // per_prefecture)
    pref_code, county_code = _county_codes(county_index, per_prefecture)
    town_code = (np.arange(n_town) % scale["townships_per_county"] + 101).astype(str)
    village_code = (np.arange(n_village) % scale["villages_per_township"] + 201).astype(str)

    province = sim["province"]
    full_county = np.char.add(np.char.add(province["code"], pref_code), county_code)
    codes = np.char.add(
        np.char.add(full_county[county_of_village], town_code[town_of_village]), village_code
    )

    poor = rng.random(n_village) < vp["poor_village_share"]
    terrain = np.where(
        poor,
        choice_from_shares(rng, vp["terrain_probs"]["poor"], n_village),
        choice_from_shares(rng, vp["terrain_probs"]["non_poor"], n_village),
    )
    lo = np.array([vp["elevation_m"][t][0] for t in terrain])
    hi = np.array([vp["elevation_m"][t][1] for t in terrain])
    elevation = np.round(lo + rng.random(n_village) * (hi - lo)).astype(int)
    d_lo, d_hi = vp["county_distance_km"]
    distance = np.round(d_lo + rng.beta(2, 3, n_village) * (d_hi - d_lo) + poor * 8, 1)

    frame = {
        "village_code": codes,
        "province": province["name"],
        "prefecture": pref_names[pref_idx][county_of_village],
        "county": county_names[county_of_village],
        "township": town_names[town_of_village],
        "village": village_names,
        "county_code": full_county[county_of_village],
        "region": province["region"],
        "poor_village": poor,
        "terrain": terrain,
        "elevation_m": elevation,
        "county_distance_km": distance,
    }
    # Remote mountain villages are less often connected.
    remoteness = (distance - d_lo) / (d_hi - d_lo) + (terrain == "山区") * 0.3
    for facility, (p_poor, p_other) in vp["facilities"].items():
        p = np.where(poor, p_poor, p_other) * (1.15 - 0.3 * remoteness)
        frame[facility] = rng.random(n_village) < np.clip(p, 0.02, 0.99)
    # A station needs broadband in practice.
    frame["ecommerce_station"] &= frame["broadband"]
    c_poor, c_other = vp["cooperatives_mean"]
    frame["cooperatives"] = rng.poisson(np.where(poor, c_poor, c_other))
    frame["collective_income_10k"] = np.round(rng.lognormal(np.where(poor, 1.0, 2.2), 0.8), 1)
    frame["talent"] = rng.lognormal(0.0, sim["ecommerce"]["talent_sigma"], n_village)

    deadlines = sim["exit"]["county_deadline_probs"]
    county_deadline = choice_from_shares(rng, deadlines, n_county).astype(int)
    frame["county_deadline"] = county_deadline[county_of_village]
    return pd.DataFrame(frame)


def _county_codes(county_index: np.ndarray, per_prefecture: int) -> tuple[np.ndarray, np.ndarray]:
    """Two-digit prefecture and county codes of counties numbered from 0, ``per_prefecture``
    counties to a prefecture (county codes from 22)."""
    prefecture = np.char.zfill((county_index // per_prefecture + 1).astype(str), 2)
    return prefecture, (county_index % per_prefecture + 22).astype(str)


def _prefecture_name(sim: dict, prefecture: int) -> np.ndarray:
    """The name of the world's prefecture number ``prefecture`` (from 0), drawn from the
    world's seed so that all its counties, simulated apart, name it alike; the first is the
    default county's (the world seed's first draw)."""
    name_stream = "villages" if prefecture == 0 else f"prefecture_{prefecture + 1}"
    return place_names(stream(sim.get("world_seed", sim["seed"]), name_stream), 1, "市")


def build_products(catalogue: list[dict]) -> pd.DataFrame:
    """The product catalogue as a table (one row per characteristic product)."""
    df = pd.DataFrame(catalogue)
    return pd.DataFrame(
        {
            "product_code": df["code"],
            "product_name": df["name"],
            "name_en": df["en"],
            "aliases": df["aliases"],
            "category": df["category"],
            "perishability": df["perish"],
            "needs_cold_chain": df["cold"].astype(bool),
            "shelf_life_days": df["shelf"].astype(int),
            "suitable_terrain": df["terrain"],
            "elevation_min": df["elev"].str[0].astype(int),
            "elevation_max": df["elev"].str[1].astype(int),
            "season_start": df["season"].str[0].astype(int),
            "season_end": df["season"].str[1].astype(int),
            "farm_gate_price_per_jin": df["price"].astype(float),
            "demand": df["demand"].astype(float),
            "demand_growth": df["growth"].astype(float),
            "packs_jin": df["packs"],
            "yield_jin_per_mu": df["yield"].astype(float),
        }
    )


def suitability(villages: pd.DataFrame, products: pd.DataFrame) -> np.ndarray:
    """Agronomic fit in [0, 1] of every village (rows) for every product (columns).

    Terrain match counts most; elevation outside the product's range decays smoothly over
    300 m so that a near-miss is plausible, a far miss is not.
    """
    terrain_fit = np.array(
        [
            [t in allowed for allowed in products["suitable_terrain"]]
            for t in villages["terrain"].unique()
        ]
    )
    terrain_index = pd.Index(villages["terrain"].unique()).get_indexer(villages["terrain"])
    terrain_score = np.where(terrain_fit[terrain_index], 1.0, 0.25)
    elev = villages["elevation_m"].to_numpy()[:, None]
    below = np.clip(products["elevation_min"].to_numpy()[None, :] - elev, 0, None)
    above = np.clip(elev - products["elevation_max"].to_numpy()[None, :], 0, None)
    elev_score = np.exp(-(below + above) / 300.0)
    return terrain_score * elev_score


def readiness(villages: pd.DataFrame) -> np.ndarray:
    """How well a village can sell online, in (0, 1]: connectivity and services."""
    score = (
        0.25
        + 0.25 * villages["broadband"].to_numpy()
        + 0.25 * villages["express_point"].to_numpy()
        + 0.15 * villages["ecommerce_station"].to_numpy()
        + 0.10 * villages["paved_road"].to_numpy()
    )
    return score * np.exp(-villages["county_distance_km"].to_numpy() / 150.0)


def simulate_production(
    villages: pd.DataFrame, products: pd.DataFrame, sim: dict
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What each village grows by year, and every village × product's true sales potential.

    Returns:
        ``production``: village_code, year, product_code, area_mu, output_jin, certification.
        ``potential``: village_code, product_code, suitability, potential_2020 (expected online
        revenue in 2020 yuan if the village sold the product at a typical scale), produced.
    """
    rng = stream(sim["seed"], "production")
    ec = sim["ecommerce"]
    years = np.array(sim["years"])
    n_v, n_p = len(villages), len(products)

    suit = suitability(villages, products)
    ready = readiness(villages)
    cold_ok = (
        villages["cold_chain"].to_numpy()[:, None]
        | ~products["needs_cold_chain"].to_numpy()[None, :]
    )

    # Which products each village grows: 1-4 picks weighted by fit (a few misfits happen).
    k_lo, k_hi = ec["products_per_village"]
    n_grown = rng.integers(k_lo, k_hi + 1, n_v)
    keys = rng.random((n_v, n_p)) ** (1.0 / (suit**2 + 0.02))  # weighted sampling w/o replacement
    order = np.argsort(-keys, axis=1)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(n_p)[None, :].repeat(n_v, 0), axis=1)
    grown = rank < n_grown[:, None]

    cert_labels = list(ec["certification_probs"])
    cert_p = np.array(list(ec["certification_probs"].values()))
    cert_draw = rng.choice(len(cert_labels) + 1, size=(n_v, n_p), p=[*cert_p, 1 - cert_p.sum()])
    certification = np.where(
        cert_draw < len(cert_labels), np.array([*cert_labels, ""], dtype=object)[cert_draw], ""
    )
    premium = np.where(
        certification != "", rng.uniform(0, ec["certification_premium_max"], (n_v, n_p)), 0.0
    )
    # Self-claimed labels earn little: only GI / green / organic carry most of the premium.
    premium = np.where(np.isin(certification, ["无公害"]), premium * 0.3, premium)

    potential = (
        ec["revenue_scale_2020"]
        * products["demand"].to_numpy()[None, :]
        * suit
        * ready[:, None]
        * np.where(cold_ok, 1.0, 0.15)
        * (1 + premium)
        * villages["talent"].to_numpy()[:, None]
    )

    base_area = rng.lognormal(np.log(120), 0.7, (n_v, n_p)) * (0.5 + suit)
    v_idx, p_idx = np.nonzero(grown)
    rows = []
    for year in years:  # 7 years: a loop over years, not rows
        growth = (1.05) ** (year - years[0])
        area = base_area[v_idx, p_idx] * growth * rng.uniform(0.9, 1.1, len(v_idx))
        output = (
            area
            * products["yield_jin_per_mu"].to_numpy()[p_idx]
            * rng.uniform(0.7, 1.1, len(v_idx))
        )
        rows.append(
            pd.DataFrame(
                {
                    "village_code": villages["village_code"].to_numpy()[v_idx],
                    "year": year,
                    "product_code": products["product_code"].to_numpy()[p_idx],
                    "area_mu": np.round(area, 1),
                    "output_jin": np.round(output),
                    "certification": certification[v_idx, p_idx],
                }
            )
        )
    production = pd.concat(rows, ignore_index=True)

    vv, pp = np.meshgrid(np.arange(n_v), np.arange(n_p), indexing="ij")
    potential_table = pd.DataFrame(
        {
            "village_code": villages["village_code"].to_numpy()[vv.ravel()],
            "product_code": products["product_code"].to_numpy()[pp.ravel()],
            "suitability": suit.ravel(),
            "certification": certification.ravel(),
            "potential_2020": np.round(potential.ravel(), 2),
            "produced": grown.ravel(),
            "base_area_mu": np.where(grown, base_area, 0.0).ravel(),
        }
    )
    return production, potential_table
