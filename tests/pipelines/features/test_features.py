"""The exit model's input: no leakage, no personal data, labels from the registry."""

from __future__ import annotations

import pandas as pd
import pytest

from ecpa_pipeline.pipelines.features import nodes
from tests.conftest import TEST_SECRET, identities, load_config

FORBIDDEN = {
    "household_code",
    "person_code",
    "name",
    "id_number",
    "phone",
    "exit_year",
    "household_status",
    "status_change",
    "next_status",
    "next_exit_year",
    "income_per_capita_registry",
}


@pytest.fixture(scope="module")
def primary(tiny_modelled):
    folder = tiny_modelled / "03_primary"
    return {
        name: pd.read_parquet(folder / f"{name}.parquet")
        for name in ("households", "persons", "villages", "order_lines")
    } | {"identities": identities(tiny_modelled)}


@pytest.fixture(scope="module")
def model_input(tiny_modelled):
    return pd.read_parquet(tiny_modelled / "05_model_input" / "exit_model_input.parquet")


def _build(primary: dict, until: int | None = None) -> pd.DataFrame:
    tables = {k: v[v["year"] <= until] if until and "year" in v else v for k, v in primary.items()}
    parameters = load_config()["parameters"]
    members = nodes.member_features(tables["persons"])
    context = nodes.village_context(tables["villages"], tables["households"], tables["order_lines"])
    keys, _, _ = nodes.household_keys(tables["households"], TEST_SECRET)
    return nodes.exit_model_input(
        tables["households"],
        members,
        context,
        keys,
        parameters["exit_plan"],
        parameters["features"],
    )


def test_no_personal_data_or_exit_records_in_the_model_input(model_input, primary):
    assert not FORBIDDEN & set(model_input.columns)
    assert model_input["household_key"].str.fullmatch(r"h_[0-9a-f]{20}").all()
    text = model_input.select_dtypes(include=["object", "string", "str"]).astype(str)
    codes = set(primary["households"]["household_code"])
    ids = set(primary["identities"]["id_number"].dropna())
    for column in text:
        values = set(text[column])
        assert not values & codes, column
        assert not values & ids, column
        assert not text[column].str.fullmatch(r"\d{17}[\dX]|1\d{10}").any(), column


def test_features_of_year_t_do_not_change_when_later_years_are_removed(model_input, primary):
    """Rebuild the input from data that stops at 2016: the 2016 rows' features (not their
    labels, which need 2017) are identical, so nothing after t enters a feature."""
    truncated = _build(primary, until=2016)
    columns = [c for c in model_input.columns if c not in ("exit_next_year", "household_key")]
    full = model_input[model_input["year"] == 2016].set_index("household_key")[columns].sort_index()
    cut = truncated[truncated["year"] == 2016].set_index("household_key")[columns].sort_index()
    pd.testing.assert_frame_equal(full, cut, check_like=True)
    assert truncated.loc[truncated["year"] == 2016, "exit_next_year"].isna().all()


def test_label_is_the_registry_exit_of_the_next_year(model_input, primary):
    households = primary["households"]
    exits = households[
        (households["household_status"] == "脱贫户")
        & (households["exit_year"] == households["year"])
    ]
    labelled = model_input.dropna(subset=["exit_next_year"])
    assert set(labelled["year"]) == {2014, 2015, 2016, 2017, 2018}  # 2019→2020 is decreed: no label
    rate = labelled.groupby("year")["exit_next_year"].mean()
    assert rate[2018] > rate[2014] + 0.25  # the national path: 21 % in 2015 … 67 % in 2019
    registry_exits = exits.groupby("year").size()
    assert labelled.groupby("year")["exit_next_year"].sum().loc[2017] <= registry_exits.loc[2018]


def test_the_safety_net_feature_is_what_the_export_says_the_household_receives(tiny_modelled):
    # 综合保障 (contract §9) as the simulated world gave it: 低保 or 特困供养 at export time
    # (a few households carry the planted defect "no labour and no 低保": blanked).
    households = pd.read_parquet(tiny_modelled / "03_primary" / "monitoring_households.parquet")
    truth = pd.read_parquet(tiny_modelled / "01_raw" / "_truth" / "monitoring_years.parquet")
    both = households.merge(
        truth[["household_code", "year", "dibao"]], on=["household_code", "year"]
    )
    said = both["guarantee_dibao"] | both["guarantee_tekun"]
    assert len(both) == len(households) and (said == both["dibao"]).mean() > 0.99
    model_input = pd.read_parquet(
        tiny_modelled / "05_model_input" / "monitoring_model_input.parquet"
    )
    assert set(model_input["safety_net"].unique()) == {0.0, 1.0}
