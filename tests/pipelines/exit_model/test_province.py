"""A province over its counties (``conf/province``): each county's pipelines in its own
folder, the province's model on every county's input; a province of one county is that
county."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from kedro.io import DatasetError

from ecpa_pipeline.datasets import CountyPartitionsDataset
from ecpa_pipeline.pipelines import features
from tests.conftest import clean_world, kedro_cli, run_pipeline, simulate_world

pytestmark = pytest.mark.slow  # Kedro CLI runs, a tiny county simulated and cleaned

INPUT = "05_model_input/exit_model_input.parquet"


@pytest.fixture(scope="module")
def province(tiny_modelled, tmp_path_factory):
    """Two tiny counties, each simulated, cleaned and featured in its own folder."""
    root = tmp_path_factory.mktemp("province")
    outputs = shutil.ignore_patterns("06_models", "07_model_output", "08_reporting")
    shutil.copytree(tiny_modelled, root / "county_01", ignore=outputs)
    second = root / "county_02"
    simulate_world(second / "01_raw", "tiny", county_number=2)
    clean_world(second)
    run_pipeline(features.create_pipeline(), {"data_dir": str(second)})
    return root


def _partitions(root, pattern=f"county_*/{INPUT}", **options):
    dataset = {"type": "json.JSONDataset" if pattern.endswith(".json") else "pandas.ParquetDataset"}
    return CountyPartitionsDataset(str(root), pattern, dataset, **options)


def test_the_province_input_is_every_county_one_after_another(province):
    counties = [pd.read_parquet(province / c / INPUT) for c in ("county_01", "county_02")]
    both = _partitions(province).load()
    pd.testing.assert_frame_equal(both, pd.concat(counties, ignore_index=True))
    assert both["county_code"].drop_duplicates().tolist() == ["520122", "520123"]
    assert not set(counties[0]["household_key"]) & set(counties[1]["household_key"])
    with pytest.raises(DatasetError, match=r"no county holds county_\*/nothing\.parquet under"):
        _partitions(province, "county_*/nothing.parquet").load()


def test_what_every_county_holds_alike_is_read_once(province):
    products = _partitions(province, "county_*/03_primary/products.parquet", combine="same")
    pd.testing.assert_frame_equal(
        products.load(), pd.read_parquet(province / "county_02" / "03_primary/products.parquet")
    )


def test_counties_keyed_apart_stop_the_province(province, tmp_path):
    key = "county_*/05_model_input/pseudonym_key.json"
    same = _partitions(province, key, combine="same").load()
    fingerprint = province / "county_02" / "05_model_input" / "pseudonym_key.json"
    assert same == json.loads(fingerprint.read_text())
    other = tmp_path / "county_03" / "05_model_input"
    other.mkdir(parents=True)
    (other / "pseudonym_key.json").write_text(json.dumps({"pseudonym_key_fingerprint": "beef"}))
    shutil.copytree(province / "county_01", tmp_path / "county_01")
    with pytest.raises(DatasetError, match=r"differs between counties: .*county_03"):
        _partitions(tmp_path, key, combine="same").load()


def test_a_province_of_one_county_trains_that_countys_model(province, trained_store, tmp_path):
    one, store = tmp_path / "one_county_province", tmp_path / "mlflow"  # a store of its own
    shutil.copytree(province / "county_01", one / "county_01")  # the tiny world's input
    run = kedro_cli(one, store, "--pipelines=exit_model", env="province")
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    assert "Created version '1' of model 'poverty_exit_province'" in output
    # trained_store trained poverty_exit on the same county in its own folder.
    report = "08_reporting/exit_model/metrics.csv"
    county, province_of_one = (pd.read_csv(d / report) for d in (trained_store["data"], one))
    pd.testing.assert_frame_equal(province_of_one, county)
    # The county's lists, scored by the province's model.
    run = kedro_cli(
        one / "county_01",
        store,
        "--pipelines=household_ranking",
        params=("exit_model_name=poverty_exit_province",),
    )
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    listed = pd.read_csv(one / "county_01" / "08_reporting/household_ranking/household_list.csv")
    assert set(listed["model_name"]) == {"poverty_exit_province"}


def test_the_province_recommends_products_for_every_countys_villages(province, tmp_path):
    run = kedro_cli(
        province, tmp_path / "mlflow", "--pipelines=product_recommendation", env="province"
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    assert "Created version '1' of model 'village_products_province'" in output
    found = pd.read_csv(
        province / "07_model_output" / "village_product_recommendations.csv",
        dtype={"village_code": str},
    )
    villages = pd.concat(
        pd.read_parquet(province / c / "03_primary/villages.parquet")
        for c in ("county_01", "county_02")
    )
    left_out = pd.read_csv(
        province / "07_model_output" / "village_product_exclusions.csv",
        dtype={"village_code": str},
    )
    # Every village has its lists, or the products a constraint left out with the reason.
    assert set(found["village_code"]) | set(left_out["village_code"]) == set(
        villages["village_code"]
    )
