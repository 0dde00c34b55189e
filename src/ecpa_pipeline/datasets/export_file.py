"""One raw export file, written as its name says: ``.csv`` (UTF-8) or ``.xlsx`` (first sheet)
— for a source that counties export in either form (the monitoring system's yearly export)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from kedro.io import AbstractDataset, DatasetError


class ExportFileDataset(AbstractDataset[pd.DataFrame, pd.DataFrame]):
    """A table saved as CSV or as an Excel workbook by the file's extension; used inside a
    ``PartitionedDataset`` whose partition names carry the extension.

    Example catalog entry::

        raw_monitoring_export:
          type: partitions.PartitionedDataset
          path: data/01_raw/monitoring
          filename_suffix: ""
          dataset: {type: ecpa_pipeline.datasets.ExportFileDataset, sheet_name: 监测信息}
    """

    def __init__(self, filepath: str, sheet_name: str = "Sheet1", metadata: dict | None = None):
        self._path = Path(filepath)
        self._sheet = sheet_name
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        if self._path.suffix == ".xlsx":
            return pd.read_excel(self._path, sheet_name=0, dtype=str, keep_default_na=False)
        return pd.read_csv(self._path, dtype=str, keep_default_na=False, encoding="utf-8")

    def save(self, data: pd.DataFrame) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        if self._path.suffix == ".xlsx":
            data.to_excel(self._path, sheet_name=self._sheet, index=False)
        elif self._path.suffix == ".csv":
            data.to_csv(self._path, index=False, encoding="utf-8")
        else:
            raise DatasetError(f"{self._path}: an export is .csv or .xlsx")

    def _exists(self) -> bool:
        return self._path.is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._path), "sheet_name": self._sheet}
