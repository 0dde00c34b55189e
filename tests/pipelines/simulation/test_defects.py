"""Injected defects: at their configured rates, and recorded where they really are."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ecpa_pipeline.datasets import read_raw_table
from ecpa_pipeline.domain import resident_id


def read(path, encoding="utf-8"):
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)


@pytest.fixture(scope="module")
def truth(county_world):
    return read(county_world / "_truth" / "defects.csv").astype({"row": int})


@pytest.fixture(scope="module")
def registry(county_world):
    frames = {y: read(county_world / "registry" / f"registry_{y}.csv") for y in range(2014, 2021)}
    return frames


def _within(observed: int, trials: int, rate: float) -> bool:
    expected = trials * rate
    return abs(observed - expected) <= 4 * math.sqrt(expected * (1 - rate)) + 3


def test_registry_defect_rates_match_parameters(truth, registry, parameters):
    rates = parameters["simulation"]["defects"]
    rows = sum(len(f) for f in registry.values())
    heads = sum(
        (f["与户主关系"] == "户主").sum() for f in registry.values()
    )  # households, ±defects
    per_row = [
        "registry_bad_id_check",
        "registry_id_sex_mismatch",
        "registry_duplicate_row",
        "registry_excel_guard",
    ]
    per_household = [
        "registry_headless_household",
        "registry_size_mismatch",
        "registry_income_mismatch",
    ]
    counts = truth.loc[truth["source"] == "registry", "defect"].value_counts()
    for defect in per_row:
        assert _within(counts[defect], rows, rates[defect]), (
            defect,
            counts[defect],
            rows * rates[defect],
        )
    for defect in per_household:
        # heads counts households up to the few headless/two-head defects themselves
        assert abs(counts[defect] - heads * rates[defect]) <= 0.25 * heads * rates[defect] + 10, (
            defect
        )


def test_every_contract_defect_type_is_injected(truth, parameters):
    configured = {k for k, v in parameters["simulation"]["defects"].items() if v > 0}
    assert configured == set(truth["defect"])


@pytest.mark.slow
def test_recorded_rows_really_carry_the_defect(truth, registry, county_world):
    # Bad check characters: invalid ID at exactly the recorded line.
    truth_registry = truth[truth["source"] == "registry"]
    bad = truth_registry[truth_registry["defect"] == "registry_bad_id_check"]
    for file, rows in bad.groupby("file")["row"]:
        frame = registry[int(file[-8:-4])]
        ids = frame["证件号码"].str.lstrip("'").to_numpy()[rows.to_numpy() - 2]
        assert not resident_id.valid_check_character(ids).any()

    # Duplicates are exact copies of the line above (registry) or of a line of the previous file.
    dup = truth_registry[truth_registry["defect"] == "registry_duplicate_row"]
    for file, rows in dup.groupby("file")["row"]:
        frame = registry[int(file[-8:-4])]
        r = rows.to_numpy() - 2
        assert (frame.iloc[r].to_numpy() == frame.iloc[r - 1].to_numpy()).all()

    # Unknown shops are not in the shop register.
    shops = set(read(county_world / "shops.csv")["店铺ID"])
    unknown = truth[
        (truth["defect"] == "orders_unknown_shop") & (truth["source"] == "orders_taobao")
    ]
    for file, rows in unknown.groupby("file")["row"]:
        frame = read(county_world / file, "gbk")
        assert not set(frame.iloc[rows.to_numpy() - 2, 13]) & shops

    # Orphan income rows name households that the year's registry (to 2020) or monitoring
    # export (from 2021) does not have.
    orphans = truth[truth["defect"] == "income_orphan_household"]
    for file, rows in orphans.groupby("file")["row"]:
        year = int(file[-8:-4])
        frame = read(county_world / file)
        if year in registry:
            listed = registry[year]
        else:  # CSV, or the workbook of an Excel year
            (path,) = (county_world / "monitoring").glob(f"monitoring_{year}.*")
            listed = read_raw_table(path, path.name).to_pandas()
        assert not set(frame.iloc[rows.to_numpy() - 2]["户编号"]) & set(listed["户编号"])


@pytest.mark.slow
def test_duplicates_across_order_files_repeat_a_line_of_the_previous_file(truth, county_world):
    dup = truth[
        (truth["defect"] == "orders_duplicate_across_files") & (truth["source"] == "orders_taobao")
    ]
    files = sorted((county_world / "orders" / "taobao").glob("*.csv"))
    by_name = {f"orders/taobao/{p.name}": i for i, p in enumerate(files)}
    file, rows = next(iter(dup.groupby("file")["row"]))
    current = read(files[by_name[file]], "gbk")
    previous = read(files[by_name[file] - 1], "gbk")
    copies = current.iloc[rows.to_numpy() - 2]
    assert set(copies.iloc[:, 0]) <= set(previous.iloc[:, 0])
    assert np.isin(copies.iloc[:, 0], previous.iloc[:, 0]).all()
