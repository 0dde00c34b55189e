"""A dataset another pipeline may or may not have produced yet."""

from __future__ import annotations

from typing import Any

from kedro.io import AbstractDataset, DatasetError
from kedro.io.core import parse_dataset_definition


class OptionalDataset(AbstractDataset[None, Any]):
    """Loads the wrapped dataset when it exists and ``None`` when it does not (e.g. the
    village product recommendations before ``product_recommendation`` has run). Read-only.

    Example catalog entry::

        village_products_for_measures:
          type: ecpa_pipeline.datasets.OptionalDataset
          dataset:
            type: pandas.CSVDataset
            filepath: data/07_model_output/village_product_recommendations.csv
    """

    def __init__(self, dataset: dict[str, Any], metadata: dict | None = None):
        cls, kwargs = parse_dataset_definition(dataset)
        self._dataset = cls(**kwargs)
        self.metadata = metadata

    def load(self) -> Any:
        return self._dataset.load() if self._dataset.exists() else None

    def save(self, data: Any) -> None:
        raise DatasetError(
            "OptionalDataset is read-only: the pipeline that owns the data writes it"
        )

    def _describe(self) -> dict[str, Any]:
        return {"dataset": self._dataset._describe()}
