"""Villages, products, village production and shops: the reference tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ecpa_pipeline.domain.normalise import (
    by_unique,
    clean_text,
    match_codes,
    parse_bool,
    parse_date,
    parse_number,
)
from ecpa_pipeline.domain.units import unit_to_kg

from .ledger import (
    FILE,
    ROW,
    accounting,
    flag,
    quarantine_first,
    read_source,
    screen_ranges,
    split_duplicates,
)

LIST_SEPARATORS = r"[;；,，、]"


def _flag_unreadable(
    frame: pd.DataFrame, masks: dict[str, pd.Series], source: str
) -> list[pd.DataFrame]:
    """Flag cells that could not be read (the value becomes missing, the row stays)."""
    return [
        flag(frame, mask, source, "unreadable_value", column)
        for column, mask in masks.items()
        if mask.any()
    ]


def _booleans(frame: pd.DataFrame, columns: list[str]) -> tuple[dict, dict]:
    values, bad = {}, {}
    for column in columns:
        values[column], bad[column] = parse_bool(frame[column])
    return values, bad


def _numbers(frame: pd.DataFrame, columns: list[str]) -> tuple[dict, dict]:
    values, bad = {}, {}
    for column in columns:
        values[column], bad[column] = parse_number(frame[column])
    return values, bad


def clean_villages(
    loaders: dict, mapping: dict, code_lists: dict, spec: dict
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The village survey: one row per valid 12-digit village code.

    Returns:
        villages, ledger entries, accounting row.
    """
    source = "villages"
    raw = read_source(loaders, mapping, spec, source)
    columns = list(mapping)
    frame, dup = split_duplicates(raw, columns, source)
    code = clean_text(frame["village_code"])

    def listed_again(remaining: np.ndarray) -> pd.Series:
        return code.loc[remaining].duplicated(keep="first")

    frame, ledger = quarantine_first(
        frame,
        [
            ("bad_village_code", ~code.str.fullmatch(r"\d{12}").fillna(False), ""),
            ("duplicate_key", listed_again, "village_code"),
        ],
        source,
        columns,
    )
    ledger = [dup, *ledger]

    bools, bad_b = _booleans(
        frame,
        [
            "poor_village",
            "paved_road",
            "broadband",
            "express_point",
            "ecommerce_station",
            "cold_chain",
        ],
    )
    nums, bad_n = _numbers(
        frame,
        [
            "elevation_m",
            "county_distance_km",
            "cooperatives",
            "households",
            "population",
            "collective_income_10k",
        ],
    )
    terrain, bad_t = match_codes(frame["terrain"], code_lists["terrain"])
    region, bad_r = match_codes(frame["region"], code_lists["region"])
    ledger += _flag_unreadable(frame, {**bad_b, **bad_n, "terrain": bad_t, "region": bad_r}, source)

    code = clean_text(frame["village_code"])
    villages = pd.DataFrame(
        {
            "village_code": code,
            "province": clean_text(frame["province"]),
            "prefecture": clean_text(frame["prefecture"]),
            "county": clean_text(frame["county"]),
            "county_code": code.str[:6],
            "township": clean_text(frame["township"]),
            "village": clean_text(frame["village"]),
            **bools,
            "terrain": terrain,
            "elevation_m": nums["elevation_m"],
            "county_distance_km": nums["county_distance_km"],
            "cooperatives": nums["cooperatives"],
            "households": nums["households"],
            "population": nums["population"],
            "collective_income_yuan": nums["collective_income_10k"] * 10_000,
            "region": region,
            FILE: frame[FILE],
            ROW: frame[ROW],
        }
    )
    villages, in_range = screen_ranges(villages, frame, spec["value_ranges"], source, columns)
    ledger = pd.concat([*ledger, *in_range], ignore_index=True)
    villages = villages.reset_index(drop=True)
    return villages, ledger, accounting(source, len(raw), len(villages), ledger)


