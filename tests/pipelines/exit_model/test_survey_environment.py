"""The exit model's nodes on a household survey that is not a registry, by configuration
alone (``conf/survey_example``): its own column names and ids, no time column, a random
split, features as "all columns except", its own registered name and experiment — run
through ``kedro run --env=survey_example`` into the store that already holds ``poverty_exit``."""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest

from tests.conftest import PROJECT_ROOT, kedro_cli

pytestmark = pytest.mark.slow

SURVEY = PROJECT_ROOT / "examples" / "survey" / "households.csv"


@pytest.fixture(scope="module")
def survey_run(trained_store, tmp_path_factory):
    data = tmp_path_factory.mktemp("survey_data")
    before = _versions(trained_store["path"], "poverty_exit")
    result = kedro_cli(data, trained_store["path"], "--pipelines=exit_model", env="survey_example")
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return {"data": data, "store": trained_store["path"], "poverty_exit_before": before}


def _versions(store, name: str) -> list[tuple[str, str]]:
    client = mlflow.MlflowClient(f"sqlite:///{store}/mlflow.db")
    return sorted((v.version, v.run_id) for v in client.search_model_versions(f"name='{name}'"))


def test_the_survey_model_is_registered_under_its_own_name_in_its_own_experiment(survey_run):
    store = survey_run["store"]
    assert [int(v) for v, _ in _versions(store, "survey_poverty")] == [1]
    assert _versions(store, "poverty_exit") == survey_run["poverty_exit_before"]
    client = mlflow.MlflowClient(f"sqlite:///{store}/mlflow.db")
    (run,) = client.search_runs([client.get_experiment_by_name("survey_example").experiment_id])
    assert run.data.params["exit_model.label"] == "poor_next_round"
    assert "exit_metrics.test.model.roc_auc" in run.data.metrics
    assert "exit_metrics.test.official_rule.roc_auc" not in run.data.metrics  # none configured
    (logged,) = run.inputs.dataset_inputs
    assert logged.dataset.name == "exit_model_input"


def test_the_survey_is_split_at_random_within_each_label_value(survey_run):
    metrics = pd.read_csv(survey_run["data"] / "08_reporting" / "exit_model" / "metrics.csv")
    survey = pd.read_csv(SURVEY)
    model = metrics.set_index("scorer").loc["model"]
    assert model["n"] == round(0.2 * (survey["poor_next_round"] == 1).sum()) + round(
        0.2 * (survey["poor_next_round"] == 0).sum()
    )
    assert model["exit_rate"] == pytest.approx(survey["poor_next_round"].mean(), abs=0.01)
    # Better than the baselines, far from a leak.
    assert metrics.set_index("scorer")["roc_auc"].idxmax() == "model"
    assert 0.65 < model["roc_auc"] < 0.9


def test_features_are_all_columns_except_the_roles_and_the_card_says_what_was_used(survey_run):
    reports = survey_run["data"] / "08_reporting" / "exit_model"
    importance = pd.read_csv(reports / "importance.csv")
    survey = pd.read_csv(SURVEY, nrows=1)
    assert set(importance["feature"]) == set(survey.columns) - {"hh_id", "poor_next_round"}
    card = (reports / "model_card.md").read_text(encoding="utf-8")
    assert "survey_poverty" in card and "SHA-256 digests" in card and "at random" in card
    for registry_fact in ("HMAC", "两不愁三保障", "exited at t+1", "poverty_exit"):
        assert registry_fact not in card


def test_no_raw_survey_id_reaches_the_mlflow_store(survey_run):
    ids = set(pd.read_csv(SURVEY, dtype=str)["hh_id"])
    for path in (p for p in survey_run["store"].rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", errors="ignore")
        assert not [i for i in ids if i in text], path
