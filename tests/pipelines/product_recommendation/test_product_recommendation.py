"""一村一品 on the tiny world: features by hand, contiguous groups, constraints honoured, the
ranker ahead of the bestseller baseline, and the MLflow run."""

from __future__ import annotations

import mlflow
import numpy as np
import pandas as pd
import pytest

from ecpa_pipeline.pipelines.product_recommendation import features, nodes
from ecpa_pipeline.pipelines.product_recommendation.pipeline import create_pipeline
from tests.conftest import run_pipeline


def test_location_quotient_and_refund_rate_by_hand():
    villages = pd.DataFrame(
        {
            "village_code": ["V1", "V2"],
            "county_code": ["C", "C"],
            "township": ["T", "T"],
            "terrain": ["山区", "山区"],
            "elevation_m": [1000.0, 1000.0],
            "county_distance_km": [5.0, 5.0],
            **{
                c: [True, True]
                for c in (
                    "paved_road",
                    "broadband",
                    "express_point",
                    "ecommerce_station",
                    "cold_chain",
                    "poor_village",
                )
            },
        }
    )
    products = pd.DataFrame(
        {
            "product_code": ["A", "B"],
            "product_name": ["甲", "乙"],
            "perishability": ["低", "高"],
            "needs_cold_chain": [False, False],
            "suitable_terrain": ["山区", "平原"],
            "elevation_min": [0.0, 0.0],
            "elevation_max": [2000.0, 500.0],
            "farm_gate_price_per_jin": [1.0, 2.0],
        }
    )
    production = pd.DataFrame(
        {
            "village_code": ["V1", "V1", "V2"],
            "product_code": ["A", "B", "A"],
            "year": 2019,
            "area_mu": [30.0, 10.0, 60.0],
            "output_kg": [1.0, 1.0, 1.0],
            "certification": [None] * 3,
        }
    )
    lines = pd.DataFrame(
        {
            "village_code": ["V1"] * 4,
            "product_code": ["A"] * 4,
            "year": 2019,
            "month": 5,
            "order_id": list("wxyz"),
            "platform": "淘宝",
            "amount_yuan": 10.0,
            "quantity_kg": 1.0,
            "status": ["completed", "completed", "refunded", "closed"],
            "is_revenue": [True, True, False, False],
        }
    )
    market = features.product_market(lines, products)
    assert market.loc[0, "refund_rate"] == 0.25  # one refund in four lines
    assert market.loc[0, "demand_yuan"] == 20.0
    assert market.loc[0, "price_vs_farm_gate"] == pytest.approx(
        10.0 / 2.0
    )  # 10 yuan/kg vs 1 yuan/斤
    hh = pd.DataFrame(
        {
            "year": [2019],
            "household_code": ["H"],
            "village_code": ["V1"],
            "household_status": ["贫困户"],
        }
    )
    people = pd.DataFrame({"year": [2019], "household_code": ["H"], "labour_skill": ["普通劳动力"]})
    pairs = features.candidate_pairs(
        villages,
        products,
        production,
        lines,
        market,
        hh,
        people,
        {"relevance_thresholds_yuan": [1, 10, 50, 200]},
    )
    pair = pairs.set_index(["village_code", "product_code"])
    # V1: A is 30 of 40 mu; county: A is 90 of 100 mu ⇒ LQ = 0.75 / 0.9
    assert pair.loc[("V1", "A"), "location_quotient"] == pytest.approx(0.75 / 0.9)
    assert pair.loc[("V1", "B"), "location_quotient"] == pytest.approx((10 / 40) / (10 / 100))
    assert pair.loc[("V1", "A"), "terrain_fit"] and not pair.loc[("V1", "B"), "terrain_fit"]
    assert pair.loc[("V1", "B"), "elevation_gap_m"] == 500.0
    assert pair.loc[("V2", "A"), "neighbour_sales_yuan"] == 20.0  # V1's sales, same township
    assert pair.loc[("V1", "A"), "poor_households_with_labour"] == 1


@pytest.fixture(scope="module")
def recommended(tiny_modelled, tmp_path_factory, monkeypatch_module):
    store = tmp_path_factory.mktemp("mlflow_products")
    monkeypatch_module.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{store}/mlflow.db")
    mlflow.set_tracking_uri(f"sqlite:///{store}/mlflow.db")
    experiment = mlflow.create_experiment("products_test", artifact_location=str(store / "mlruns"))
    with mlflow.start_run(experiment_id=experiment) as run:
        result = run_pipeline(create_pipeline(), {"data_dir": str(tiny_modelled)})
    return {
        "catalog": result["catalog"],
        "params": result["params"]["product_recommendation"],
        "run": run.info.run_id,
        "data": tiny_modelled,
    }


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def _splits(recommended):
    candidates = pd.read_parquet(
        recommended["data"] / "05_model_input" / "village_product_candidates.parquet"
    )
    return nodes.split_years(candidates, recommended["params"])


def test_groups_are_contiguous_and_cover_every_row(recommended):
    train = _splits(recommended)[0]
    sizes = nodes.group_sizes(train)
    assert sizes.sum() == len(train)
    keys = train["year"].astype(str) + train["village_code"]
    assert keys.nunique() == len(sizes)  # each (year, village) is one contiguous block


def test_constraints_are_honoured(recommended):
    recs = pd.read_csv(
        recommended["data"] / "07_model_output" / "village_product_recommendations.csv", dtype=str
    )
    latest = _splits(recommended)[3].set_index(["village_code", "product_code"])
    chosen = latest.loc[pd.MultiIndex.from_frame(recs[["village_code", "product_code"]])]
    assert not (chosen["perishability"].eq("极高") & chosen["cold_chain_missing"]).any()
    assert not (
        chosen["perishability"].isin(["极高", "高"]) & ~chosen["express_point"].astype(bool)
    ).any()
    assert recs.groupby("village_code").size().max() <= recommended["params"]["top_k"]
    assert recs["rationale_zh"].str.len().gt(0).all() and recs["rationale_en"].str.len().gt(0).all()


def test_ranker_beats_the_bestseller_baseline_and_is_logged(recommended):
    table = pd.read_csv(
        recommended["data"] / "08_reporting" / "product_recommendation" / "metrics.csv"
    ).set_index("scorer")
    assert (
        table.loc["ranker", "observed.ndcg@3"] > table.loc["national_bestseller", "observed.ndcg@3"]
    )
    assert np.isfinite(table.loc["ranker", "truth.ndcg@3"])
    run = mlflow.MlflowClient().get_run(recommended["run"])
    # (kedro-mlflow prefixes the dataset name under `kedro run`; this in-process run does not)
    names = set(run.data.metrics)
    assert {
        "ranker.observed.ndcg_at_3",
        "national_bestseller.observed.ndcg_at_3",
        "ranker.truth.ndcg_at_3",
    } <= names
    versions = mlflow.MlflowClient().search_model_versions("name='village_products'")
    assert len(versions) == 1
