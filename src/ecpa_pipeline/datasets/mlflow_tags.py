"""Tags of the active MLflow run, written like any other dataset."""

from __future__ import annotations

from typing import Any

import mlflow
from kedro.io import AbstractDataset, DatasetError


class MlflowTagsDataset(AbstractDataset[dict[str, str], None]):
    """``save({"git_commit": "…"})`` sets tags on the run kedro-mlflow opened for this
    ``kedro run`` (or params, with ``as_params: true``: for values a node computes, such as
    which optional sources a model used); outside a run (tests of single nodes) it does
    nothing."""

    def __init__(self, as_params: bool = False, metadata: dict[str, Any] | None = None):
        self._as_params = as_params
        self.metadata = metadata

    def save(self, data: dict[str, str]) -> None:
        if mlflow.active_run() is not None:
            values = {k: str(v) for k, v in data.items()}
            mlflow.log_params(values) if self._as_params else mlflow.set_tags(values)

    def load(self) -> None:
        raise DatasetError("MlflowTagsDataset is write-only: read tags with MlflowClient")

    def _describe(self) -> dict[str, Any]:
        return {"as_params": self._as_params}
