"""A table of every county of a province, each county processed in its own data folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from kedro.io import AbstractDataset, DatasetError
from kedro.io.core import parse_dataset_definition


class CountyPartitionsDataset(AbstractDataset[None, Any]):
    """Loads one dataset from every county folder under ``path`` that matches ``pattern``, in
    the folders' order. ``combine: concat`` stacks tables (the province's model input, one
    county's rows after another); ``combine: same`` returns the one value every county holds
    and stops where they differ (the pseudonym key's fingerprint: counties keyed apart are
    other households; the product catalogue and the national market index every county
    cleaned alike). Read-only: each county's run writes its own folder.

    Example catalog entry (``conf/province``)::

        exit_model_input:
          type: ecpa_pipeline.datasets.CountyPartitionsDataset
          path: data/province
          pattern: county_*/05_model_input/exit_model_input.parquet
          dataset: {type: pandas.ParquetDataset}
    """

    def __init__(
        self,
        path: str,
        pattern: str,
        dataset: dict[str, Any],
        combine: str = "concat",
        metadata: dict | None = None,
    ):
        if combine not in ("concat", "same"):
            raise DatasetError(f"combine: {combine!r} is neither concat nor same")
        self._path, self._pattern, self._combine = Path(path), pattern, combine
        self._dataset = parse_dataset_definition(dataset)
        self.metadata = metadata

    def partitions(self) -> list[Path]:
        """The matching files, in the county folders' order."""
        return sorted(self._path.glob(self._pattern))

    def load(self) -> Any:
        files = self.partitions()
        if not files:
            raise DatasetError(
                f"no county holds {self._pattern} under {self._path}: clean each county and "
                "build its features first (kedro run --params data_dir=<its folder>)"
            )
        cls, kwargs = self._dataset
        values = [cls(**kwargs, filepath=str(f)).load() for f in files]
        if self._combine == "concat":
            return pd.concat(values, ignore_index=True)
        differ = [str(f) for f, v in zip(files, values, strict=True) if not _same(v, values[0])]
        if differ:
            raise DatasetError(f"{self._pattern} differs between counties: {files[0]} and {differ}")
        return values[0]

    def save(self, data: Any) -> None:
        raise DatasetError("CountyPartitionsDataset is read-only: each county's run writes it")

    def _exists(self) -> bool:
        return bool(self.partitions())

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path), "pattern": self._pattern, "combine": self._combine}


def _same(a: Any, b: Any) -> bool:
    """Equal values; tables equal cell for cell (a table's ``==`` compares cells)."""
    if isinstance(a, pd.DataFrame) or isinstance(b, pd.DataFrame):
        return isinstance(a, pd.DataFrame) and a.equals(b)
    return a == b
