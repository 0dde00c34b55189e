"""Nodes of the ``product_recommendation`` pipeline (一村一品)."""

from __future__ import annotations

import itertools
import logging
import time

import lightgbm as lgb
import numpy as np
import pandas as pd

from ecpa_pipeline.domain.ranking import ranking_metrics

from . import evidence
from .features import PAIR
from .potential import PotentialModel, VillageProductsModel, produced

logger = logging.getLogger(__name__)


def _query_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted so that each query (village, year) is contiguous, as LightGBM needs."""
    return frame.sort_values(["year", "village_code", "product_code"], kind="stable").reset_index(
        drop=True
    )


def group_sizes(frame: pd.DataFrame) -> np.ndarray:
    """Sizes of consecutive (year, village) groups of an already query-ordered frame."""
    keys = frame["year"].astype(str) + "|" + frame["village_code"]
    change = np.r_[True, keys.to_numpy()[1:] != keys.to_numpy()[:-1]]
    starts = np.flatnonzero(change)
    return np.diff(np.r_[starts, len(frame)])


def split_years(
    pairs: pd.DataFrame, params: dict
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Train on earlier years, validate on the next, test on the last labelled year; the
    latest year (no label yet) is what gets recommended."""
    labelled = sorted(pairs.loc[pairs["relevance"].notna(), "year"].unique())
    first = params["first_feature_year"]
    test_year, valid_year = labelled[-1], labelled[-2]
    pick = lambda m: _query_order(pairs[m])  # noqa: E731
    train = pick(pairs["year"].between(first, valid_year - 1))
    return (
        train,
        pick(pairs["year"] == valid_year),
        pick(pairs["year"] == test_year),
        pick(pairs["relevance"].isna()),
    )


def fit_ranker(train: pd.DataFrame, validation: pd.DataFrame, params: dict) -> lgb.LGBMRanker:
    """LambdaRank grouped by village, explicit label gain, early stopping on validation."""
    features = params["features"]
    options = params["lightgbm"]
    ranker = lgb.LGBMRanker(
        objective="lambdarank",
        label_gain=[2**g - 1 for g in range(5)],
        n_estimators=options["n_estimators"],
        learning_rate=options["learning_rate"],
        num_leaves=options["num_leaves"],
        min_child_samples=options["min_child_samples"],
        random_state=params["seed"],
        deterministic=True,
        force_row_wise=True,
        n_jobs=1,
        verbose=-1,
    )
    ranker.fit(
        train[features].astype(float),
        train["relevance"].astype(int),
        group=group_sizes(train),
        eval_X=(validation[features].astype(float),),
        eval_y=(validation["relevance"].to_numpy(int),),
        eval_group=[group_sizes(validation)],
        eval_at=[3],
        callbacks=[lgb.early_stopping(options["early_stopping_rounds"], verbose=False)],
    )
    return ranker


def suitability(pairs: pd.DataFrame) -> pd.Series:
    """The OVOP-style suitability rule: terrain and elevation fit, cold chain where needed,
    certification, and the village's logistics and broadband."""
    return (
        pairs["terrain_fit"].astype(float)
        * np.exp(-pairs["elevation_gap_m"] / 300)
        * (~pairs["cold_chain_missing"]).astype(float)
        * (
            1
            + pairs["certified_gi"].astype(float)
            + 0.5 * pairs["certified_green_organic"].astype(float)
        )
        * (0.5 + pairs["express_point"].astype(float) + pairs["broadband"].astype(float))
    )


def potential_settings(params: dict) -> dict:
    """The potential model's settings: categories counted in their own unit (head, hives)
    have a standard scale of their own, every other product one in 亩."""
    units = params["scale_units"]
    own = [c for c in units if c != "default" and units[c]["zh"] != "亩" and "per" not in units[c]]
    return {**params["potential_model"], "own_scale_units": own}


