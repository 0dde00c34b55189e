"""Reading raw exports as they come: any encoding of the contract, CSV or Excel.

``RawFilesDataset`` lists the files of one source under the raw folder and loads each lazily
as an Arrow table of strings (cells exactly as written, nothing inferred), so the cleaning nodes
see what the data team's file says and can account for every row.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from kedro.io import AbstractDataset, DatasetError

from ecpa_pipeline.errors import ProjectError

logger = logging.getLogger(__name__)

UTF8_BOM = b"\xef\xbb\xbf"
#: The longest cell a raw export may hold (bytes): a longer one is a broken or hostile file.
MAX_CELL_BYTES = 64 * 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def printable(name: str) -> str:
    """A file name as it may appear in a message or log line: control characters (a newline
    in a name would forge a log line) written as escapes, everything else as it is."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(name))


EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}


class RawFileError(ProjectError):
    """A file-level defect: the run stops, naming the file and the problem."""

    def __init__(self, file: str, problem: str):
        self.file, self.problem = printable(file), problem
        super().__init__(f"{self.file}: {problem}")


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
    """Excel cells (read with ``dtype=object``: each cell keeps its own type) as text: a text
    cell exactly as written — a 19-digit person code typed as text keeps all its digits,
    where pandas' inference turns a column of them with one blank cell into floats (15
    significant digits) —, dates ISO, whole numbers without '.0', TRUE/FALSE as 1/0, empty
    cells ''."""
    return pd.DataFrame(
        {str(col): frame[col].map(_cell_text) for col in frame.columns}, index=frame.index
    )


def _cell_text(value) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return "1" if value else "0"
    if isinstance(value, datetime.datetime | datetime.date):
        return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _read_csv(
    data: bytes, sep: str, name: str, use_threads: bool = True, single_block: bool = False
) -> pa.Table:
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
    # Arrow parses in 1 MB blocks and fails on a row longer than a block; one block for such
    # a file lets the row be read, and then be named as too large.
    block = len(data) + 1 if single_block else 1 << 20
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(
                autogenerate_column_names=True, use_threads=use_threads, block_size=block
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=sep, newlines_in_values=True, invalid_row_handler=invalid_row
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=text, strings_can_be_null=False, quoted_strings_can_be_null=False
            ),
        )
    except pa.ArrowInvalid as exc:
        if "straddling" in str(exc) and not single_block:
            return _read_csv(data, sep, name, use_threads, single_block=True)
        if bad_rows and bad_rows[0].number is None and use_threads:
            # Multithreaded parsing does not know line numbers: read again to name the row.
            return _read_csv(data, sep, name, use_threads=False, single_block=single_block)
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


def _check_cell_sizes(table: pa.Table, name: str) -> None:
    """Stop at a cell longer than ``MAX_CELL_BYTES``, naming its row (header = row 1)."""
    for column in table.column_names:
        sizes = pc.binary_length(table.column(column).cast(pa.string()))
        largest = pc.max(sizes).as_py() or 0
        if largest > MAX_CELL_BYTES:
            row = int(pc.index(sizes, largest).as_py()) + 2
            raise RawFileError(
                name,
                f"cell too large in row {row}, column {printable(column)!r} ({largest:,} bytes; "
                f"a cell holds at most {MAX_CELL_BYTES:,})",
            )


def read_raw_table(path: Path, name: str) -> pa.Table:
    """One raw export as an Arrow table of strings (cells as written, nothing inferred).

    Raises:
        RawFileError: unsupported type, empty file (no header either), unreadable encoding or
            sheet, ragged row. A header without rows is a table of zero rows.
    """
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        try:
            frame = _excel_as_text(
                pd.read_excel(path, sheet_name=0, engine="openpyxl", dtype=object)
            )
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
    _check_cell_sizes(table, name)
    return table


def _copies(files: list[Path], root: Path) -> dict[Path, str]:
    """Files with data rows that are byte for byte an earlier file (read twice, every row
    would count twice), each with the name of the file it copies. Only files of equal size
    are hashed."""
    sizes = pd.Series([p.stat().st_size for p in files], dtype="int64")
    same_size = sizes.duplicated(keep=False).to_numpy()
    seen: dict[str, Path] = {}
    copies = {}
    for path in (p for p, same in zip(files, same_size, strict=True) if same):
        data = path.read_bytes()
        if path.suffix.lower() in TEXT_SUFFIXES and b"\n" not in data.strip():
            continue  # a header alone: two shops without orders export the same bytes
        digest = hashlib.sha256(data).hexdigest()
        if digest in seen:
            copies[path] = str(PurePosixPath(seen[digest].relative_to(root)))
        else:
            seen[digest] = path
    return copies


def _refuse_copy(name: str, original: str) -> pa.Table:
    raise RawFileError(
        name, f"the same export as {printable(original)}: remove one of the two files"
    )


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

    def _files(self) -> list[Path]:
        # A source folder's files include those in its subfolders (``orders/taobao/2020/``):
        # a file put one level down is read, never skipped quietly.
        pattern = self._pattern[:-1] + "**/*" if self._pattern.endswith("/*") else self._pattern
        return sorted(
            p
            for p in self._root.glob(pattern)
            if p.is_file()
            and not p.name.startswith(("~$",))
            and not any(part.startswith(".") for part in p.relative_to(self._root).parts)
        )

    def load(self) -> dict[str, Callable[[], pa.Table]]:
        """The loaders of the source's files. A file that is byte for byte another file of
        the source (a copy such as ``registry_2019 - 副本.csv``) loads as a ``RawFileError``
        naming both: raised in the node that reads it, so that the run stops with that line."""
        files = self._files()
        copies = _copies(files, self._root)
        loaders = {}
        for path in files:
            name = str(PurePosixPath(path.relative_to(self._root)))
            if path in copies:
                loaders[name] = lambda name=name, of=copies[path]: _refuse_copy(name, of)
            else:
                loaders[name] = lambda path=path, name=name: _load_any(path, name)
        return loaders

    def save(self, data: Any) -> None:
        raise DatasetError("RawFilesDataset is read-only: raw exports come from source systems")

    def _exists(self) -> bool:
        return bool(self._files())

    def _describe(self) -> dict[str, Any]:
        return {"root": str(self._root), "pattern": self._pattern}
