"""Training through ``kedro run --pipelines=exit_model`` on a tiny world, into a temporary
MLflow store: what an auditor finds there, and that the registered model reproduces the
pipeline's scores in a fresh process."""

from __future__ import annotations

import re
import subprocess
import sys

import mlflow
import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

from tests.conftest import PROJECT_ROOT, TEST_ENV, assert_no_personal_data, mlflow_env

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def store(trained_store):
    return trained_store


@pytest.fixture(scope="module")
def client(store):
    mlflow.set_tracking_uri(f"sqlite:///{store['path']}/mlflow.db")
    return mlflow.MlflowClient()


@pytest.fixture(scope="module")
def runs(client):
    """The training runs (the session's store also holds the list runs of other modules that
    ran before on this worker)."""
    experiment = client.get_experiment_by_name("ecpa_pipeline")
    return client.search_runs(
        [experiment.experiment_id],
        filter_string="tags.`mlflow.runName` = 'exit_model'",
        order_by=["attributes.start_time ASC"],
    )


def test_each_training_is_one_run_with_params_metrics_tags_and_artifacts(client, runs):
    assert len(runs) == 2
    run = runs[-1]
    assert run.data.params["exit_model.label"] == "exit_next_year"
    assert run.data.params["exit_model.lightgbm.num_leaves"] == "15"
    for metric in (
        "test.model.roc_auc",
        "test.model.ece",
        "test.model.exclusion_error",
        "test.oracle.roc_auc",
        "test.base_hazard.roc_auc",
        "test.official_rule.roc_auc",
        "test.pmt_logit.roc_auc",
    ):
        assert f"exit_metrics.{metric}" in run.data.metrics, metric
    tags = run.data.tags
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?", tags["git_commit"])
    assert tags["package_version"] and tags["seed"] == "20141017"
    assert re.fullmatch(r"[0-9a-f]{16}", tags["digest.exit_model_input"])
    assert tags["run_id"]  # the Kedro session id
    assert tags["kedro_env"] == TEST_ENV  # the configuration environment it ran in
    assert re.fullmatch(r"fp_[0-9a-f]{16}", tags["pseudonym_key_fingerprint"])
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {
        "metrics.csv",
        "fairness.csv",
        "importance.csv",
        "exit_test_scores.parquet",
        "calibration.png",
        "roc.png",
        "importance.png",
        "model_card.md",
    } <= artifacts


def test_the_model_is_registered_with_a_new_version_per_training(client, runs):
    versions = client.search_model_versions("name='poverty_exit'")
    assert sorted(int(v.version) for v in versions) == [1, 2]
    assert {v.run_id for v in versions} == {r.info.run_id for r in runs}


def test_the_run_logs_its_training_table_and_the_model_states_its_outputs(client, runs, store):
    run = client.get_run(runs[-1].info.run_id)
    (logged,) = run.inputs.dataset_inputs
    assert logged.dataset.name == "exit_model_input"
    assert {t.key: t.value for t in logged.tags}["mlflow.data.context"] == "training"
    rows = len(pd.read_parquet(store["data"] / "05_model_input" / "exit_model_input.parquet"))
    assert f'"num_rows": {rows}' in logged.dataset.profile
    info = mlflow.models.get_model_info("models:/poverty_exit/2")
    outputs = info.signature.outputs.input_names()
    assert {"household_key", "exit_probability", "factor_1_zh", "factor_3_contribution"} <= set(
        outputs
    )


def test_two_trainings_on_the_same_data_give_identical_scores(store):
    second = pd.read_parquet(store["data"] / "07_model_output" / "exit_test_scores.parquet")
    pd.testing.assert_frame_equal(store["first_scores"], second)


def test_the_registered_model_reproduces_the_scores_in_a_fresh_process(store, tmp_path):
    features = store["data"] / "05_model_input" / "exit_model_features.parquet"
    out = tmp_path / "scores.parquet"
    script = (
        "import mlflow, pandas as pd, sys\n"
        f"mlflow.set_tracking_uri('sqlite:///{store['path']}/mlflow.db')\n"
        "model = mlflow.pyfunc.load_model('models:/poverty_exit/2')\n"
        f"scores = model.predict(pd.read_parquet('{features}'))\n"
        f"scores.to_parquet('{out}')\n"
    )
    # A clean interpreter outside the project: the package travels inside the model.
    env = {k: v for k, v in mlflow_env(store["path"]).items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    reloaded = pd.read_parquet(out)
    # one model version gives the whole row: probability and the reasons in words
    assert {"exit_probability", "factor_1", "factor_1_zh", "factor_3_contribution"} <= set(
        reloaded.columns
    )
    expected = pd.read_parquet(store["data"] / "07_model_output" / "exit_test_scores.parquet")
    pd.testing.assert_frame_equal(reloaded.reset_index(drop=True), expected)


def test_no_personal_data_anywhere_in_the_mlflow_store(store):
    assert_no_personal_data(store["path"], store["data"])


def test_review_notebook_runs_headless(store, runs, kedro_env):
    notebook = nbformat.read(PROJECT_ROOT / "notebooks" / "review_exit_model.ipynb", as_version=4)
    env = mlflow_env(store["path"]) | {
        "ECPA_DATA_DIR": str(store["data"]),
        "ECPA_PROJECT": str(PROJECT_ROOT),
        "KEDRO_ENV": kedro_env,
    }
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(PROJECT_ROOT / "notebooks")}},
    ).execute(env=env)
    outputs = "".join(
        str(o)
        for cell in notebook.cells
        if cell.cell_type == "code"
        for o in cell.get("outputs", [])
    )
    assert runs[-1].info.run_id in outputs  # the summary names the latest run
    assert "roc_auc" in outputs
