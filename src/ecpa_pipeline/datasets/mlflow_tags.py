"""Tags of the active MLflow run, written like any other dataset."""

from __future__ import annotations

from typing import Any

import mlflow
from kedro.io import AbstractDataset, DatasetError


class MlflowTagsDataset(AbstractDataset[dict[str, str], None]):
    """``save({"git_commit": "…"})`` sets tags on the run kedro-mlflow opened for this
    ``kedro run``; outside a run (tests of single nodes) it does nothing."""

    def __init__(self, metadata: dict[str, Any] | None = None):
        self.metadata = metadata

    def save(self, data: dict[str, str]) -> None:
        if mlflow.active_run() is not None:
            mlflow.set_tags({k: str(v) for k, v in data.items()})

    def load(self) -> None:
        raise DatasetError("MlflowTagsDataset is write-only: read tags with MlflowClient")

    def _describe(self) -> dict[str, Any]:
        return {}
