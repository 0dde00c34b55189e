"""The cleaning pipeline on the default simulated county: nothing lost, defects caught."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.conftest import identities

pytestmark = pytest.mark.slow  # the default county, simulated and cleaned (~1 min)


@pytest.fixture(scope="module")
def reporting(county_cleaned):
    return county_cleaned / "08_reporting"


def test_every_raw_row_is_accounted_for(county_cleaned, reporting):
    accounting = pd.read_csv(reporting / "row_accounting.csv")
    assert set(accounting["source"]) == {
        "villages",
        "products",
        "village_production",
        "shops",
        "registry",
        "monitoring",
        "income",
        "orders_taobao",
        "orders_pinduoduo",
        "orders_832",
        "market_index",
        "alerts",
        "visits",  # none in the simulated county: read 0
    }
    assert (
        accounting["read"]
        == accounting["clean"] + accounting["quarantined"] + accounting["duplicates"]
    ).all()
    # Count raw rows independently of the pipeline.
    raw = county_cleaned / "01_raw"
    registry_rows = sum(len(pd.read_csv(p, dtype=str)) for p in (raw / "registry").glob("*.csv"))
    taobao_rows = sum(
        len(pd.read_csv(p, dtype=str, encoding="gbk"))
        for p in (raw / "orders" / "taobao").glob("*.csv")
    )
    alert_rows = sum(len(pd.read_csv(p, dtype=str)) for p in (raw / "alerts").rglob("*.csv"))
    read = accounting.set_index("source")["read"]
    assert read["registry"] == registry_rows
    assert read["orders_taobao"] == taobao_rows
    assert read["alerts"] == alert_rows > 1000
    persons = pd.read_parquet(county_cleaned / "03_primary" / "persons.parquet")
    assert len(persons) == accounting.set_index("source").loc["registry", "clean"]


def test_every_detectable_defect_is_caught(reporting):
    scores = pd.read_csv(reporting / "defect_detection.csv")
    assert len(scores) >= 24
    low = scores[scores["recall"] < 0.95]
    assert low.empty, low[["defect", "source", "injected", "detected", "recall"]].to_string()
    flagged = scores.dropna(subset=["precision"])
    assert (flagged["precision"] >= 0.95).all(), flagged[["defect", "precision"]].to_string()


def test_primary_tables_have_one_schema_and_the_expected_keys(county_cleaned):
    primary = county_cleaned / "03_primary"
    orders = pd.read_parquet(primary / "order_lines.parquet")
    assert set(orders["platform"]) == {"淘宝", "拼多多", "832平台"}
    assert orders["quantity_kg"].gt(0).all() and orders["amount_yuan"].ge(0).all()
    assert orders["village_code"].str.fullmatch(r"\d{12}").all()
    assert not orders.loc[
        orders["status"].isin(["refunded", "closed", "refunding"]), "is_revenue"
    ].any()
    households = pd.read_parquet(primary / "households.parquet")
    assert not households.duplicated(["year", "household_code"]).any()
    assert set(households["year"]) == set(range(2014, 2021))
    assert households.groupby("year")["poverty_line"].first().to_dict()[2020] == 4000
    # Exits recorded in the registry show up as status changes.
    assert (households["status_change"] == "exit").sum() > 5000
    assert households["income_per_capita"].notna().mean() > 0.97


def test_report_is_readable_and_holds_no_personal_data(county_cleaned, reporting):
    markdown = (reporting / "data_quality_report.md").read_text(encoding="utf-8")
    assert "## Row accounting" in markdown and "## By source and county" in markdown
    data = json.loads((reporting / "data_quality.json").read_text(encoding="utf-8"))
    assert {"accounting", "by_source_and_county", "by_reason", "defect_detection"} <= set(data)
    people = identities(county_cleaned)
    ids = set(people["id_number"].dropna().head(2000))
    names = set(people["name"].dropna().head(2000))
    for path in reporting.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not any(i in text for i in ids), path
        assert not any(n in text for n in names if len(n) >= 3), path
