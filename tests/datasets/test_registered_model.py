"""RegisteredModelDataset: `latest` is the highest version, a number is that version, and a
missing model or version says where it looked."""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest
from kedro.io import DatasetError

from ecpa_pipeline.datasets import RegisteredModelDataset


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
    with pytest.raises(DatasetError, match="No version of model 'other' is registered"):
        RegisteredModelDataset("other").load()
    with pytest.raises(DatasetError, match="Model 'toy' has no version 7"):
        RegisteredModelDataset("toy", model_version=7).load()
    with pytest.raises(DatasetError, match="read-only"):
        RegisteredModelDataset("toy").save(object())
