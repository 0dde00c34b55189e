"""The optional market index (contract section 8): names to products or categories, rows
with no value or a negative level quarantined, two reports of one figure kept and flagged,
every row accounted for — and no file, no rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecpa_pipeline.datasets import RawFilesDataset
from ecpa_pipeline.pipelines.cleaning import nodes
from ecpa_pipeline.pipelines.product_recommendation.features import national_demand

PRODUCTS = pd.DataFrame(
    {
        "product_code": ["P01", "P02", "P03", "P04"],
        "product_name": ["猕猴桃", "茶叶", "核桃", "板栗"],
        "aliases": ["奇异果", "绿茶", "山核桃", ""],
        "category": ["水果", "茶叶", "坚果", "坚果"],
    }
)

# GBK, as a county office's spreadsheet saves it; English alias headers mixed in.
ROWS = """年度,产品名称,全网零售额（亿元）,yoy_growth_pct,来源
2018,猕猴桃,10,,报告甲
2019,奇异果,12,20,报告甲
2019,猕猴桃,13.2,,报告乙
2019,茶叶,8,,报告甲
2018,坚果,30,,报告甲
2019,坚果,36,20,报告甲
2018,核桃,5,,报告甲
2019,核桃,,10,报告甲
2019,杂粮,4,,报告甲
2019,核桃,,,报告甲
二〇一九,猕猴桃,1,,报告甲
2019,猕猴桃,-3,,报告丙
2018,猕猴桃,10,,报告甲
"""


@pytest.fixture
def cleaned(tmp_path, parameters):
    folder = tmp_path / "market"
    folder.mkdir()
    (folder / "market_index.csv").write_bytes(ROWS.encode("gbk"))
    raw = RawFilesDataset(str(tmp_path), "market/*").load()
    return nodes.clean_market_index(
        raw, PRODUCTS, parameters["raw_contract"], parameters["code_lists"], parameters["cleaning"]
    )


def test_rows_map_to_products_or_categories_and_defects_are_recorded(cleaned):
    market, ledger, accounting = cleaned
    row = market.set_index("source_row")
    assert row.loc[3, "product_code"] == "P01"  # 奇异果 is kiwi's alias
    assert row.loc[5, "product_code"] == "P02"  # 茶叶: the product, not the category
    assert pd.isna(row.loc[6, "product_code"]) and row.loc[6, "category"] == "坚果"
    assert row.loc[7, "online_retail_yuan"] == pytest.approx(36e8)
    assert row.loc[7, "yoy_growth"] == pytest.approx(0.20)
    outcome = ledger.set_index("source_row")[["outcome", "code"]]
    quarantined = outcome[outcome["outcome"] == "quarantine"]["code"].to_dict()
    assert quarantined == {
        10: "unknown_product",
        11: "no_value",
        12: "bad_year",
        13: "out_of_range",
    }
    flags = outcome[outcome["outcome"] == "flag"].groupby(level=0)["code"].agg(set).to_dict()
    assert flags[3] == flags[4] == {"listed_twice"}  # two reports of kiwi 2019: both kept
    assert flags[6] == flags[7] == {"category_level"}
    assert flags[9] == {"growth_without_level"}
    assert outcome.loc[14, "code"] == "exact_duplicate"
    acc = accounting.iloc[0]
    assert (acc["read"], acc["clean"], acc["quarantined"], acc["duplicates"]) == (13, 8, 4, 1)


def test_national_demand_by_hand(cleaned):
    market, _, _ = cleaned
    demand = national_demand(market, PRODUCTS).set_index(["product_code", "year"])
    # Kiwi 2019: two reports, 12 and 13.2 (100 M yuan): their geometric mean; growth as
    # published (20 %).
    assert demand.loc[("P01", 2019), "national_demand_yuan"] == pytest.approx(
        np.sqrt(12 * 13.2) * 1e8
    )
    assert demand.loc[("P01", 2019), "national_growth"] == pytest.approx(np.log1p(0.20))
    # Walnut 2019: growth only, carried from 2018's level.
    assert demand.loc[("P03", 2019), "national_demand_yuan"] == pytest.approx(5e8 * 1.1)
    # Chestnut: only its category. No level (a category total is not one product's), the
    # category's growth, and the basis says so.
    assert np.isnan(demand.loc[("P04", 2019), "national_demand_yuan"])
    assert demand.loc[("P04", 2019), "national_growth"] == pytest.approx(np.log(36 / 30))
    assert demand.loc[("P04", 2019), "market_basis"] == "category"


def test_no_market_file_is_a_source_with_no_rows(tmp_path, parameters):
    market, ledger, accounting = nodes.clean_market_index(
        {}, PRODUCTS, parameters["raw_contract"], parameters["code_lists"], parameters["cleaning"]
    )
    assert market.empty and ledger.empty
    assert accounting.iloc[0][["read", "clean"]].tolist() == [0, 0]
    assert national_demand(market, PRODUCTS).empty