def fit_potential_model(
    pairs: pd.DataFrame, params: dict, up_to_year: int | None = None
) -> PotentialModel:
    """The potential model on produced pair-years from ``first_feature_year`` on (through
    ``up_to_year`` when given: the evaluation fit sees nothing after the test year)."""
    last = pairs["year"].max() if up_to_year is None else up_to_year
    rows = pairs[pairs["year"].between(params["first_feature_year"], last)]
    started = time.perf_counter()
    model = PotentialModel(potential_settings(params)).fit(rows)
    model.training_seconds_ = time.perf_counter() - started
    return model


def fit_potential_for_evaluation(
    pairs: pd.DataFrame, test: pd.DataFrame, params: dict
) -> PotentialModel:
    """The potential model as it stood at the end of the test year."""
    return fit_potential_model(pairs, params, up_to_year=int(test["year"].max()))


def fit_village_products_model(pairs: pd.DataFrame, params: dict) -> PotentialModel:
    """The potential model on every year up to the latest: the one registered as a new
    version of ``village_products``, whose predictions make the officials' lists."""
    return fit_potential_model(pairs, params)


def _scores(
    test: pd.DataFrame, potential: PotentialModel, ranker: lgb.LGBMRanker, params: dict
) -> dict[str, np.ndarray]:
    """The potential model, the LambdaRank ranker and the three baselines on the same rows."""
    return {
        "potential_model": potential.predict(test)["expected_revenue_yuan"].to_numpy(),
        "lambdarank": ranker.predict(test[params["features"]].astype(float)),
        "national_bestseller": test["demand_yuan"].fillna(0).to_numpy(float),
        "current_top_production": test["area_mu"].to_numpy(float),
        "suitability_rule": suitability(test).to_numpy(float),
    }


def _truth_relevance(
    test: pd.DataFrame, truth: pd.DataFrame | None, params: dict
) -> pd.Series | None:
    """Each test pair's true potential graded 0-4 by quantiles of all pairs (simulation)."""
    if truth is None:
        return None
    potential = truth.set_index(PAIR)["potential_2020"]
    values = potential.reindex(pd.MultiIndex.from_frame(test[PAIR])).to_numpy(float)
    cuts = np.nanquantile(potential.to_numpy(float), params["truth_grade_quantiles"])
    return pd.Series(np.searchsorted(cuts, values, side="right"), index=test.index, dtype=float)


def evaluate_rankers(
    test: pd.DataFrame,
    potential: PotentialModel,
    ranker: lgb.LGBMRanker,
    truth: pd.DataFrame | None,
    params: dict,
) -> tuple[dict, pd.DataFrame]:
    """NDCG@1/@3, HR@1/@3 and MAP@1/@3 of every scorer on the test year, for the whole
    list, the *develop* list (products the village does not produce yet) and the *expand*
    list, against the observed next-year revenue grade and, with ``_truth``, the true
    potential. ``truth`` is the simulator's village × product table (None with real data)."""
    scores = _scores(test, potential, ranker, params)
    true_rel = _truth_relevance(test, truth, params)
    lists = {"all": np.ones(len(test), bool), "develop": ~produced(test).to_numpy()}
    lists["expand"] = ~lists["develop"]
    rows = []
    for (name, score), (which, keep) in itertools.product(scores.items(), lists.items()):
        frame = test.assign(score=score, true_relevance=true_rel)[keep]
        row = {"scorer": name, "list": which}
        targets = {
            "observed": "relevance",
            **({"truth": "true_relevance"} if truth is not None else {}),
        }
        for target, column in targets.items():
            m = ranking_metrics(
                frame, "village_code", "score", column, relevant_from=params["relevant_from"]
            )
            row |= {f"{target}.{k}": v for k, v in m.items()}
        rows.append(row)
    table = pd.DataFrame(rows)
    metrics = {
        f"{r['scorer']}.{r['list']}.{k.replace('@', '_at_')}": {"value": float(v), "step": 0}
        for r in rows
        for k, v in r.items()
        if k not in ("scorer", "list") and np.isfinite(v)  # MLflow names: no '@'
    }
    metrics["potential_model.training_seconds"] = {
        "value": float(potential.training_seconds_),
        "step": 0,
    }
    logger.info(
        "Ranking on the test year:\n%s",
        table.filter(regex="scorer|list|ndcg@3|hr@3").round(3).to_string(index=False),
    )
    return metrics, table


