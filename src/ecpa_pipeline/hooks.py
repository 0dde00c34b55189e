"""Project hooks."""

from __future__ import annotations

import logging

from kedro.framework.hooks import hook_impl

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
