"""Project hooks."""

from __future__ import annotations

import logging

from kedro.framework.hooks import hook_impl
from kedro_mlflow.pipeline.pipeline_ml import PipelineML

from ecpa_pipeline.datasets import RawFileError

logger = logging.getLogger("ecpa_pipeline")


class ClearErrorHooks:
    """Say in one line what is wrong with the data team's files, before Kedro's traceback."""

    @hook_impl
    def on_node_error(self, error: Exception, node) -> None:
        if isinstance(error, RawFileError):
            logger.error(
                "Cannot use raw file %s: %s. Fix or replace it in the raw folder and run again.",
                error.file,
                error.problem,
            )


class ModelLoggingHooks:
    """Give the model kedro-mlflow logs an input example (a few rows of the model's input,
    pseudonymous keys only). Runs before kedro-mlflow's own ``after_pipeline_run``."""

    @hook_impl(tryfirst=True)
    def after_pipeline_run(self, run_params, pipeline, catalog) -> None:
        if isinstance(pipeline, PipelineML) and "input_example" not in pipeline.log_model_kwargs:
            pipeline.log_model_kwargs["input_example"] = catalog.load(pipeline.input_name).head(5)