def model_summary(
    fitted: PotentialModel,
) -> tuple[VillageProductsModel, dict, pd.DataFrame, pd.DataFrame, str]:
    """The model as an MLflow pyfunc, and what an auditor needs beside it: the target
    definition and whether the market index was used (MLflow params), the coefficients,
    the shrinkage selection table and a model card."""
    params = {
        "potential_model.target": (
            "yearly online revenue (yuan) of a village x product at the product's standard "
            "scale (median county scale), all platforms with an export; learned from produced "
            "pair-years, zeros included"
        ),
        "potential_model.market_source_present": fitted.with_market_,
        "potential_model.fit_year": fitted.fit_year_,
        "potential_model.solver": fitted.solver_,
        **{f"potential_model.chosen.{k}": v for k, v in fitted.setting_.items()},
    }
    coefficients = fitted.coefficients_.rename("coefficient").rename_axis("term").reset_index()
    card = _model_card(fitted, coefficients)
    return VillageProductsModel(fitted), params, coefficients, fitted.selection_, card


def _model_card(fitted: PotentialModel, coefficients: pd.DataFrame) -> str:
    """The model card of this fit: what it predicts, from what, how it was chosen."""
    scales = ", ".join(f"{k}: {v:g}" for k, v in fitted.standard_scale_.items())
    table = "\n".join(
        f"| {r.term} | {r.coefficient:.3f} |" for r in coefficients.itertuples(index=False)
    )
    market = "used" if fitted.with_market_ else "absent (products differ by county sales only)"
    return f"""# Model card: village_products (一村一品 sales potential)

**Predicts** the yearly online revenue (yuan) a village would earn with a product at a
standard scale (the county's median scale; by unit: {scales}), for every village × product,
produced or not. Recommendations rank products by it, in two lists per village: *develop*
(not produced yet) and *expand* (current production).

**Learned from** {fitted.rows_} produced village-product-years up to {fitted.fit_year_}
(their online revenue on the exported platforms, zeros included). Never from `_truth/`.

**Estimator**: a Tweedie GLM (power {fitted.params["tweedie_power"]}, log link):
log E[revenue] = village effect + product effect + pair fit + β·log(scale) + year trend.
Multiplicative effects carry what produced pairs earn to unproduced ones through what both
sides can observe (terrain, elevation, cold chain, certification, logistics, national
demand); a tree model would copy the nearest produced pair instead. Shrinkage (ridge
alpha, product and village deviation scales) chosen by 5-fold cross-validation over
villages, simplest setting within one standard error of the best: {fitted.setting_}.

**National demand (market index)**: {market}.

**Coefficients** (per unit of each term; log scale):

| term | coefficient |
|---|---|
{table}

**Limits**: a county sees each product in a few villages only, so without the market index
products are told apart mostly by fit; a product never produced in the county and absent from
the market index is an average product. The revenue band is the interquartile range of
what producing villages earned against the model when they sold.
"""


