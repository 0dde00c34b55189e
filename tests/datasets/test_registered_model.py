"""RegisteredModelDataset: `latest` is the highest version, a number is that version, and a
missing model or version says where it looked."""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest
from kedro.io import DatasetError

from ecpa_pipeline.datasets import RegisteredModel, RegisteredModelDataset
from ecpa_pipeline.errors import ProjectError, project_error


class _Constant(mlflow.pyfunc.PythonModel):
    def __init__(self, value: float):
        self.value = value

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.Series:
        return pd.Series(self.value, index=model_input.index)


@pytest.fixture
def registry(mlflow_store):
    experiment = mlflow.create_experiment("reg", artifact_location=str(mlflow_store / "art"))
    runs = []
    for value in (1.0, 2.0):
        with mlflow.start_run(experiment_id=experiment) as run:
            mlflow.pyfunc.log_model(
                name="m", python_model=_Constant(value), registered_model_name="toy"
            )
        runs.append(run.info.run_id)
    return runs


def test_latest_is_the_highest_version_and_a_number_that_version(registry):
    frame = pd.DataFrame({"x": [0, 1]})
    latest = RegisteredModelDataset("toy").load()
    assert (latest.version, latest.run_id) == ("2", registry[1])
    assert latest.model.predict(frame).tolist() == [2.0, 2.0]
    first = RegisteredModelDataset("toy", model_version=1).load()
    assert (first.version, first.run_id) == ("1", registry[0])
    assert first.model.predict(frame).tolist() == [1.0, 1.0]


def test_a_missing_model_or_version_is_a_clear_error(registry):
    """Project errors: ``kedro run`` ends with the line, no traceback."""
    with pytest.raises(DatasetError) as error:
        RegisteredModelDataset("other").load()
    assert str(project_error(error.value)).startswith(
        "no version of model 'other' is registered in sqlite:///"
    )
    with pytest.raises(DatasetError) as error:
        RegisteredModelDataset("toy", model_version=7).load()
    assert "model 'toy' has no version 7 in sqlite:///" in str(project_error(error.value))
    assert "(registered versions: 1, 2): choose one with --params model_version=<n>" in str(
        project_error(error.value)
    )
    with pytest.raises(DatasetError, match="read-only"):
        RegisteredModelDataset("toy").save(object())


def test_a_model_without_a_key_fingerprint_is_refused():
    """Nothing would show which households it was trained on (#26: it was accepted)."""
    here = {"pseudonym_key_fingerprint": "fp_0123456789abcdef"}
    untagged = RegisteredModel("poverty_exit", "3", "abc123", model=None, tags={})
    with pytest.raises(ProjectError) as error:
        untagged.check_key(here, "kedro run --pipelines=exit_model")
    assert str(error.value) == (
        "model poverty_exit version 3 carries no pseudonym_key_fingerprint tag on its training "
        "run abc123: nothing shows which households it was trained on; retrain it "
        "(kedro run --pipelines=exit_model)"
    )
    RegisteredModel("poverty_exit", "4", "def", None, here).check_key(here, "retrain")  # passes
