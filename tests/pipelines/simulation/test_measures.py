"""措施到户 in the simulator: measures reach households by waves, rules and capacity; each
pays next year's market income by the household's own effect, which the truth records."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecpa_pipeline.pipelines.simulation import dynamics, measures
from ecpa_pipeline.pipelines.simulation.measures import DEVELOPMENT

SUFFIXES = list(DEVELOPMENT.values())


@pytest.fixture(scope="module")
def truth(county_state) -> pd.DataFrame:
    return measures.truth_table(county_state["households"], county_state["hh_years"])


def test_only_candidates_get_a_measure_and_none_after_the_last_assignment_year(truth, parameters):
    last = parameters["simulation"]["measures"]["last_assignment_year"]
    for s in SUFFIXES:
        assert not (truth[f"assigned_{s}"] & ~truth[f"candidate_{s}"]).any(), s
        assert not truth.loc[truth["year"] > last, f"candidate_{s}"].any(), s
        assert truth[f"assigned_{s}"].sum() > 100, s


def test_a_village_gets_its_capacity_and_no_more(truth, parameters):
    share = parameters["simulation"]["measures"]["capacity_share"]
    for name, s in DEVELOPMENT.items():
        per_village = truth.groupby(["village_code", "year"])[
            [f"candidate_{s}", f"assigned_{s}"]
        ].sum()
        candidates = per_village[f"candidate_{s}"]
        capacity = np.where(candidates > 0, np.maximum(np.round(share[name] * candidates), 1), 0)
        assert (per_village[f"assigned_{s}"] == np.minimum(capacity, candidates)).all(), name


def test_programmes_start_in_waves_by_township(truth, county_state):
    town = county_state["villages"].set_index("village_code")["township"]
    first = (
        truth[truth["assigned_ecommerce_training"]]
        .assign(township=lambda t: t["village_code"].map(town))
        .groupby("township")["year"]
        .min()
    )
    # Townships start in different years, none before the range's first (2015).
    assert first.nunique() > 1
    assert first.min() >= 2015


def test_next_years_market_income_is_the_income_without_plus_the_effects_given(truth):
    following = truth.dropna(subset=["market_income_next_none"])
    given = sum(
        np.where(following[f"assigned_{s}"], following[f"effect_{s}"], 0.0) for s in SUFFIXES
    )
    observed_next = (
        truth.set_index(["household_code", "year"])["market_income"]
        .reindex(pd.MultiIndex.from_arrays([following["household_code"], following["year"] + 1]))
        .to_numpy()
    )
    # Rounding of the business income to the yuan: within 2 yuan a household.
    np.testing.assert_allclose(
        following["market_income_next_none"].to_numpy() + given, observed_next, atol=2
    )


def test_effects_follow_the_household_and_its_village(truth, county_state):
    # Microcredit costs a little for the households without a business, pays the others.
    credit = truth.loc[truth["candidate_microcredit"], "effect_microcredit"]
    assert (credit < 0).mean() > 0.05 and credit.mean() > 0
    # Rural e-commerce pays little on average (Couture et al. 2021): the smallest mean effect.
    means = {s: truth.loc[truth[f"candidate_{s}"], f"effect_{s}"].mean() for s in SUFFIXES}
    assert min(means, key=means.get) == "ecommerce_training"
    # ... and nothing in a village without broadband, station or express point.
    villages = county_state["villages"].set_index("village_code")
    unready = ~villages[["broadband", "ecommerce_station", "express_point"]].any(axis=1)
    offline = truth["village_code"].map(unready)
    assert offline.any()
    assert (truth.loc[offline, "effect_ecommerce_training"] == 0).all()


def test_no_effects_in_a_world_without_them(county_state, parameters):
    sim = county_state["sim"]
    null = sim | {"measures": sim["measures"] | {"effect_scale": 0.0}}
    # Only the dynamics are needed: the households' years under the null world's parameters.
    years, _ = dynamics.simulate_household_years(
        county_state["households"],
        county_state["persons"],
        county_state["villages"],
        county_state["revenue"],
        {int(k): v for k, v in parameters["poverty_line"].items()},
        null,
    )
    assert (years[[f"effect_{s}" for s in SUFFIXES]] == 0).all().all()
    assert (years["measure_gain_received"] == 0).all()
    assert years[[f"assigned_{s}" for s in SUFFIXES]].any().all()


def test_the_export_lists_what_was_assigned(tiny_world):
    truth = pd.read_parquet(tiny_world / "_truth" / "measure_effects.parquet")
    year = 2017
    export = pd.read_csv(tiny_world / "income" / f"income_{year}.csv", dtype=str)
    listed = export.drop_duplicates("户编号").set_index("户编号")["帮扶措施"].fillna("")
    rows = truth[truth["year"] == year].set_index("household_code")
    rows = rows[rows.index.isin(listed.index)]
    assert len(rows) > 100
    for name, s in DEVELOPMENT.items():
        shown = listed.reindex(rows.index).str.contains(name)
        assert (shown == rows[f"assigned_{s}"]).all(), name