def recommend(
    latest: pd.DataFrame,
    model,
    products: pd.DataFrame,
    villages: pd.DataFrame,
    params: dict,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two ranked lists per village for the coming year: *develop* (products it does not
    produce yet, expected revenue at the product's standard scale) and *expand* (its current
    production, at the village's current scale), each with the expected revenue, its range
    and the evidence in words; hard constraints applied — cold chain, express point, the
    catalogue's terrain and elevation range, a minimum expected revenue — and the products
    they removed listed apart with the reason. Fewer than ``top_k`` rows is a valid list.

    ``model`` is the registered pyfunc (or anything with the same ``predict``)."""
    current = latest["area_mu"].where(produced(latest) & (latest["area_mu"] > 0))
    rows = latest.join(model.predict(latest.assign(at_scale=current)).set_axis(latest.index))
    rows["list"] = np.where(produced(rows), "expand", "develop")
    rows["suitability"] = suitability(rows)
    rows = rows.sort_values(
        ["village_code", "list", "expected_revenue_yuan", "suitability", "product_code"],
        ascending=[True, True, False, False, True],
    )
    rows["would_rank"] = rows.groupby(["village_code", "list"]).cumcount() + 1
    reason = evidence.constraint_reasons(rows, params["constraints"])
    kept = rows[reason["zh"] == ""].copy()
    kept["rank"] = kept.groupby(["village_code", "list"]).cumcount() + 1
    top = kept[kept["rank"] <= params["top_k"]].copy()
    # The observed-revenue view, as the expand list's check: rank by current online sales.
    sold = rows[rows["list"] == "expand"]
    observed_rank = (
        sold.sort_values(
            ["village_code", "village_sales_yuan"], ascending=[True, False], kind="stable"
        )
        .groupby("village_code")
        .cumcount()
        + 1
    )
    top["observed_sales_rank"] = observed_rank.reindex(top.index)
    top = top.join(evidence.describe(top, latest, products, params))
    excluded = rows[reason["zh"] != ""].assign(reason_zh=reason["zh"], reason_en=reason["en"])
    excluded = excluded[excluded["would_rank"] <= params["top_k"]]
    return (
        _named(top, products, villages)[evidence.RECOMMENDATION_COLUMNS],
        _named(excluded, products, villages)[evidence.EXCLUSION_COLUMNS],
    )


def _named(rows: pd.DataFrame, products: pd.DataFrame, villages: pd.DataFrame) -> pd.DataFrame:
    """Rows with their township, village and English product name, revenues in whole yuan."""
    places = villages[["village_code", "township", "village"]].drop_duplicates("village_code")
    names = products[["product_code", "name_en"]].rename(columns={"name_en": "product_name_en"})
    money = [c for c in rows if c.endswith("_yuan")]
    return (
        rows.drop(columns=["township", "village"], errors="ignore")
        .reset_index(drop=True)
        .merge(places, on="village_code", how="left", validate="many_to_one")
        .merge(names, on="product_code", how="left", validate="many_to_one")
        .assign(**{c: rows[c].round(0).to_numpy() for c in money})  # no 12 decimals
    )


def sales_monitoring(
    order_lines: pd.DataFrame, villages: pd.DataFrame, shops: pd.DataFrame
) -> pd.DataFrame:
    """E-commerce sales traced through shops, by month, platform and product: revenue from
    poor villages and from shops run by registered households (the assessment mechanism)."""
    lines = (
        order_lines[order_lines["is_revenue"]]
        .merge(villages[["village_code", "poor_village"]], on="village_code", how="left")
        .merge(shops[["shop_id", "operator", "household_code"]], on="shop_id", how="left")
    )
    lines["month_start"] = lines["order_time"].dt.to_period("M").dt.start_time
    lines["poor_village_yuan"] = lines["amount_yuan"].where(
        lines["poor_village"].fillna(False).astype(bool), 0.0
    )
    lines["household_shop_yuan"] = lines["amount_yuan"].where(lines["household_code"].notna(), 0.0)
    return (
        lines.groupby(["month_start", "platform", "product_code"])
        .agg(
            revenue_yuan=("amount_yuan", "sum"),
            poor_village_yuan=("poor_village_yuan", "sum"),
            household_shop_yuan=("household_shop_yuan", "sum"),
            order_lines=("order_id", "size"),
        )
        .reset_index()
    )
