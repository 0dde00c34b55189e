"""Reading raw exports as they come: any encoding of the contract, CSV or Excel.

``RawFilesDataset`` lists the files of one source under the raw folder and loads each lazily
as an Arrow table of strings (cells exactly as written, nothing inferred), so the cleaning nodes
see what the data team's file says and can account for every row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from kedro.io import AbstractDataset, DatasetError

logger = logging.getLogger(__name__)

UTF8_BOM = b"\xef\xbb\xbf"
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}


class RawFileError(ValueError):
    """A file-level defect: the run stops, naming the file and the problem."""

    def __init__(self, file: str, problem: str):
        self.file, self.problem = file, problem
        super().__init__(f"{file}: {problem}")


def detect_encoding(data: bytes, name: str) -> str:
    """UTF-8 with BOM, UTF-8, or GBK/GB18030 — detected from the bytes, never assumed."""
    if data.startswith(UTF8_BOM):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError as exc:
        raise RawFileError(
            name, f"unreadable encoding: neither UTF-8 nor GBK/GB18030 (byte {exc.start})"
        ) from None


def _excel_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel cells as text: dates ISO, whole numbers without '.0', empty cells ''."""
    out = {}
    for col in frame.columns:
        values = frame[col]
        if pd.api.types.is_datetime64_any_dtype(values):
            text = values.dt.strftime("%Y-%m-%d %H:%M:%S")
        elif pd.api.types.is_numeric_dtype(values):
            arr = values.to_numpy(dtype=float)
            whole = np.isfinite(arr) & (arr == np.round(arr))
            text = pd.Series(
                np.where(
                    whole,
                    np.round(np.nan_to_num(arr)).astype(np.int64).astype(str),
                    arr.astype(str),
                ),
                index=values.index,
            )
        else:
            text = values.astype("str")
        out[str(col)] = text.mask(values.isna(), "")
    return pd.DataFrame(out, index=frame.index)


def _read_csv(data: bytes, sep: str, name: str, use_threads: bool = True) -> pa.Table:
    """UTF-8 CSV bytes → an Arrow table of strings, every cell exactly as written.

    Raises:
        RawFileError: a row whose number of fields differs from the header's (named by its
            number, header = row 1, as ``source_row``), or any other parse failure.
    """
    bad_rows = []

    def invalid_row(row: pacsv.InvalidRow) -> str:
        bad_rows.append(row)
        return "error"

    header = data.split(b"\n", 1)[0]
    # The header is read as data (columns f0, f1, …) so that every column is typed as text;
    # the count of separators bounds the number of columns.
    text = {f"f{i}": pa.string() for i in range(header.count(sep.encode()) + 1)}
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, use_threads=use_threads),
            parse_options=pacsv.ParseOptions(
                delimiter=sep, newlines_in_values=True, invalid_row_handler=invalid_row
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=text, strings_can_be_null=False, quoted_strings_can_be_null=False
            ),
        )
    except pa.ArrowInvalid as exc:
        if bad_rows and bad_rows[0].number is None and use_threads:
            # Multithreaded parsing does not know line numbers: read again to name the row.
            return _read_csv(data, sep, name, use_threads=False)
        if bad_rows:
            row = bad_rows[0]
            raise RawFileError(
                name,
                f"row {row.number} has {row.actual_columns} fields where the header has "
                f"{row.expected_columns}",
            ) from None
        raise RawFileError(name, f"not a readable table ({exc})") from exc
    names = [str(v) for v in table.slice(0, 1).to_pylist()[0].values()]
    return table.slice(1).rename_columns(names)


def read_raw_table(path: Path, name: str) -> pa.Table:
    """One raw export as an Arrow table of strings (cells as written, nothing inferred).

    Raises:
        RawFileError: unsupported type, empty file (no header either), unreadable encoding or
            sheet, ragged row. A header without rows is a table of zero rows.
    """
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        try:
            frame = _excel_as_text(pd.read_excel(path, sheet_name=0, engine="openpyxl"))
        except Exception as exc:  # openpyxl raises many types for a broken workbook
            raise RawFileError(name, f"unreadable Excel workbook ({exc})") from exc
        table = pa.Table.from_pandas(frame, preserve_index=False)
    elif suffix in TEXT_SUFFIXES:
        data = path.read_bytes()
        if not data.strip(UTF8_BOM + b" \r\n\t"):
            raise RawFileError(name, "empty file")
        encoding = detect_encoding(data, name)
        if encoding == "utf-8-sig":
            data = data[len(UTF8_BOM) :]
        elif encoding != "utf-8":
            data = data.decode(encoding).encode("utf-8")  # one parser for every encoding
        header = data.split(b"\n", 1)[0]
        sep = "\t" if header.count(b"\t") > header.count(b",") else ","
        table = _read_csv(data, sep, name)
    else:
        raise RawFileError(name, f"unsupported file type {suffix!r} (expected .csv or .xlsx)")
    return table


def _load_any(path: Path, name: str) -> pa.Table:
    if path.suffix == ".parquet":
        return pq.read_table(path)
    return read_raw_table(path, name)


class RawFilesDataset(AbstractDataset[None, dict[str, Callable[[], pa.Table]]]):
    """All files of one source under the raw folder, loaded lazily.

    ``load()`` returns ``{relative_path: loader}`` sorted by path, e.g.
    ``{"registry/registry_2014.csv": <function>}``; each loader gives a ``pyarrow.Table``
    (text columns for CSV and Excel exports, the stored schema for Parquet). ``{}`` when
    nothing matches (a source a county does not have, or ``_truth/`` with real data).
    Read-only.

    Example catalog entry::

        raw_registry:
          type: ecpa_pipeline.datasets.RawFilesDataset
          root: data/01_raw
          pattern: registry/*
    """

    def __init__(self, root: str, pattern: str, metadata: dict[str, Any] | None = None):
        self._root = Path(root)
        self._pattern = pattern
        self.metadata = metadata

    def load(self) -> dict[str, Callable[[], pa.Table]]:
        files = sorted(
            p
            for p in self._root.glob(self._pattern)
            if p.is_file() and not p.name.startswith((".", "~$"))
        )
        loaders = {}
        for path in files:
            name = str(PurePosixPath(path.relative_to(self._root)))
            loaders[name] = lambda path=path, name=name: _load_any(path, name)
        return loaders

    def save(self, data: Any) -> None:
        raise DatasetError("RawFilesDataset is read-only: raw exports come from source systems")

    def _exists(self) -> bool:
        return any(self._root.glob(self._pattern))

    def _describe(self) -> dict[str, Any]:
        return {"root": str(self._root), "pattern": self._pattern}
