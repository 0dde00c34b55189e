"""The modelling nodes are data-agnostic: a household survey of another shape, named only in
parameters, goes through training, evaluation, fairness and explanations unchanged."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from ecpa_pipeline.pipelines.exit_model import model, nodes, report, search, split
from ecpa_pipeline.pipelines.exit_model.model import FeatureEncoder

PARAMS = {
    "id_column": "hh_id",
    "label": "left_poverty",
    "time_column": "wave",
    "seed": 7,
    "offset_column": None,
    "split": {"validation": "auto", "test": "auto"},
    # a mapping of each feature to its readable names (None: shown by its column name)
    "features": {
        "land": None,
        "kids": None,
        "wage": {"zh": "工资", "en": "wages"},
        "province_name": None,
    },
    "categorical": ["province_name"],
    "audit_groups": ["sex_of_head"],
    "lightgbm": {
        "learning_rate": 0.05,
        "num_leaves": 7,
        "min_data_in_leaf": 20,
        "num_boost_round": 300,
        "early_stopping_rounds": 30,
    },
    "operating_threshold": 0.5,
    "baselines": {"hazard_group": "province_name", "pmt_features": ["land", "kids"]},
}


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    """Four waves of a made-up panel: leaving poverty depends on land, wages and children."""
    rng = np.random.default_rng(3)
    n = 4000
    frame = pd.DataFrame(
        {
            "hh_id": [f"P{i:05d}" for i in range(n)],
            "wave": rng.integers(1, 5, n),
            "land": rng.gamma(2, 1.5, n),
            "kids": rng.integers(0, 5, n),
            "wage": rng.lognormal(8, 0.6, n),
            "province_name": rng.choice(["A", "B", "C"], n),
            "sex_of_head": rng.choice(["f", "m"], n),
        }
    )
    logit = (
        -3
        + 0.4 * frame["land"]
        - 0.5 * frame["kids"]
        + 0.0004 * frame["wage"]
        + rng.normal(0, 1, n)
    )
    frame["left_poverty"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    return frame


@pytest.fixture(scope="module")
def trained(survey):
    train, valid, test, features = split.split_transitions(survey, PARAMS)
    encoder = nodes.fit_encoder(train, PARAMS)
    booster, curve, valid_scores = nodes.fit_booster(
        encoder, train, valid, PARAMS["lightgbm"], PARAMS
    )
    calibrator = nodes.fit_exit_calibrator(valid_scores, train, valid, PARAMS["lightgbm"], PARAMS)
    scores = nodes.score_exit(encoder, booster, calibrator, features, PARAMS)
    return locals()


def test_split_is_temporal(trained):
    assert set(trained["train"]["wave"]) == {1, 2}
    assert set(trained["valid"]["wave"]) == {3} and set(trained["test"]["wave"]) == {4}
    assert list(trained["features"].columns) == ["hh_id", *PARAMS["features"]]


def test_another_survey_trains_and_evaluates(trained):
    metrics, table, _ = nodes.evaluate_exit_model(
        trained["scores"],
        trained["train"],
        trained["valid"],
        trained["test"],
        pd.DataFrame(columns=["household_key", "year", "exit_prob"]),  # no truth: real data
        {},
        PARAMS,
    )
    assert list(table["scorer"]) == [
        "model",
        "base_hazard",
        "pmt_logit",
    ]  # no rule, no truth: no oracle
    model = table.set_index("scorer").loc["model"]
    assert 0.65 < model["roc_auc"] < 0.95
    assert model["k"] == trained["test"]["left_poverty"].sum()
    assert model["roc_auc_low"] < model["roc_auc"] < model["roc_auc_high"]
    assert "test.model.roc_auc" in metrics and metrics["test.model.roc_auc"]["step"] == 0
    assert trained["curve"]["learning_curve.validation_logloss"][0]["step"] == 0
    fairness = nodes.fairness_table(trained["scores"], trained["test"], PARAMS)
    assert set(fairness["value"]) == {"f", "m"}
    # the groups share the overall budget: their selections and exits found add up to it
    assert fairness["k"].sum() == model["k"]
    found = (fairness["recall_at_k"] * fairness["positives"]).sum()
    assert found == pytest.approx(model["recall_at_k"] * model["positives"])
    card = report.model_card(
        table,
        fairness,
        nodes.feature_importance(trained["encoder"], trained["booster"]),
        trained["train"],
        trained["valid"],
        trained["test"],
        trained["calibrator"],
        PARAMS,
    )
    assert f"{model['roc_auc']:.3f}" in card and "left_poverty" in card


def test_explanations_name_the_factors(trained):
    explained = nodes.explain_exit(
        trained["encoder"], trained["booster"], trained["features"], PARAMS
    )
    assert len(explained) == len(trained["features"])
    assert set(explained["factor_1"]) <= set(PARAMS["features"])
    wage_rows = explained["factor_1"] == "wage"
    assert (explained.loc[wage_rows, "factor_1_en"] == "wages").all()
    # the household's own value of the factor, as text
    wages = trained["features"].loc[wage_rows, "wage"].round(3).astype(str).str.removesuffix(".0")
    assert explained.loc[wage_rows, "factor_1_value"].tolist() == wages.tolist()
    other = explained["factor_1"] != "wage"
    assert (
        explained.loc[other, "factor_1_en"] == explained.loc[other, "factor_1"]
    ).all()  # no name: the column
    # features as a plain list of columns: every reason is named by its column
    plain = PARAMS | {"features": list(PARAMS["features"])}
    listed = nodes.explain_exit(trained["encoder"], trained["booster"], trained["features"], plain)
    assert (listed["factor_1_zh"] == listed["factor_1"]).all()
    assert (listed["factor_2_en"] == listed["factor_2"]).all()


def test_training_is_reproducible(survey, trained):
    again = nodes.score_exit(*_train_once(survey), trained["features"], PARAMS)
    pd.testing.assert_frame_equal(again, trained["scores"])


def _train_once(survey):
    train, valid, _, _ = split.split_transitions(survey, PARAMS)
    encoder = nodes.fit_encoder(train, PARAMS)
    booster, _, valid_scores = nodes.fit_booster(encoder, train, valid, PARAMS["lightgbm"], PARAMS)
    return (
        encoder,
        booster,
        nodes.fit_exit_calibrator(valid_scores, train, valid, PARAMS["lightgbm"], PARAMS),
    )


def test_unseen_categories_become_missing_not_new_codes():
    encoder = FeatureEncoder.fit(pd.DataFrame({"c": ["a", "b"], "x": [1, 2]}), ["c", "x"], ["c"])
    out = encoder.transform(pd.DataFrame({"c": ["b", "z"], "x": ["3", None]}))
    assert list(out["c"].cat.categories) == ["a", "b"]
    assert out["c"].isna().tolist() == [False, True]
    assert out["x"].tolist()[0] == 3.0 and np.isnan(out["x"].tolist()[1])


def test_too_few_periods_is_a_clear_error(survey):
    with pytest.raises(ValueError, match="at least 3 labelled periods"):
        split.split_transitions(survey[survey["wave"] <= 2], PARAMS)


def test_calibration_never_costs_ranking_and_is_chosen_on_held_out_halves():
    rng = np.random.default_rng(7)
    raw = rng.uniform(0.05, 0.95, 4000)
    skewed = (rng.random(4000) < raw**3).astype(int)  # the booster overstates exits
    for method in ("isotonic", "sigmoid", "none"):
        calibrator = model.Calibrator.fit(method, raw, skewed)
        calibrated = calibrator.predict(raw)
        assert (np.diff(calibrated[np.argsort(raw)]) > 0).all(), method  # no ties, same order
        assert calibrated.min() >= 0 and calibrated.max() <= 1
    assert model.choose_calibration(raw, skewed, ["isotonic", "sigmoid", "none"]) != "none"
    calibrated_already = (rng.random(4000) < raw).astype(int)
    brier = {
        m: ((model.Calibrator.fit(m, raw, calibrated_already).predict(raw) - raw) ** 2).mean()
        for m in ("isotonic", "sigmoid")
    }
    assert min(brier.values()) < 0.01  # either map stays near the truth when no fix is needed


def test_recent_years_weigh_more_and_the_refit_uses_train_and_validation(survey):
    params = PARAMS | {"training": {"recent_year_weight": 2.0, "refit_on_validation": True}}
    train, valid, _, _ = split.split_transitions(survey, params)
    weights = nodes.recency_weights(train, params)
    assert set(np.round(weights, 6)) == {0.5, 1.0}  # waves 1 and 2 of the training rows
    assert nodes.recency_weights(train, PARAMS) is None
    encoder = nodes.fit_encoder(train, params)
    no_refit = params | {"training": {"recent_year_weight": 2.0, "refit_on_validation": False}}
    early, _, early_scores = nodes.fit_booster(
        encoder, train, valid, no_refit["lightgbm"], no_refit
    )
    refit, _, scores = nodes.fit_booster(encoder, train, valid, params["lightgbm"], params)
    assert refit.num_trees() == early.best_iteration  # the early-stopped size
    np.testing.assert_array_equal(scores, early_scores)  # calibration sees held-out scores
    on_valid = model.raw_probability(encoder, refit, valid)
    assert not np.allclose(on_valid, early_scores)  # the refit has learnt from validation


def test_a_cohorts_probabilities_sum_to_its_plan_in_the_same_order_whoever_is_listed_first():
    rng = np.random.default_rng(11)
    probabilities = rng.uniform(0.05, 0.6, 3000)
    plan = pd.Series(np.repeat([0.3, 0.67, 1.0], 1000))  # two years' plans and a decreed year
    anchored = model.anchor_to_plan(probabilities, plan)
    for share, cohort in ((0.3, slice(0, 1000)), (0.67, slice(1000, 2000))):
        assert anchored[cohort].mean() == pytest.approx(share, abs=1e-9)
        order = np.argsort(probabilities[cohort])
        assert (np.diff(anchored[cohort][order]) > 0).all()  # the ranking is the model's
    np.testing.assert_array_equal(anchored[2000:], probabilities[2000:])  # 100 %: no shift
    shuffled = rng.permutation(3000)
    again = model.anchor_to_plan(probabilities[shuffled], plan.iloc[shuffled])
    np.testing.assert_array_equal(again, anchored[shuffled])  # bit for bit, any row order
    params = PARAMS | {"offset_column": "plan", "plan_anchor": True}
    frame = pd.DataFrame({"plan": plan})
    np.testing.assert_array_equal(nodes.plan_anchored(probabilities, frame, params), anchored)
    unanchored = params | {"plan_anchor": False}
    assert nodes.plan_anchored(probabilities, frame, unanchored) is probabilities


def test_a_bounded_search_is_seeded_judged_on_validation_and_off_by_default(survey):
    train, valid, _, _ = split.split_transitions(survey, PARAMS)
    encoder = nodes.fit_encoder(train, PARAMS)
    settings, trials = search.search_lightgbm(encoder, train, valid, PARAMS)
    assert settings == PARAMS["lightgbm"] and trials.empty  # no search configured
    space = {
        "num_leaves": {"low": 3, "high": 31, "log": True},
        "learning_rate": {"low": 0.02, "high": 0.2},
    }
    params = PARAMS | {"search": {"trials": 6, "space": space}}
    settings, trials = search.search_lightgbm(encoder, train, valid, params)
    _, trials_again = search.search_lightgbm(encoder, train, valid, params)
    pd.testing.assert_frame_equal(trials, trials_again)  # seeded: the same trials, same losses
    assert len(trials) == 6 and trials["chosen"].sum() == 1
    best = trials.loc[trials["validation_logloss"].idxmin()]
    assert best["chosen"] and settings["num_leaves"] == best["num_leaves"]
    assert (
        trials["num_leaves"].between(3, 31).all()
        and trials["learning_rate"].between(0.02, 0.2).all()
    )
    assert settings["min_data_in_leaf"] == PARAMS["lightgbm"]["min_data_in_leaf"]  # not searched
    booster, _, _ = nodes.fit_booster(encoder, train, valid, settings, params)
    assert booster.params["num_leaves"] == best["num_leaves"]
    for bad, message in (
        ({"leaves": {"low": 3, "high": 9}}, "search.space.leaves: not a setting of lightgbm"),
        (
            {"num_leaves": {"low": 9, "high": 3}},
            "search.space.num_leaves: needs numbers low < high",
        ),
    ):
        with pytest.raises(ValueError, match=message):
            search.search_lightgbm(
                encoder, train, valid, PARAMS | {"search": {"trials": 1, "space": bad}}
            )


def test_the_budget_may_be_a_share_of_the_households(trained):
    params = PARAMS | {"budget": {"share": 0.25, "count": None}}
    _, table, _ = nodes.evaluate_exit_model(
        trained["scores"],
        trained["train"],
        trained["valid"],
        trained["test"],
        pd.DataFrame(columns=["household_key", "year", "exit_prob"]),
        {},
        params,
    )
    model = table.set_index("scorer").loc["model"]
    assert model["k"] == round(0.25 * len(trained["test"]))
    assert table["budget_k_denominator"].iloc[0].startswith("k = 25% of the test households")
    fairness = nodes.fairness_table(trained["scores"], trained["test"], params)
    assert fairness.groupby("group")["k"].sum().eq(model["k"]).all()


def test_a_surveys_own_ids_are_hashed_before_anything_is_fitted_or_logged(survey):
    params = PARAMS | {"ids": "hash"}
    train, valid, test, features = split.split_transitions(survey, params)
    for part in (train, valid, test, features):
        assert part["hh_id"].str.fullmatch(r"id_[0-9a-f]{20}").all()
        assert not set(part["hh_id"]) & set(survey["hh_id"])
    digest = hashlib.sha256(b"P00001").hexdigest()[:20]
    assert any(("id_" + digest) in set(part["hh_id"]) for part in (train, valid, test))


def test_a_random_split_is_stratified_seeded_and_independent_of_the_ids(survey):
    params = PARAMS | {
        "time_column": None,
        "split": {"kind": "random", "validation_share": 0.2, "test_share": 0.25},
    }
    table = survey.drop(columns="wave")
    train, valid, test, _ = split.split_transitions(table, params)
    assert len(train) + len(valid) + len(test) == len(table)
    for part, share in ((valid, 0.2), (test, 0.25)):
        by_label = part["left_poverty"].value_counts()
        expected = (table["left_poverty"].value_counts() * share).round()
        assert by_label.sort_index().tolist() == expected.sort_index().tolist()
    renamed = table.assign(hh_id="X" + table["hh_id"])  # other ids, same contents
    _, _, test_again, _ = split.split_transitions(renamed, params)
    assert test_again["hh_id"].str[1:].tolist() == test["hh_id"].tolist()


def test_an_id_list_decides_the_split_and_a_bad_part_is_named(survey, tmp_path):
    ids_file = tmp_path / "split.csv"
    pd.DataFrame(
        {
            "hh_id": ["P00001", "P00002", "P00003", "P00004"],
            "part": ["test", "test", "validation", "validation"],
        }
    ).to_csv(ids_file, index=False)
    params = PARAMS | {"ids": "hash", "split": {"kind": "ids", "ids_file": str(ids_file)}}
    train, valid, test, _ = split.split_transitions(survey, params)
    assert (len(train), len(valid), len(test)) == (len(survey) - 4, 2, 2)
    assert set(test["hh_id"]) == set(split.hash_ids(pd.Series(["P00001", "P00002"])))
    pd.DataFrame({"hh_id": ["P00001"], "part": ["holdout"]}).to_csv(ids_file, index=False)
    with pytest.raises(ValueError, match=r"split\.csv: part must be train, validation or test"):
        split.split_transitions(survey, params)


def test_features_may_be_all_columns_except_some(survey):
    params = PARAMS | {"features": {"all_except": ["sex_of_head"], "wage": {"en": "wages"}}}
    _, _, _, features = split.split_transitions(survey, params)
    assert features.columns.tolist() == ["hh_id", "land", "kids", "wage", "province_name"]


def test_auto_calibration_is_chosen_a_period_ahead_where_time_allows(survey, trained):
    params = PARAMS | {"calibration": "auto"}
    train, valid = trained["train"], trained["valid"]
    chosen = nodes.rolling_origin_calibration(train, valid, params)
    assert chosen in {"isotonic", "sigmoid", "none"}
    calibrator = nodes.fit_exit_calibrator(
        trained["valid_scores"], train, valid, params["lightgbm"], params
    )
    assert calibrator.method == chosen
    # One training period, or no time order: the cross-fitted choice on validation halves.
    one_period = train[train["wave"] == train["wave"].max()]
    assert nodes.rolling_origin_calibration(one_period, valid, params) is None
    random = params | {"split": {"kind": "random", "validation_share": 0.2, "test_share": 0.2}}
    assert nodes.rolling_origin_calibration(train, valid, random) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.assign(left_poverty=t["left_poverty"].map({0.0: "no", 1.0: "yes"})),
         r"label 'left_poverty' must be 0 or 1 .*found \['no', 'yes'\]"),
        (lambda t: t.assign(land=t["land"].astype(str).where(t.index > 5, "n/a")),
         r"feature\(s\) \['land'\] hold text: list them in categorical"),
        (lambda t: t.drop(columns="kids"), r"lacks column\(s\) \['kids'\]"),
    ],
)  # fmt: skip
def test_a_table_that_cannot_be_modelled_as_configured_stops_with_one_line(survey, change, message):
    with pytest.raises(ValueError, match=message):
        split.split_transitions(change(survey), PARAMS)


def test_reasons_group_features_leave_out_context_and_small_effects(trained):
    """Land and children say one thing here ("assets"), the province is context (never a
    reason); a reason's contribution is the sum of its features' and must reach the minimum."""
    features = trained["features"]
    reasons = {
        "context": ["province_name"],
        "min_contribution": 0.05,
        "groups": {"assets": {"zh": "家庭资产", "en": "assets", "features": ["land", "kid*"]}},
    }
    params = PARAMS | {"reasons": reasons}
    explained = nodes.explain_exit(trained["encoder"], trained["booster"], features, params)
    codes = explained[["factor_1", "factor_2", "factor_3"]]
    assert set(codes.stack()) <= {"assets", "wage", ""}
    assert (explained["factor_3"] == "").all()  # two reasons: the third slot stays empty
    stacked = codes.stack()
    shown = stacked[stacked != ""].groupby(level=0)
    assert not shown.apply(lambda r: r.duplicated().any()).any()  # never one reason twice
    contributions = model.contributions(trained["encoder"], trained["booster"], features)
    assets = contributions["land"] + contributions["kids"]
    first = explained["factor_1"] == "assets"
    assert np.allclose(
        explained.loc[first, "factor_1_contribution"], assets[first.to_numpy()].round(4)
    )
    assert (explained.loc[first, "factor_1_zh"] == "家庭资产").all()
    small = explained["factor_2_contribution"].abs() < 0.05
    assert (explained.loc[small, "factor_2"] == "").all() and small.any()