def _range(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    parts = clean_text(values).str.extract(r"^(\d+(?:\.\d+)?)\s*[-~—至]\s*(\d+(?:\.\d+)?)$")
    return pd.to_numeric(parts[0], errors="coerce"), pd.to_numeric(parts[1], errors="coerce")


def clean_products(
    loaders: dict, mapping: dict, code_lists: dict, spec: dict
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The characteristic-product catalogue, with aliases and ranges parsed.

    Returns:
        products, ledger entries, accounting row.
    """
    source = "products"
    raw = read_source(loaders, mapping, spec, source)
    columns = list(mapping)
    frame, dup = split_duplicates(raw, columns, source)
    code = clean_text(frame["product_code"])
    name = clean_text(frame["product_name"])
    frame, ledger = quarantine_first(
        frame, [("missing_key", code.isna() | name.isna() | code.duplicated(), "")], source, columns
    )
    ledger = [dup, *ledger]
    category, bad_c = match_codes(frame["category"], code_lists["category"])
    perish, bad_p = match_codes(frame["perishability"], code_lists["perishability"])
    cold, bad_cold = parse_bool(frame["needs_cold_chain"])
    shelf, bad_s = parse_number(frame["shelf_life_days"])
    price, bad_price = parse_number(frame["farm_gate_price_per_jin"])
    elev_lo, elev_hi = _range(frame["elevation_range"])
    season_lo, season_hi = _range(frame["season"])
    ledger += _flag_unreadable(
        frame,
        {
            "category": bad_c,
            "perishability": bad_p,
            "needs_cold_chain": bad_cold,
            "shelf_life_days": bad_s,
            "farm_gate_price_per_jin": bad_price,
        },
        source,
    )

    def split(s):
        return (
            clean_text(s)
            .fillna("")
            .str.split(LIST_SEPARATORS)
            .map(lambda xs: ";".join(x.strip() for x in xs if x.strip()))
        )

    products = pd.DataFrame(
        {
            "product_code": clean_text(frame["product_code"]),
            "product_name": clean_text(frame["product_name"]),
            "name_en": clean_text(frame["name_en"]),
            "aliases": split(frame["aliases"]),
            "category": category,
            "perishability": perish,
            "needs_cold_chain": cold,
            "shelf_life_days": shelf,
            "suitable_terrain": split(frame["suitable_terrain"]),
            "elevation_min": elev_lo,
            "elevation_max": elev_hi,
            "season_start": season_lo,
            "season_end": season_hi,
            "farm_gate_price_per_jin": price,
            FILE: frame[FILE],
            ROW: frame[ROW],
        }
    )
    products, in_range = screen_ranges(products, frame, spec["value_ranges"], source, columns)
    ledger = pd.concat([*ledger, *in_range], ignore_index=True)
    products = products.reset_index(drop=True)
    return products, ledger, accounting(source, len(raw), len(products), ledger)


def product_aliases(products: pd.DataFrame) -> pd.DataFrame:
    """Every spelling of every product (catalogue name and aliases), longest first."""
    names = products[["product_code", "product_name"]].rename(columns={"product_name": "alias"})
    aliases = (
        products[["product_code", "aliases"]]
        .assign(alias=products["aliases"].str.split(";"))
        .explode("alias")
    )
    table = pd.concat([names, aliases[["product_code", "alias"]]], ignore_index=True)
    table = table[table["alias"].fillna("").str.len() > 0].drop_duplicates()
    return (
        table.assign(length=table["alias"].str.len())
        .sort_values(["length", "alias"], ascending=[False, True])
        .reset_index(drop=True)
    )


@by_unique
def match_products(texts: pd.Series, aliases: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The catalogue product named in each free text (title, spec, production name).

    The longest alias contained in the text wins; two products tied on the longest alias
    make the text ambiguous. Nothing is guessed beyond the dictionary.

    Returns:
        product codes (``<NA>`` when none or ambiguous) and the ambiguity mask.
    """
    text = pa.array(clean_text(texts).fillna(""), type=pa.string())
    product, codes = pd.factorize(aliases["product_code"])
    best = np.full(len(text), -1)  # position in ``codes``
    best_len = np.zeros(len(text), dtype=int)
    ambiguous = np.zeros(len(text), dtype=bool)
    # Aliases come longest first: a text matched by a longer alias is settled, so each
    # length is searched only among the texts no longer alias has matched.
    for length in aliases["length"].unique():
        of_length = (aliases["length"] == length).to_numpy()
        open_ = np.flatnonzero(best_len == 0)
        candidates = text.take(pa.array(open_))
        for alias, code in zip(aliases["alias"][of_length], product[of_length], strict=True):
            hit = open_[pc.match_substring(candidates, alias).to_numpy(zero_copy_only=False)]
            new = hit[best_len[hit] == 0]
            best[new], best_len[new] = code, length
            # Another product already matched at the same length: a tie.
            ambiguous[hit[(best_len[hit] == length) & (best[hit] != code)]] = True
    found = pd.Series(np.asarray(codes, dtype=object)[best], index=texts.index, dtype="str").where(
        best >= 0
    )
    ambiguous = pd.Series(ambiguous, index=texts.index)
    return found.mask(ambiguous), ambiguous


def clean_village_production(
    loaders: dict,
    mapping: dict,
    code_lists: dict,
    spec: dict,
    villages: pd.DataFrame,
    products: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """What each village grows, by year, with the catalogue product and output in kg.

    Returns:
        village_production, ledger entries, accounting row.
    """
    source = "village_production"
    raw = read_source(loaders, mapping, spec, source)
    columns = list(mapping)
    frame, dup = split_duplicates(raw, columns, source)
    code = clean_text(frame["village_code"])
    product, ambiguous = match_products(frame["product_name"], product_aliases(products))
    name = clean_text(frame["product_name"]).fillna("")
    year, _ = parse_number(frame["year"])
    frame, ledger = quarantine_first(
        frame,
        [
            ("unknown_village", ~code.isin(villages["village_code"]), code.fillna("")),
            ("ambiguous_product", ambiguous, name),
            ("unknown_product", product.isna(), name),
            ("bad_year", year.isna(), ""),
        ],
        source,
        columns,
    )
    ledger = [dup, *ledger]
    product = product[frame.index]
    area, bad_area = parse_number(frame["area_mu"])
    output, bad_out = parse_number(frame["output"])
    unit, bad_unit = match_codes(frame["unit"], code_lists["production_unit"])
    certification, bad_cert = match_codes(frame["certification"], code_lists["certification"])
    ledger += _flag_unreadable(
        frame,
        {"area_mu": bad_area, "output": bad_out, "unit": bad_unit, "certification": bad_cert},
        source,
    )
    production = pd.DataFrame(
        {
            "village_code": clean_text(frame["village_code"]),
            "year": year[frame.index].astype("int64"),
            "product_code": product[frame.index],
            "product_name_raw": clean_text(frame["product_name"]),
            "area_mu": area,
            "output": output,
            "unit": unit,
            "output_kg": output * unit_to_kg(unit.fillna("")),
            "certification": certification,
            FILE: frame[FILE],
            ROW: frame[ROW],
        }
    )
    production, in_range = screen_ranges(production, frame, spec["value_ranges"], source, columns)
    ledger = pd.concat([*ledger, *in_range], ignore_index=True)
    production = production.reset_index(drop=True)
    return production, ledger, accounting(source, len(raw), len(production), ledger)


def clean_shops(
    loaders: dict, mapping: dict, code_lists: dict, spec: dict, villages: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The shop register: each shop with its platform, village and operator.

    Returns:
        shops, ledger entries, accounting row.
    """
    source = "shops"
    raw = read_source(loaders, mapping, spec, source)
    columns = list(mapping)
    frame, dup = split_duplicates(raw, columns, source)
    shop_id = clean_text(frame["shop_id"])
    code = clean_text(frame["village_code"])
    platform, bad_platform = match_codes(frame["platform"], code_lists["platform"])
    frame, ledger = quarantine_first(
        frame,
        [
            ("missing_key", shop_id.isna() | shop_id.duplicated(), "shop_id"),
            ("unknown_village", ~code.isin(villages["village_code"]), code.fillna("")),
            ("bad_code", bad_platform | platform.isna(), "platform"),
        ],
        source,
        columns,
    )
    ledger = [dup, *ledger]
    platform = platform[frame.index]
    operator, bad_op = match_codes(frame["operator"], code_lists["operator"])
    opened, bad_opened = parse_date(frame["opened"])
    linked, bad_linked = parse_number(frame["poor_households_linked"])
    ledger += _flag_unreadable(
        frame,
        {"operator": bad_op, "opened": bad_opened, "poor_households_linked": bad_linked},
        source,
    )
    code = clean_text(frame["village_code"])
    shops = pd.DataFrame(
        {
            "shop_id": clean_text(frame["shop_id"]),
            "shop_name": clean_text(frame["shop_name"]),
            "platform": platform,
            "village_code": code,
            "county_code": code.str[:6],
            "operator": operator,
            "household_code": clean_text(frame["household_code"]),
            "opened": opened,
            "poor_households_linked": linked,
            FILE: frame[FILE],
            ROW: frame[ROW],
        }
    )
    shops, in_range = screen_ranges(shops, frame, spec["value_ranges"], source, columns)
    ledger = pd.concat([*ledger, *in_range], ignore_index=True)
    shops = shops.reset_index(drop=True)
    return shops, ledger, accounting(source, len(raw), len(shops), ledger)
