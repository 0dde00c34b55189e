"""Same exports, another pseudonym key (another installation): the same model and scores."""

from __future__ import annotations

import pandas as pd

from ecpa_pipeline.pipelines.exit_model import nodes, split
from ecpa_pipeline.pipelines.features import nodes as features
from tests.conftest import TEST_SECRET, load_config


def _scores_by_household(primary: dict, secret: str, parameters: dict) -> pd.Series:
    keys, _, _ = features.household_keys(primary["households"], secret)
    model_input = features.exit_model_input(
        primary["households"],
        features.member_features(primary["persons"]),
        features.village_context(
            primary["villages"], primary["households"], primary["order_lines"]
        ),
        keys,
        parameters["exit_plan"],
        parameters["features"],
    )
    params = parameters["exit_model"]
    train, valid, _, test_features = split.split_transitions(model_input, params)
    encoder = nodes.fit_encoder(train, params)
    booster, _, valid_scores = nodes.fit_booster(encoder, train, valid, params["lightgbm"], params)
    calibrator = nodes.fit_exit_calibrator(valid_scores, train, valid, params["lightgbm"], params)
    scores = nodes.score_exit(encoder, booster, calibrator, test_features, params)
    code = keys.set_index("household_key")["household_code"]
    return scores.set_index(scores["household_key"].map(code))["exit_probability"].sort_index()


def test_two_keys_give_identical_scores(tiny_modelled):
    parameters = dict(load_config()["parameters"])
    primary = {
        name: pd.read_parquet(tiny_modelled / "03_primary" / f"{name}.parquet")
        for name in ("households", "persons", "villages", "order_lines")
    }
    first = _scores_by_household(primary, TEST_SECRET, parameters)
    second = _scores_by_household(primary, TEST_SECRET[::-1], parameters)
    assert len(first) > 50
    pd.testing.assert_series_equal(first, second)
