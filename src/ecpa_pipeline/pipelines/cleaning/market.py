"""The national market index (``market/market_index.csv``, optional): published online
retail by product, or by category where reports give no finer figure."""

from __future__ import annotations

import pandas as pd

from ecpa_pipeline.domain.normalise import clean_text, parse_number

from .catalogues import match_products, product_aliases
from .ledger import (
    FILE,
    ROW,
    accounting,
    empty_issues,
    flag,
    outside_ranges,
    quarantine_first,
    read_source,
    split_duplicates,
)

COLUMNS = ["year", "product_code", "category", "online_retail_yuan", "yoy_growth", "source"]


def no_market_index() -> pd.DataFrame:
    """The primary table of a county without the optional source: no rows, same columns."""
    return pd.DataFrame(
        {
            "year": pd.Series(dtype="int64"),
            "product_code": pd.Series(dtype="str"),
            "category": pd.Series(dtype="str"),
            "online_retail_yuan": pd.Series(dtype="float64"),
            "yoy_growth": pd.Series(dtype="float64"),
            "source": pd.Series(dtype="str"),
            FILE: pd.Series(dtype="str"),
            ROW: pd.Series(dtype="int64"),
        }
    )


def clean_market_index(
    loaders: dict, mapping: dict, code_lists: dict, spec: dict, products: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """National online retail per product (or category) and year.

    A name that is a catalogue product or alias is that product; otherwise a category of the
    code list is a category-level figure (flagged ``category_level``); anything else is
    quarantined. A row needs a level or a growth rate; one with growth only is flagged
    ``growth_without_level``, and the same product-year listed more than once (two reports)
    is kept in full and flagged ``listed_twice``.

    Returns:
        market_index, ledger entries, accounting row (all empty when the source is absent).
    """
    source = "market_index"
    if not loaders:
        return no_market_index(), empty_issues(), accounting(source, 0, 0, empty_issues())
    raw = read_source(loaders, mapping, spec, source)
    columns = list(mapping)
    frame, dup = split_duplicates(raw, columns, source)
    name = clean_text(frame["product_name"]).fillna("")
    category = name.where(name.isin(code_lists["category"]))
    product, ambiguous = match_products(frame["product_name"], product_aliases(products))
    # The catalogue entry is the more specific reading of a name that is also a category.
    category = category.where(product.isna())
    year, _ = parse_number(frame["year"])
    level, bad_level = parse_number(frame["online_retail_100m"])
    growth, bad_growth = parse_number(frame["yoy_growth_pct"])
    frame, ledger = quarantine_first(
        frame,
        [
            ("bad_year", year.isna() | (year != year.round()), ""),
            ("ambiguous_product", ambiguous, name),
            ("unknown_product", product.isna() & category.isna(), name),
            ("no_value", level.isna() & growth.isna(), ""),
            (
                "out_of_range",
                *outside_ranges(
                    pd.DataFrame({"online_retail_yuan": level * 1e8, "yoy_growth": growth / 100}),
                    spec["value_ranges"],
                ),
            ),
        ],
        source,
        columns,
    )
    kept = frame.index
    product, category, level, growth = product[kept], category[kept], level[kept], growth[kept]
    category = category.fillna(product.map(products.set_index("product_code")["category"]))
    key = pd.DataFrame({"year": year[kept], "what": product.fillna("category:" + category)})
    ledger += [
        flag(frame, product.isna(), source, "category_level", category.fillna("")),
        flag(frame, level.isna(), source, "growth_without_level"),
        flag(frame, key.duplicated(keep=False), source, "listed_twice", key["what"]),
        flag(frame, bad_level[kept] | bad_growth[kept], source, "unreadable_value"),
    ]
    market = pd.DataFrame(
        {
            "year": year[kept].astype("int64"),
            "product_code": product.astype("str"),
            "category": category.astype("str"),
            "online_retail_yuan": level * 1e8,
            "yoy_growth": growth / 100,
            "source": clean_text(frame["source"]).astype("str"),
            FILE: frame[FILE],
            ROW: frame[ROW],
        }
    ).reset_index(drop=True)
    ledger = pd.concat([dup, *ledger], ignore_index=True)
    return market, ledger, accounting(source, len(raw), len(market), ledger)
