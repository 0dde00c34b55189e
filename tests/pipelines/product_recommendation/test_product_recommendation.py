"""一村一品 on the tiny world: features by hand, the develop and expand lists, constraints
honoured and listed, every scorer evaluated, the registered model, and a county without the
market index."""

from __future__ import annotations

import shutil

import mlflow
import numpy as np
import openpyxl
import pandas as pd
import pytest

from ecpa_pipeline.pipelines import cleaning
from ecpa_pipeline.pipelines.cleaning.market import no_market_index
from ecpa_pipeline.pipelines.product_recommendation import features, nodes
from ecpa_pipeline.pipelines.product_recommendation.pipeline import create_pipeline
from tests.conftest import open_page, run_pipeline

V1, V2 = "520122101201", "520122101202"  # two villages of one township
V3 = "520123101201"  # a village of another county whose township has the same name


def test_location_quotient_and_refund_rate_by_hand():
    villages = pd.DataFrame(
        {
            "village_code": [V1, V2, V3],
            "county_code": ["C", "C", "C2"],
            "township": ["T", "T", "T"],
            "terrain": ["山区", "山区", "山区"],
            "elevation_m": [1000.0, 1000.0, 1000.0],
            "county_distance_km": [5.0, 5.0, 5.0],
            **{
                c: [True, True, True]
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
            "category": ["水果", "蔬菜"],
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
            "village_code": [V1, V1, V2],
            "product_code": ["A", "B", "A"],
            "year": 2019,
            "area_mu": [30.0, 10.0, 60.0],
            "output_kg": [1.0, 1.0, 1.0],
            "certification": [None] * 3,
        }
    )
    lines = pd.DataFrame(
        {
            "village_code": [V1] * 4,
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
            "village_code": [V1],
            "household_status": ["贫困户"],
        }
    )
    people = pd.DataFrame({"year": [2019], "household_code": ["H"], "labour_skill": ["普通劳动力"]})
    far_sales = lines.iloc[:1].assign(village_code=V3, order_id="v", amount_yuan=100.0)
    pairs = features.candidate_pairs(
        villages,
        products,
        production,
        pd.concat([lines, far_sales], ignore_index=True),
        market,
        features.national_demand(no_market_index(), products),
        hh,
        people,
        {"relevance_thresholds_yuan": [1, 10, 50, 200]},
    )
    pair = pairs.set_index(["village_code", "product_code"])
    # V1: A is 30 of 40 mu; county: A is 90 of 100 mu ⇒ LQ = 0.75 / 0.9
    assert pair.loc[(V1, "A"), "location_quotient"] == pytest.approx(0.75 / 0.9)
    assert pair.loc[(V1, "B"), "location_quotient"] == pytest.approx((10 / 40) / (10 / 100))
    assert pair.loc[(V1, "A"), "terrain_fit"] and not pair.loc[(V1, "B"), "terrain_fit"]
    assert pair.loc[(V1, "B"), "elevation_gap_m"] == 500.0
    # V1's sales, same township; not V3's, in another county's township of the same name.
    assert pair.loc[(V2, "A"), "neighbour_sales_yuan"] == 20.0
    assert pair.loc[(V1, "A"), "poor_households_with_labour"] == 1


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def _run_in_mlflow(data, store, name):
    mlflow.set_tracking_uri(f"sqlite:///{store}/mlflow.db")
    experiment = mlflow.create_experiment(name, artifact_location=str(store / name))
    with mlflow.start_run(experiment_id=experiment) as run:
        result = run_pipeline(create_pipeline(), {"data_dir": str(data)})
    return result, run.info.run_id


@pytest.fixture(scope="module")
def recommended(tiny_modelled, tmp_path_factory, monkeypatch_module):
    """The pipeline on the tiny world twice: with the market index, and on a copy without it
    (as a county without published demand figures)."""
    store = tmp_path_factory.mktemp("mlflow_products")
    monkeypatch_module.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{store}/mlflow.db")
    result, run = _run_in_mlflow(tiny_modelled, store, "with_market")
    bare = tmp_path_factory.mktemp("tiny_without_market")
    shutil.copytree(tiny_modelled, bare, dirs_exist_ok=True)
    shutil.rmtree(bare / "01_raw" / "market")
    # The cleaning pipeline reads the absent source as no rows; the features see none.
    run_pipeline(cleaning.create_pipeline(), {"data_dir": str(bare)})
    _, bare_run = _run_in_mlflow(bare, store, "without_market")
    return {
        "catalog": result["catalog"],
        "params": result["params"]["product_recommendation"],
        "run": run,
        "bare_run": bare_run,
        "data": tiny_modelled,
        "bare": bare,
    }


def _splits(recommended):
    candidates = pd.read_parquet(
        recommended["data"] / "05_model_input" / "village_product_candidates.parquet"
    )
    return nodes.split_years(candidates, recommended["params"])


def _recommendations(data) -> pd.DataFrame:
    return pd.read_csv(
        data / "07_model_output" / "village_product_recommendations.csv",
        dtype={"village_code": str},
    )


@pytest.mark.slow
def test_groups_are_contiguous_and_cover_every_row(recommended):
    train = _splits(recommended)[0]
    sizes = nodes.group_sizes(train)
    assert sizes.sum() == len(train)
    keys = train["year"].astype(str) + train["village_code"]
    assert keys.nunique() == len(sizes)  # each (year, village) is one contiguous block


@pytest.mark.slow
def test_two_lists_per_village_split_by_current_production(recommended):
    recs = _recommendations(recommended["data"])
    latest = _splits(recommended)[3].set_index(["village_code", "product_code"])
    chosen = latest.loc[pd.MultiIndex.from_frame(recs[["village_code", "product_code"]])]
    grown = (chosen["area_mu"] > 0) | (chosen["output_kg"] > 0) | (chosen["village_sales_yuan"] > 0)
    assert (recs["list"] == np.where(grown, "expand", "develop")).all()
    assert set(recs["list"]) == {"develop", "expand"}
    sizes = recs.groupby(["village_code", "list"]).size()
    assert sizes.max() <= recommended["params"]["top_k"]
    # Ranks 1..n within each list, in order of expected revenue.
    for _, one in recs.groupby(["village_code", "list"]):
        assert one["rank"].tolist() == list(range(1, len(one) + 1))
        assert one["expected_revenue_yuan"].is_monotonic_decreasing
    assert (recs["revenue_low_yuan"] <= recs["revenue_high_yuan"]).all()
    assert recs["rationale_zh"].str.len().gt(0).all() and recs["rationale_en"].str.len().gt(0).all()
    # Evidence names the comparable villages and national demand (the market index is there).
    assert recs["rationale_zh"].str.contains("村网销|尚无村网销").all()
    assert recs["rationale_zh"].str.contains("全网零售额").any()
    # Livestock and bee products are measured in their own unit, not 亩.
    category = recs["product_code"].map(
        pd.read_parquet(recommended["data"] / "03_primary" / "products.parquet").set_index(
            "product_code"
        )["category"]
    )
    assert (recs.loc[category == "蜂产品", "scale_unit"] == "箱").all()
    assert (recs.loc[category == "畜禽肉", "scale_unit"] == "头").all()
    assert (recs.loc[category == "加工食品", "scale_unit"] == "公斤/年").all()  # no area
    own = ["蜂产品", "畜禽肉", "加工食品"]
    assert (recs.loc[~category.isin(own), "scale_unit"] == "亩").all()
    # The expand list at the village's current scale, the develop list at the standard one.
    expand = recs["list"] == "expand"
    processed = category.eq("加工食品").to_numpy()
    current = chosen["area_mu"].where(~processed, chosen["output_kg"]).to_numpy()
    assert np.allclose(recs.loc[expand, "scale"], current[expand.to_numpy()])
    assert recs.loc[expand, "expected_revenue_band"].str.contains("按现有").all()
    assert recs.loc[~expand, "expected_revenue_band"].str.contains("按标准").all()
    # Names in every row, revenues in whole yuan, a short why beside the whole evidence.
    assert recs[["township", "village", "product_name_en"]].notna().all().all()
    assert (recs["expected_revenue_yuan"] == recs["expected_revenue_yuan"].round()).all()
    assert (recs["why_zh"].str.len() < recs["rationale_zh"].str.len()).mean() > 0.9


@pytest.mark.slow
def test_constraints_are_honoured_and_the_removed_products_are_listed(recommended):
    recs = _recommendations(recommended["data"])
    latest = _splits(recommended)[3].set_index(["village_code", "product_code"])
    chosen = latest.loc[pd.MultiIndex.from_frame(recs[["village_code", "product_code"]])]
    assert not (chosen["perishability"].eq("极高") & chosen["cold_chain_missing"]).any()
    assert not (
        chosen["perishability"].isin(["极高", "高"]) & ~chosen["express_point"].astype(bool)
    ).any()
    # Never outside the catalogue's terrain and elevation range, never below the minimum.
    assert chosen["terrain_fit"].astype(bool).all()
    assert (chosen["elevation_gap_m"].fillna(0) == 0).all()
    minimum = recommended["params"]["constraints"]["min_expected_revenue_yuan"]
    assert (recs["expected_revenue_yuan"] >= minimum).all()
    excluded = pd.read_csv(
        recommended["data"] / "07_model_output" / "village_product_exclusions.csv",
        dtype={"village_code": str},
    )
    removed = latest.loc[pd.MultiIndex.from_frame(excluded[["village_code", "product_code"]])]
    blocked = (
        (removed["perishability"].eq("极高") & removed["cold_chain_missing"])
        | (removed["perishability"].isin(["极高", "高"]) & ~removed["express_point"].astype(bool))
        | ~removed["terrain_fit"].astype(bool)
        | (removed["elevation_gap_m"].fillna(0) > 0)
        | (excluded["expected_revenue_yuan"].to_numpy() < minimum)
    )
    assert blocked.all()
    reasons = excluded["reason_en"].str.replace(r"\d[\d,]*", "N", regex=True)
    assert set(reasons) <= {
        "very perishable and no cold chain",
        "perishable and no express point",
        "the village's terrain is not among the catalogue's terrains for it",
        "the village lies at N m, N m outside the catalogue's range",
        "expected online revenue about N yuan a year, under the N minimum",
    }
    assert excluded[["township", "village"]].notna().all().all()


@pytest.mark.slow
def test_officials_product_lists_are_published_per_language(recommended, browser):
    """The product lists in the officials' design: one workbook and one page per county and
    language, one line per product, the left-out products with their reasons."""
    out = recommended["data"] / "08_reporting" / "product_lists"
    recs = _recommendations(recommended["data"])
    for language in ("zh", "en"):
        (page_file,) = (out / "html").glob(f"*_{language}.html")
        (book_file,) = (out / "workbooks").glob(f"*_{language}.xlsx")
        book = openpyxl.load_workbook(book_file)
        lists = book[book.sheetnames[1]]
        assert lists.max_row - 1 == len(recs)
        revenue = lists.cell(2, 6)  # expected revenue, after place, list, rank and product
        assert isinstance(revenue.value, (int, float)) and revenue.number_format == "#,##0"
        page, errors, seconds = open_page(browser, page_file)
        assert page.locator("#product_lists tbody tr").count() == min(50, len(recs))
        assert "village_products (MLflow run " in page.locator("table.info").inner_text()
        shot = recommended["data"] / "08_reporting" / f"product_lists_first_screen_{language}.png"
        page.screenshot(path=str(shot))
        assert not errors and seconds < 2


@pytest.mark.slow
def test_metrics_cover_every_scorer_and_list_and_are_logged(recommended):
    table = pd.read_csv(
        recommended["data"] / "08_reporting" / "product_recommendation" / "metrics.csv"
    )
    scorers = {
        "potential_model",
        "lambdarank",
        "national_bestseller",
        "current_top_production",
        "suitability_rule",
    }
    assert set(zip(table["scorer"], table["list"], strict=True)) == {
        (s, which) for s in scorers for which in ("all", "develop", "expand")
    }
    assert np.isfinite(table["truth.ndcg@3"]).all()
    client = mlflow.MlflowClient()
    run = client.get_run(recommended["run"])
    assert {
        "potential_model.all.truth.ndcg_at_3",
        "potential_model.develop.truth.hr_at_3",
        "lambdarank.expand.observed.ndcg_at_3",
        "suitability_rule.all.truth.map_at_3",
        "potential_model.training_seconds",
    } <= set(run.data.metrics)
    assert run.data.params["potential_model.market_source_present"] == "True"
    assert "standard scale" in run.data.params["potential_model.target"]
    artifacts = {a.path for a in client.list_artifacts(recommended["run"])}
    assert {"village_product_recommendations.csv", "village_product_exclusions.csv"} <= artifacts


@pytest.mark.slow
def test_the_model_is_registered_and_reloads_to_the_same_expected_revenue(recommended):
    versions = mlflow.MlflowClient().search_model_versions("name='village_products'")
    assert len(versions) == 2  # one per run: with and without the market index
    latest = _splits(recommended)[3]
    first = min(versions, key=lambda v: int(v.version))
    loaded = mlflow.pyfunc.load_model(f"models:/village_products/{first.version}")
    recs = _recommendations(recommended["data"])
    # The expand list at the village's current scale.
    key = ["village_code", "product_code"]
    expand = recs[recs["list"] == "expand"].set_index(key).index
    grown = pd.MultiIndex.from_frame(latest[key]).isin(expand)
    latest = latest.assign(at_scale=latest["area_mu"].where(grown))
    expected = loaded.predict(latest).set_axis(latest.index)
    merged = latest.join(expected).merge(recs, on=["village_code", "product_code"])
    assert np.allclose(
        merged["expected_revenue_yuan_x"].round(), merged["expected_revenue_yuan_y"]
    )  # whole yuan in the list


@pytest.mark.slow
def test_the_pipeline_runs_without_the_market_index_and_says_so(recommended):
    run = mlflow.MlflowClient().get_run(recommended["bare_run"])
    assert run.data.params["potential_model.market_source_present"] == "False"
    recs = _recommendations(recommended["bare"])
    assert set(recs["list"]) == {"develop", "expand"}
    assert not recs["rationale_zh"].str.contains("全网零售额").any()
    accounting = pd.read_csv(recommended["bare"] / "08_reporting" / "row_accounting.csv")
    assert accounting.set_index("source").loc["market_index", "read"] == 0
    report = (recommended["bare"] / "08_reporting" / "data_quality_report.md").read_text("utf-8")
    assert "market_index" in report.split("Sources with no file")[1].splitlines()[0]
