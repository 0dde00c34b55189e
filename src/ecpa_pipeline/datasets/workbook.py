"""An openpyxl workbook saved as it was built (formats, filters, frozen panes kept)."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import Any

import openpyxl
from kedro.io import AbstractDataset
from openpyxl.workbook.workbook import Workbook

from .spreadsheet_safe import cells_as_text


class WorkbookDataset(AbstractDataset[Workbook, Workbook]):
    """Saves an ``openpyxl.Workbook`` to ``filepath`` (``.xlsx``); loads it back.

    ``pandas.ExcelDataset`` writes plain tables; officials' workbooks need print settings,
    filters and conditional formats that only a workbook object carries. Cells are saved as
    values: a text that looks like a formula stays text (``spreadsheet_safe``).
    """

    def __init__(self, filepath: str, metadata: dict | None = None):
        self._filepath = PurePosixPath(filepath)
        self.metadata = metadata

    def load(self) -> Workbook:
        return openpyxl.load_workbook(self._filepath)

    def save(self, data: Workbook) -> None:
        path = Path(self._filepath)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside and renamed into place: a reader never sees half a workbook.
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        cells_as_text(data).save(partial)
        os.replace(partial, path)

    def _exists(self) -> bool:
        return Path(self._filepath).is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath)}
