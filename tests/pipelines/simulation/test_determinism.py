"""Same seed ⇒ the same files; another seed ⇒ another world; a province county by county."""

from __future__ import annotations

import filecmp

import openpyxl
import pandas as pd
import pytest

from ecpa_pipeline.datasets import read_raw_table
from ecpa_pipeline.pipelines.simulation import nodes
from tests.conftest import simulate_world


def _files(root):
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


def _cells(path):
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def test_same_seed_gives_identical_files(tiny_world, tmp_path):
    again = tmp_path / "01_raw"
    simulate_world(again, "tiny")
    assert _files(again) == _files(tiny_world)
    for rel in _files(tiny_world):
        if rel.suffix == ".csv":
            assert filecmp.cmp(tiny_world / rel, again / rel, shallow=False), rel
        elif rel.suffix == ".xlsx":
            # Workbooks carry their own save time in metadata: compare every cell instead.
            assert _cells(tiny_world / rel) == _cells(again / rel), rel
        elif rel.suffix == ".parquet":
            pd.testing.assert_frame_equal(
                pd.read_parquet(tiny_world / rel), pd.read_parquet(again / rel)
            )


def test_another_seed_gives_another_world(tiny_world, tmp_path):
    other = tmp_path / "01_raw"
    simulate_world(other, "tiny", seed=7)
    a = (tiny_world / "registry" / "registry_2016.csv").read_bytes()
    b = (other / "registry" / "registry_2016.csv").read_bytes()
    assert a != b


def _table(root, rel: str) -> pd.DataFrame:
    return read_raw_table(root / rel, rel).to_pandas()


def test_a_province_is_simulated_county_by_county_without_collisions(tiny_world, tmp_path):
    second = tmp_path / "county_02" / "01_raw"
    simulate_world(second, "tiny", county_number=2)
    first_villages, villages = (_table(w, "villages.csv") for w in (tiny_world, second))
    # The second county of the first prefecture: its own code, the prefecture's name.
    assert set(first_villages["行政区划代码"].str[:6]) == {"520122"}
    assert set(villages["行政区划代码"].str[:6]) == {"520123"}
    assert set(villages["市"]) == set(first_villages["市"])
    assert set(villages["行政村"]) != set(first_villages["行政村"])  # a world of its own
    # What is national is the same in every county's files.
    for rel in ("products.csv", "market/market_index.csv"):
        assert filecmp.cmp(tiny_world / rel, second / rel, shallow=False), rel
    # No shop, order file, household or person is another county's.
    shops = [set(_table(w, "shops.csv")["店铺ID"]) for w in (tiny_world, second)]
    assert shops[0] and shops[1] and not shops[0] & shops[1]
    orders = [{p.name for p in (w / "orders").rglob("*.csv")} for w in (tiny_world, second)]
    pinduoduo = [{n for n in names if n.startswith("PDD")} for names in orders]
    assert pinduoduo[1] and not pinduoduo[0] & pinduoduo[1]
    ids = [set(_table(w, "registry/registry_2016.csv")["证件号码"]) for w in (tiny_world, second)]
    assert not ids[0] & ids[1]


def test_the_first_county_is_the_default_world_and_a_county_needs_a_one_county_scale(parameters):
    sim = parameters["simulation"]
    first = nodes.county_parameters(sim)
    assert first["seed"] == sim["seed"] == first["world_seed"]  # the default county itself
    eighth = nodes.county_parameters(sim | {"county_number": 8})
    assert eighth["seed"] != sim["seed"] and eighth["world_seed"] == sim["seed"]
    villages = nodes.simulate_villages(eighth | {"scale": "tiny"})
    assert set(villages["county_code"]) == {"520222"}  # the second prefecture's first county
    with pytest.raises(ValueError, match="county_number 43: the province layout has counties 1–42"):
        nodes.county_parameters(sim | {"county_number": 43})
    with pytest.raises(ValueError, match="county_number 2 needs a one-county scale"):
        nodes.county_parameters(sim | {"county_number": 2, "scale": "prefecture"})
