"""The simulator's files are the raw-data contract's files: names, headers, encodings, codes."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from ecpa_pipeline.domain import resident_id

YEARS = range(2014, 2021)


def read_csv(path: Path, encoding: str = "utf-8") -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)


def test_every_contract_file_is_written(tiny_world):
    for year in YEARS:
        assert (tiny_world / "registry" / f"registry_{year}.csv").is_file()
        assert (tiny_world / "income" / f"income_{year}.csv").is_file()
    for name in ("villages.csv", "products.csv", "village_production.csv", "shops.csv"):
        assert (tiny_world / name).is_file()
    assert list((tiny_world / "orders" / "taobao").glob("taobao_20??Q?.csv"))
    assert list((tiny_world / "orders" / "pinduoduo").glob("PDD*.csv"))
    assert list((tiny_world / "orders" / "832").glob("832_orders_20??.xlsx"))
    for name in ("household_years.parquet", "village_products.parquet", "defects.csv"):
        assert (tiny_world / "_truth" / name).is_file()


@pytest.mark.parametrize(
    ("pattern", "source", "encoding"),
    [
        ("registry/registry_2016.csv", "registry", "utf-8"),
        ("income/income_2016.csv", "income", "utf-8"),
        ("products.csv", "products", "utf-8"),
        ("village_production.csv", "village_production", "utf-8"),
        ("shops.csv", "shops", "utf-8"),
        ("orders/pinduoduo/*.csv", "orders_pinduoduo", "utf-8-sig"),
    ],
)
def test_headers_are_the_source_systems_chinese_names(
    tiny_world, parameters, pattern, source, encoding
):
    path = sorted(tiny_world.glob(pattern))[0]
    header = read_csv(path, encoding).columns.tolist()
    assert header == list(parameters["raw_contract"][source].values())


def test_taobao_export_is_gbk_with_trailing_space_headers(tiny_world, parameters):
    path = sorted((tiny_world / "orders" / "taobao").glob("*.csv"))[-1]
    raw = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    header = next(csv.reader(io.StringIO(raw.decode("gbk"))))
    assert all(h != h.rstrip() for h in header)
    assert [h.strip() for h in header] == list(parameters["raw_contract"]["orders_taobao"].values())
    frame = pd.read_csv(io.StringIO(raw.decode("gbk")), dtype=str, keep_default_na=False)
    assert frame.iloc[:, 0].str.fullmatch(r'="\d+"').all()  # Excel guard on order numbers
    assert frame.iloc[:, 8].str.fullmatch(r"'1\d{10}").all()  # leading ' on phones


def test_pinduoduo_export_has_a_bom_and_one_file_per_shop(tiny_world):
    shops = read_csv(tiny_world / "shops.csv")
    pdd_shops = set(shops.loc[shops["平台"] == "拼多多", "店铺ID"])
    for path in (tiny_world / "orders" / "pinduoduo").glob("*.csv"):
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
        assert path.stem in pdd_shops


def test_village_survey_uses_full_width_brackets(tiny_world, parameters):
    header = read_csv(tiny_world / "villages.csv").columns.tolist()
    expected = [
        h.replace("(", "（").replace(")", "）")
        for h in parameters["raw_contract"]["villages"].values()
    ]
    assert header == expected
    assert "海拔（米）" in header


def test_832_export_is_a_workbook_with_dates_and_numbers(tiny_world, parameters):
    path = sorted((tiny_world / "orders" / "832").glob("*.xlsx"))[-1]
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(parameters["raw_contract"]["orders_832"].values())
    header = list(rows[0])
    first = dict(zip(header, rows[1], strict=True))
    assert isinstance(first["下单时间"], datetime.datetime)
    assert isinstance(first["金额(元)"], float | int)
    assert set(r[header.index("单位")] for r in rows[1:]) <= set(
        parameters["code_lists"]["unit_832"]
    )


def test_registry_codes_come_from_the_contract_code_lists(tiny_world, parameters):
    codes = parameters["code_lists"]
    missing = set(codes["missing"])
    for year in YEARS:
        frame = read_csv(tiny_world / "registry" / f"registry_{year}.csv")
        assert set(frame["与户主关系"]) <= set(codes["relation"])
        assert set(frame["户类型"]) <= set(codes["household_status"]) | missing
        assert set(frame["贫困户属性"]) <= set(codes["household_type"]) | missing
        assert set(frame["主要致贫原因"]) <= set(codes["cause"]) | missing
        assert set(frame["在校生状况"]) <= set(codes["school_status"])
        assert set(frame["性别"]) <= set(codes["sex"])


def test_registry_ids_are_valid_except_where_a_defect_was_injected(tiny_world):
    truth = read_csv(tiny_world / "_truth" / "defects.csv")
    for year in YEARS:
        name = f"registry/registry_{year}.csv"
        frame = read_csv(tiny_world / name)
        ids = frame["证件号码"].str.lstrip("'").to_numpy()
        ok = resident_id.valid_check_character(ids) & ~np.isnat(resident_id.birth_dates(ids))
        marked = truth[
            (truth["file"] == name)
            & truth["defect"].isin(["registry_bad_id_check", "registry_id_birth_invalid"])
        ]
        bad_rows = set((np.flatnonzero(~ok) + 2).tolist())
        # Every invalid ID is a recorded defect, and every recorded ID defect is invalid.
        assert bad_rows == set(marked["row"].astype(int))


def test_every_household_has_exactly_one_head_unless_a_defect_says_otherwise(tiny_world):
    truth = read_csv(tiny_world / "_truth" / "defects.csv")
    frame = read_csv(tiny_world / "registry" / "registry_2018.csv")
    heads = frame.assign(head=frame["与户主关系"] == "户主").groupby("户编号")["head"].sum()
    odd = set(heads[heads != 1].index)
    rows = truth[(truth["file"] == "registry/registry_2018.csv")]["row"].astype(int) - 2
    explained = set(frame.iloc[rows.to_numpy()]["户编号"])
    assert odd <= explained


def test_market_index_is_published_a_year_late_with_the_contracts_defects(tiny_world, parameters):
    """Section 8: UTF-8, the contract's headers, the last registry year not yet published,
    some products only as their category, growth without a level, aliases, and a figure
    listed twice by two reports."""
    path = tiny_world / "market" / "market_index.csv"
    path.read_bytes().decode("utf-8")  # UTF-8, no BOM needed
    market = read_csv(path)
    assert market.columns.tolist() == list(parameters["raw_contract"]["market_index"].values())
    years = market["年度"].astype(int)
    assert years.max() == max(YEARS) - 1 and years.min() == min(YEARS)
    catalogue = parameters["simulation_products"]
    names = {p["name"] for p in catalogue}
    aliases = {a for p in catalogue for a in p["aliases"]}
    categories = set(parameters["code_lists"]["category"])
    assert set(market["产品名称"]) <= names | aliases | categories
    assert set(market["产品名称"]) & aliases  # some reports name an alias
    assert set(market["产品名称"]) & (categories - names)  # some only a category
    growth_only = (market["全网零售额(亿元)"] == "") & (market["同比增长(%)"] != "")
    assert growth_only.any()
    twice = market[market.duplicated(["年度", "产品名称"], keep=False)]
    assert len(twice) and twice.groupby(["年度", "产品名称"])["来源"].nunique().gt(1).all()
    truth = pd.read_parquet(tiny_world / "_truth" / "product_demand.parquet")
    assert set(truth["year"]) == set(YEARS)  # the truth knows the unpublished year too
