"""Nodes of the ``product_recommendation`` pipeline (一村一品)."""

from __future__ import annotations

import logging

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.isotonic import IsotonicRegression

from ecpa_pipeline.domain.ranking import ranking_metrics

from .features import PAIR

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


def _scores(test: pd.DataFrame, ranker: lgb.LGBMRanker, params: dict) -> dict[str, np.ndarray]:
    """The ranker and the three baselines on the same rows."""
    return {
        "ranker": ranker.predict(test[params["features"]].astype(float)),
        "national_bestseller": test["demand_yuan"].fillna(0).to_numpy(float),
        "current_top_production": test["area_mu"].to_numpy(float),
        "suitability_rule": suitability(test).to_numpy(float),
    }


def _truth_relevance(test: pd.DataFrame, truth: dict, params: dict) -> pd.Series | None:
    name = "_truth/village_products.parquet"
    if name not in truth:
        return None
    potential = truth[name]().to_pandas().set_index(PAIR)["potential_2020"]
    values = potential.reindex(pd.MultiIndex.from_frame(test[PAIR])).to_numpy(float)
    cuts = np.nanquantile(potential.to_numpy(float), params["truth_grade_quantiles"])
    return pd.Series(np.searchsorted(cuts, values, side="right"), index=test.index, dtype=float)


def evaluate_rankers(
    test: pd.DataFrame, ranker: lgb.LGBMRanker, truth: dict, params: dict
) -> tuple[dict, pd.DataFrame]:
    """NDCG@1/@3, HR@3, MAP@3 of the ranker and each baseline on the test year, against the
    observed next-year revenue grade and, with ``_truth``, the true potential."""
    scores = _scores(test, ranker, params)
    true_rel = _truth_relevance(test, truth, params)
    rows = []
    for name, score in scores.items():
        frame = test.assign(score=score, true_relevance=true_rel)
        observed = ranking_metrics(
            frame, "village_code", "score", "relevance", relevant_from=params["relevant_from"]
        )
        row = {"scorer": name, **{f"observed.{k}": v for k, v in observed.items()}}
        if true_rel is not None:
            truth_m = ranking_metrics(
                frame,
                "village_code",
                "score",
                "true_relevance",
                relevant_from=params["relevant_from"],
            )
            row |= {f"truth.{k}": v for k, v in truth_m.items() if k.startswith(("ndcg", "hr"))}
        rows.append(row)
    table = pd.DataFrame(rows)
    metrics = {
        f"{r['scorer']}.{k.replace('@', '_at_')}": {
            "value": float(v),
            "step": 0,
        }  # MLflow names: no '@'
        for r in rows
        for k, v in r.items()
        if k != "scorer" and np.isfinite(v)
    }
    logger.info(
        "Ranking on the test year:\n%s",
        table.filter(regex="scorer|ndcg@3|hr@3").round(3).to_string(index=False),
    )
    return metrics, table


def _rationale(rows: pd.DataFrame, language: str) -> pd.Series:
    """Plain-language reasons from the pair's features (zh or en), up to three."""
    zh = language == "zh"
    parts = pd.DataFrame(index=rows.index)
    growth = (np.expm1(rows["demand_growth"].fillna(0)) * 100).round()
    parts["gi"] = np.where(
        rows["certified_gi"], "地理标志产品" if zh else "geographical indication", ""
    )
    parts["cold"] = np.where(
        rows["needs_cold_chain"].fillna(False).astype(bool) & ~rows["cold_chain_missing"],
        "冷链可用" if zh else "cold chain available",
        "",
    )
    parts["growth"] = np.where(
        growth > 0,
        (
            ("全网需求年增 " if zh else "online demand +")
            + growth.astype(int).astype(str)
            + (" %" if zh else " % a year")
        ),
        "",
    )
    area = rows["area_mu"].round().astype(int).astype(str)
    parts["area"] = np.where(
        rows["area_mu"] > 0,
        ("现有种植 " + area + " 亩") if zh else (area + " mu already grown"),
        "",
    )
    sales = rows["village_sales_yuan"].round().astype(int).astype(str)
    parts["sales"] = np.where(
        rows["village_sales_yuan"] > 0,
        ("本村网销 " + sales + " 元") if zh else ("village online sales " + sales + " yuan"),
        "",
    )
    parts["fit"] = np.where(
        rows["terrain_fit"] & (rows["elevation_gap_m"] == 0),
        "地形海拔适宜" if zh else "suits terrain and elevation",
        "",
    )
    demand = rows["demand_yuan"].fillna(0).round().astype(int).astype(str)
    # Always true, so that no recommendation comes without a reason.
    parts["demand"] = np.where(
        rows["demand_yuan"].fillna(0) > 0,
        ("全网年网销 " + demand + " 元")
        if zh
        else ("online sales of the product " + demand + " yuan a year"),
        "与本村条件相符" if zh else "matches the village's conditions",
    )
    joined = parts.apply(lambda r: [p for p in r if p][:3], axis=1)  # a handful of rows per village
    return joined.map(("；" if zh else "; ").join)


def recommend(
    latest: pd.DataFrame, train: pd.DataFrame, ranker: lgb.LGBMRanker, params: dict
) -> pd.DataFrame:
    """Top-k products per village for the coming year, hard constraints applied, with an
    expected revenue band and the reasons in Chinese and English."""
    features = params["features"]
    rows = latest.copy()
    perishable = rows["perishability"].isin(params["constraints"]["perishable"])
    blocked = (
        rows["perishability"].isin(params["constraints"]["needs_cold_chain_levels"])
        & rows["cold_chain_missing"]
    ) | (perishable & ~rows["express_point"].fillna(False).astype(bool))
    rows["score"] = ranker.predict(rows[features].astype(float))
    rows = rows[~blocked]
    # Expected band: the relevance grade that training pairs with similar scores reached.
    band_model = IsotonicRegression(out_of_bounds="clip").fit(
        ranker.predict(train[features].astype(float)), train["relevance"]
    )
    rows["expected_grade"] = np.round(band_model.predict(rows["score"])).astype(int)
    bands = params["revenue_bands"]
    rows["expected_revenue_band"] = rows["expected_grade"].map(lambda g: bands[int(g)])
    # The ranker often scores many of a village's products alike (it learns that what sells
    # keeps selling): among equal scores, the better-suited product comes first.
    rows["suitability"] = suitability(rows)
    rows = rows.sort_values(
        ["village_code", "score", "suitability", "product_code"],
        ascending=[True, False, False, True],
    )
    top = rows.groupby("village_code").head(params["top_k"]).copy()
    top["rank"] = top.groupby("village_code").cumcount() + 1
    top["rationale_zh"] = _rationale(top, "zh")
    top["rationale_en"] = _rationale(top, "en")
    return top[
        [
            "village_code",
            "rank",
            "product_code",
            "product_name",
            "score",
            "expected_revenue_band",
            "rationale_zh",
            "rationale_en",
            "poor_households_with_labour",
        ]
    ].reset_index(drop=True)


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
