"""Ranks (within village, township and county), risk bands and the measures per household
(措施到户) by the configured rules, naming the village's products (一村一品)."""

from __future__ import annotations

import pandas as pd

from ecpa_pipeline.domain.rules import matching_rules
from ecpa_pipeline.officials import joined_names, rank_within, risk_band


def rank_households(scores: pd.DataFrame, profiles: pd.DataFrame, params: dict) -> pd.DataFrame:
    """Risk band, rank within village / township / county (most in need first: lowest exit
    likelihood) and the exit-readiness order (households meeting the exit criteria first,
    then the most likely to exit: the order to put them forward for verification).

    Ties of the calibrated likelihood are broken by the booster's raw score, then by the
    household code, so that the same inputs always give the same lists.
    """
    ranked = profiles.merge(scores, on="household_key", how="left", validate="one_to_one")
    need = ["exit_probability", "raw_score", "household_code"]
    up = [True, True, True]
    ranked["rank_county"] = rank_within(ranked, need, up, "county_code")
    ranked["rank_township"] = rank_within(ranked, need, up, ["county_code", "township"])
    ranked["rank_village"] = rank_within(ranked, need, up, "village_code")
    ranked["risk_band"] = risk_band(
        ranked["rank_county"], ranked["county_code"], params["risk_bands"]
    )
    ranked["readiness_rank"] = rank_within(
        ranked,
        ["meets_exit_criteria", "exit_probability", "raw_score", "household_code"],
        [False, False, False, True],
        "county_code",
    )
    return ranked.sort_values(["county_code", "rank_county"]).reset_index(drop=True)


def _village_products(
    recommendations: pd.DataFrame | None, products: pd.DataFrame, villages: pd.Series
) -> pd.DataFrame:
    """Each village's leading product (first of its *expand* list, else of its *develop*
    list) and the product it should develop (first of the *develop* list), in Chinese and
    English ('' where none, or before product_recommendation has run)."""
    columns = ["village_product", "village_product_en", "new_product", "new_product_en"]
    names = pd.DataFrame("", index=villages.index, columns=columns)
    if recommendations is None or recommendations.empty:
        return names.astype("str")
    rec = recommendations.assign(village_code=recommendations["village_code"].astype("str"))
    rec = rec[rec["rank"] == 1].merge(
        products[["product_code", "name_en"]], on="product_code", how="left"
    )
    rec["name_en"] = rec["name_en"].fillna(rec["product_name"])
    first = {
        which: rec[rec["list"] == which].set_index("village_code")
        for which in ("expand", "develop")
    }
    develop, expand = first["develop"], first["expand"]
    return (
        pd.DataFrame(
            {
                "village_product": villages.map(expand["product_name"]).fillna(
                    villages.map(develop["product_name"])
                ),
                "village_product_en": villages.map(expand["name_en"]).fillna(
                    villages.map(develop["name_en"])
                ),
                "new_product": villages.map(develop["product_name"]),
                "new_product_en": villages.map(develop["name_en"]),
            },
            index=villages.index,
        )
        .fillna("")
        .astype("str")
    )


def recommend_measures(
    ranked: pd.DataFrame,
    recommendations: pd.DataFrame | None,
    products: pd.DataFrame,
    params: dict,
) -> pd.DataFrame:
    """Measures per household (措施到户) by the configured rules, with the village's top
    recommended product (一村一品) where the rule names one.

    Conditions are checked against an allow-list and interpreted (``domain.rules``): a
    rule's text never runs as code.

    Raises:
        RuleError: naming the rule whose condition is not allowed or cannot be evaluated.
    """
    frame = ranked.copy()
    frame = frame.join(_village_products(recommendations, products, frame["village_code"]))
    frame["has_village_product"] = frame["village_product"] != ""
    flags = matching_rules(
        frame, params["measures"], params["default_measure"]["code"], "household_ranking.measures"
    )
    frame["measure_codes"] = joined_names(flags, {c: c for c in flags.columns})
    return frame
