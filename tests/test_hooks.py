"""The project's hooks: the one-line message for a bad raw file, and the input example the
logged exit model carries."""

from __future__ import annotations

import logging

import pandas as pd
from kedro.io import DataCatalog, MemoryDataset
from kedro.pipeline import Node, Pipeline
from kedro_mlflow.pipeline import pipeline_ml_factory

from ecpa_pipeline.datasets import RawFileError
from ecpa_pipeline.hooks import ClearErrorHooks, ModelLoggingHooks


def _identity(frame: pd.DataFrame) -> pd.DataFrame:
    return frame


def _model_pipeline(**log_model_kwargs):
    training = Pipeline([Node(_identity, "features", "fitted", name="fit")])
    inference = Pipeline([Node(_identity, "features", "scores", name="score")])
    return pipeline_ml_factory(
        training=training,
        inference=inference,
        input_name="features",
        log_model_kwargs={"name": "m", **log_model_kwargs},
    )


def test_a_raw_file_error_is_said_in_one_line_naming_the_file(caplog):
    with caplog.at_level(logging.ERROR, logger="ecpa_pipeline"):
        ClearErrorHooks().on_node_error(
            RawFileError("registry/registry_2019.csv", "no data rows below the header"), node=None
        )
    (record,) = caplog.records
    assert record.getMessage() == (
        "Cannot use raw file registry/registry_2019.csv: no data rows below the header. "
        "Fix or replace it in the raw folder and run again."
    )


def test_other_errors_are_left_to_kedro(caplog):
    with caplog.at_level(logging.ERROR, logger="ecpa_pipeline"):
        ClearErrorHooks().on_node_error(ValueError("anything"), node=None)
    assert not caplog.records


def test_the_logged_model_gets_five_rows_of_its_input_as_example():
    features = pd.DataFrame({"household_key": [f"h_{i}" for i in range(8)], "x": range(8)})
    catalog = DataCatalog({"features": MemoryDataset(features)})
    pipeline = _model_pipeline()
    ModelLoggingHooks().after_pipeline_run(run_params={}, pipeline=pipeline, catalog=catalog)
    pd.testing.assert_frame_equal(pipeline.log_model_kwargs["input_example"], features.head(5))


def test_an_input_example_set_by_configuration_is_kept_and_plain_pipelines_are_ignored():
    own = pd.DataFrame({"household_key": ["h_x"], "x": [1]})
    catalog = DataCatalog({"features": MemoryDataset(own.iloc[:0])})
    pipeline = _model_pipeline(input_example=own)
    ModelLoggingHooks().after_pipeline_run(run_params={}, pipeline=pipeline, catalog=catalog)
    assert pipeline.log_model_kwargs["input_example"] is own
    plain = Pipeline([Node(_identity, "features", "out", name="n")])
    ModelLoggingHooks().after_pipeline_run(run_params={}, pipeline=plain, catalog=catalog)
