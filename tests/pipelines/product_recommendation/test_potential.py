"""The potential model on a synthetic county where the truth is known: it carries what
produced pairs earn to pairs nobody produces, through fit and national demand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecpa_pipeline.pipelines.product_recommendation.potential import PotentialModel

PARAMS = {
    "tweedie_power": 1.5,
    "max_iter": 1000,
    "newton_max_columns": 2500,
    "revenue_band_quantiles": [0.25, 0.75],
    "selection": {
        "folds": 3,
        "alpha": [0.1, 1.0],
        "product_effect_scale": [0.0, 1.0],
        "village_effect_scale": [0.3],
    },
    "own_scale_units": ["蜂产品"],
}


def _county(seed: int = 0, n_villages: int = 60) -> tuple[pd.DataFrame, np.ndarray]:
    """Villages × 6 products × 3 years. Potential = demand × 0.25 if the terrain does not
    suit × village talent; each village produces 2 products (mostly fitting ones) whose yearly
    revenue is the potential × (scale/100)^0.5 × noise, sometimes nothing (no shop yet)."""
    rng = np.random.default_rng(seed)
    demand = np.array([4.0, 2.0, 1.0, 3.0, 1.5, 2.5]) * 1e8
    n_p = len(demand)
    fits = rng.random((n_villages, n_p)) < 0.7
    talent = rng.lognormal(0, 0.5, n_villages)
    potential = 2e4 * (demand / demand.mean())[None, :] * np.where(fits, 1.0, 0.25)
    potential = potential * talent[:, None]
    grown = np.zeros_like(fits)
    for v in range(n_villages):
        weights = np.where(fits[v], 1.0, 0.1)
        grown[v, rng.choice(n_p, 2, replace=False, p=weights / weights.sum())] = True
    rows = []
    for year in (2017, 2018, 2019):
        area = np.where(grown, rng.lognormal(np.log(100), 0.5, grown.shape), 0.0)
        sold = rng.random(grown.shape) < 0.75
        revenue = potential * (np.maximum(area, 1e-9) / 100) ** 0.5 * rng.gamma(4, 0.25, area.shape)
        revenue = np.where(grown & sold, revenue, 0.0)
        for v in range(n_villages):
            for p in range(n_p):
                rows.append(
                    {
                        "village_code": f"V{v:03d}",
                        "product_code": f"P{p}",
                        "category": "水果",
                        "year": year,
                        "terrain_fit": bool(fits[v, p]),
                        "elevation_gap_m": 0.0,
                        "cold_chain_missing": False,
                        "certified_gi": False,
                        "certified_green_organic": False,
                        "express_point": True,
                        "broadband": True,
                        "ecommerce_station": False,
                        "paved_road": True,
                        "county_distance_km": 20.0,
                        "area_mu": area[v, p],
                        "output_kg": area[v, p] * 500,
                        "village_sales_yuan": revenue[v, p],
                        "national_demand_yuan": demand[p] * rng.lognormal(0, 0.05),
                    }
                )
    return pd.DataFrame(rows), potential


def _within_village_agreement(pairs: pd.DataFrame, score: np.ndarray, truth: np.ndarray) -> float:
    """Share of same-village pairs of *unproduced* products that the score orders as the
    truth does."""
    frame = pairs.assign(score=score, truth=truth)
    frame = frame[frame["area_mu"] == 0]
    right = total = 0
    for _, village in frame.groupby("village_code"):  # small synthetic county
        s, t = village["score"].to_numpy(), village["truth"].to_numpy()
        i, j = np.triu_indices(len(s), 1)
        keep = t[i] != t[j]
        right += ((s[i] > s[j]) == (t[i] > t[j]))[keep].sum()
        total += keep.sum()
    return right / total


def test_unproduced_products_are_ranked_by_fit_and_national_demand():
    pairs, potential = _county()
    model = PotentialModel(PARAMS).fit(pairs)
    latest = pairs[pairs["year"] == 2019].reset_index(drop=True)
    truth = potential.ravel()  # rows are village-major, product-minor, as in `latest`
    predicted = model.predict(latest)["expected_revenue_yuan"].to_numpy()
    assert _within_village_agreement(latest, predicted, truth) > 0.9
    assert model.coefficients_["terrain_misfit"] < -0.5
    assert model.coefficients_["log_national_demand"] > 0.5
    assert model.with_market_
    band = model.predict(latest)
    assert (band["revenue_low_yuan"] < band["revenue_high_yuan"]).all()
    assert (band["standard_scale"] == model.standard_scale_["default"]).all()


def test_a_design_too_wide_for_newton_is_fitted_by_lbfgs_to_the_same_model():
    """A province's design (one column per village) is too wide for Newton-Cholesky's dense
    solve; L-BFGS must choose the same shrinkage and predict the same revenue."""
    pairs, _ = _county(seed=2)
    newton = PotentialModel(PARAMS).fit(pairs)
    lbfgs = PotentialModel({**PARAMS, "newton_max_columns": 10}).fit(pairs)
    assert (newton.solver_, lbfgs.solver_) == ("newton-cholesky", "lbfgs")
    assert lbfgs.setting_ == newton.setting_
    np.testing.assert_allclose(
        lbfgs.selection_["deviance"], newton.selection_["deviance"], rtol=1e-3
    )
    latest = pairs[pairs["year"] == 2019]
    np.testing.assert_allclose(
        lbfgs.predict(latest)["expected_revenue_yuan"],
        newton.predict(latest)["expected_revenue_yuan"],
        rtol=1e-2,
    )


def test_without_national_demand_the_fit_still_orders_products():
    pairs, _ = _county(seed=1)
    bare = pairs.drop(columns="national_demand_yuan")
    model = PotentialModel(PARAMS).fit(bare)
    assert not model.with_market_
    latest = bare[bare["year"] == 2019].reset_index(drop=True)
    predicted = model.predict(latest)["expected_revenue_yuan"].to_numpy()
    fits = latest["terrain_fit"].to_numpy()
    # A suiting product is predicted above a non-suiting one in every village.
    by_village = pd.DataFrame({"v": latest["village_code"], "fit": fits, "p": predicted})
    low_fit = by_village[by_village["fit"]].groupby("v")["p"].min()
    high_misfit = by_village[~by_village["fit"]].groupby("v")["p"].max()
    both = low_fit.index.intersection(high_misfit.index)
    assert (low_fit[both] > high_misfit[both]).mean() > 0.9


def test_same_data_same_model_and_no_learning_without_production():
    pairs, _ = _county(seed=2, n_villages=30)
    first = PotentialModel(PARAMS).fit(pairs).predict(pairs)
    second = PotentialModel(PARAMS).fit(pairs).predict(pairs)
    pd.testing.assert_frame_equal(first, second)
    with pytest.raises(ValueError, match="No produced village-product"):
        PotentialModel(PARAMS).fit(pairs.assign(area_mu=0.0, output_kg=0.0, village_sales_yuan=0.0))
