"""Reading raw exports as they come: any encoding of the contract, CSV or Excel.

``RawFilesDataset`` lists the files of one source under the raw folder and loads each lazily
as an Arrow table of strings (cells exactly as written, nothing inferred), so the cleaning nodes
see what the data team's file says and can account for every row.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import logging
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from kedro.io import AbstractDataset, DatasetError
from openpyxl.utils import column_index_from_string, get_column_letter

from ecpa_pipeline.errors import ProjectError

from .raw_scan import READ_SUFFIXES, Skipped, relative, scan, unsourced

logger = logging.getLogger(__name__)

UTF8_BOM = b"\xef\xbb\xbf"
_BLANK = re.compile(rb"(?:\xef\xbb\xbf)?[ \r\n\t]*")
#: The longest cell a raw export may hold (bytes): a longer one is a broken or hostile file.
MAX_CELL_BYTES = 64 * 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def printable(name: str) -> str:
    """A file name as it may appear in a message or log line: control characters (a newline
    in a name would forge a log line) written as escapes, everything else as it is."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(name))


#: The column of a raw table that holds each row's line in its file (header = line 1; blank
#: lines counted, never read as rows): what the row ledger calls ``source_row``.
LINE = "__source_line__"


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on what one raw file may make the cleaning hold, checked before the work: a
    broken or hostile file stops the run in one line instead of taking the machine's memory.
    Set in the catalog (``_raw_files.limits`` in ``catalog_raw.yml``)."""

    max_file_mb: float = 2048  # bytes on disk
    max_line_kb: float = 1024  # one line of a CSV
    max_columns: int = 1000  # header fields of a CSV, columns of a sheet
    max_rows: int = 1_048_576  # rows of a sheet (Excel's own bound)
    max_xlsx_uncompressed_mb: float = 1024  # a workbook's parts, unpacked
    max_xlsx_ratio: float = 100  # unpacked / packed size (real workbooks: 5–20)

    @classmethod
    def from_config(cls, config: dict | None) -> ReadLimits:
        known = {f.name for f in fields(cls)}
        unknown = set(config or {}) - known
        if unknown:
            raise ProjectError(
                f"unknown raw-file limit(s) {sorted(unknown)} in the catalog: known are "
                f"{sorted(known)}"
            )
        return cls(**(config or {}))


DEFAULT_LIMITS = ReadLimits()


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
    """UTF-8 CSV bytes → an Arrow table of strings, every cell exactly as written, and
    ``LINE``: the line each row starts on (header = line 1). Blank lines are not rows.

    Raises:
        RawFileError: a row whose number of fields differs from the header's (named by its
            line), or any other parse failure.
    """
    bad_rows = []

    def invalid_row(row: pacsv.InvalidRow) -> str:
        bad_rows.append(row)
        return "error"

    # Arrow parses in 1 MB blocks and fails on a row longer than a block; one block for such
    # a file lets the row be read, and then be named as too large.
    block = len(data) + 1 if single_block else 1 << 20
    try:
        table = _parse(data, sep, invalid_row, use_threads, block)
    except pa.ArrowInvalid as exc:
        if "straddling" in str(exc) and not single_block:
            return _read_csv(data, sep, name, use_threads, single_block=True)
        if bad_rows and bad_rows[0].number is None and use_threads:
            # Multithreaded parsing does not know line numbers: read again to name the row.
            return _read_csv(data, sep, name, use_threads=False, single_block=single_block)
        if bad_rows:
            row = bad_rows[0]
            line = _line_of_record(data, sep, row.number)
            raise RawFileError(
                name,
                f"row {line} has {row.actual_columns} fields where the header has "
                f"{row.expected_columns}",
            ) from None
        raise RawFileError(name, f"not a readable table ({exc})") from exc
    lines, blank = _record_lines(table, data)
    names = [str(v) for v in table.slice(0, 1).to_pylist()[0].values()]
    table = table.append_column(LINE, pa.array(lines)).filter(pa.array(~blank))
    return table.slice(1).rename_columns([*names, LINE])


def _parse(
    data: bytes, sep: str, on_invalid: Callable, use_threads: bool = False, block: int = 1 << 20
) -> pa.Table:
    """Arrow's CSV parser as every reader here uses it: the header read as data (columns
    f0, f1, …, as many as the header's separators allow) so that every column is text, cells
    exactly as written, blank lines kept as records so that every record knows its line."""
    header = data.split(b"\n", 1)[0]
    return pacsv.read_csv(
        pa.py_buffer(data),
        read_options=pacsv.ReadOptions(
            autogenerate_column_names=True, use_threads=use_threads, block_size=block
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=sep,
            newlines_in_values=True,
            ignore_empty_lines=False,
            invalid_row_handler=on_invalid,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={f"f{i}": pa.string() for i in range(header.count(sep.encode()) + 1)},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _record_lines(table: pa.Table, data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """For each record Arrow read (header first): the line it starts on, and whether it is a
    blank line. A record spans one line more for each line break inside its quoted cells."""
    breaks = np.zeros(table.num_rows, dtype=np.int64)
    for column in table.columns:
        breaks += pc.count_substring(column, "\n").to_numpy(zero_copy_only=False)
    lines = np.concatenate([[1], 1 + np.cumsum(1 + breaks)[:-1]]).astype(np.int64)
    empty = np.ones(table.num_rows, dtype=bool)
    for column in table.columns:
        empty &= pc.equal(pc.binary_length(column), 0).to_numpy(zero_copy_only=False)
    # An all-empty record is a blank line only if its line holds nothing, or a lone '\r'
    # (",,," is a row of empty cells).
    blank = np.zeros(table.num_rows, dtype=bool)
    candidates = np.flatnonzero(empty)
    if len(candidates):
        raw = np.frombuffer(data, np.uint8)
        starts = np.concatenate([[0], np.flatnonzero(raw == 10) + 1])
        ends = np.append(starts[1:] - 1, len(data))  # the offset of each line's '\n'
        begin, end = starts[lines[candidates] - 1], ends[lines[candidates] - 1]
        lone_cr = (end - begin == 1) & (raw[np.minimum(begin, len(raw) - 1)] == 13)
        blank[candidates] = (end == begin) | lone_cr
    return lines, blank


def _line_of_record(data: bytes, sep: str, number: int | None) -> int | str:
    """The line on which the record Arrow numbers ``number`` starts (Arrow counts records:
    header = 1, blank lines included, a record with line breaks in quoted cells once), or
    '?' when Arrow did not say. Read once more, on an error only."""
    if number is None:
        return "?"
    ragged: list[pacsv.InvalidRow] = []

    def skip(row: pacsv.InvalidRow) -> str:
        ragged.append(row)
        return "skip"

    table = _parse(data, sep, skip)
    breaks = np.zeros(table.num_rows, dtype=np.int64)
    for column in table.columns:
        breaks += pc.count_substring(column, "\n").to_numpy(zero_copy_only=False)
    skipped = {row.number: row.text.count("\n") for row in ragged}
    kept = np.setdiff1d(np.arange(1, table.num_rows + len(skipped) + 1), list(skipped))
    before = int(breaks[kept < number].sum()) + sum(n for k, n in skipped.items() if k < number)
    return number + before


def _check_cell_sizes(table: pa.Table, name: str) -> None:
    """Stop at a cell longer than ``MAX_CELL_BYTES``, naming its line."""
    lines = table.column(LINE) if LINE in table.column_names else None
    for column in table.column_names:
        if column == LINE:
            continue
        sizes = pc.binary_length(table.column(column).cast(pa.string()))
        largest = pc.max(sizes).as_py() or 0
        if largest > MAX_CELL_BYTES:
            index = int(pc.index(sizes, largest).as_py())
            row = lines[index].as_py() if lines is not None else index + 2
            raise RawFileError(
                name,
                f"cell too large in row {row}, column {printable(column)!r} ({largest:,} bytes; "
                f"a cell holds at most {MAX_CELL_BYTES:,})",
            )


def _check_lines(data: bytes, sep: str, name: str, limits: ReadLimits) -> None:
    """Stop before parsing a CSV whose header has more fields, or any line more bytes, than
    the limits allow (a 200 MB line of commas would take gigabytes to parse)."""
    end = data.find(b"\n") if b"\n" in data else len(data)
    fields_in_header = data.count(sep.encode(), 0, end) + 1
    if fields_in_header > limits.max_columns:
        raise RawFileError(
            name,
            f"the header has {fields_in_header:,} fields, more than the {limits.max_columns:,} "
            "allowed (limits.max_columns)",
        )
    longest = int(limits.max_line_kb * 1024)
    chunk = 64 << 20  # newline positions found a chunk at a time: memory stays bounded
    start = 0  # offset of the current line's first byte
    line = 1
    for offset in range(0, len(data), chunk):
        ends = np.flatnonzero(
            np.frombuffer(data, np.uint8, min(chunk, len(data) - offset), offset) == 10
        )
        bounds = np.concatenate([[start], ends + offset + 1])
        lengths = np.diff(bounds)
        over = np.flatnonzero(lengths > longest)
        if len(over):
            raise RawFileError(name, _long_line(line + int(over[0]), int(lengths[over[0]]), limits))
        line += len(ends)
        start = int(bounds[-1])
    if len(data) - start > longest:
        raise RawFileError(name, _long_line(line, len(data) - start, limits))


def _long_line(line: int, size: int, limits: ReadLimits) -> str:
    return (
        f"line {line} is {size:,} bytes long, more than the {limits.max_line_kb:g} KB allowed "
        "(limits.max_line_kb)"
    )


_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]{1,3})([0-9]{1,9})\"")
_ROW_REF = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=\"([0-9]{1,9})\"")


def _check_workbook(path: Path, name: str, limits: ReadLimits) -> None:
    """Stop before a workbook is parsed if it unpacks to more than the limits allow."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise RawFileError(name, f"unreadable Excel workbook ({exc})") from None
    unpacked = sum(m.file_size for m in members)
    packed = max(sum(m.compress_size for m in members), 1)
    if unpacked > limits.max_xlsx_uncompressed_mb * 2**20:
        raise RawFileError(
            name,
            f"the workbook unpacks to {unpacked / 2**20:,.0f} MB, more than the "
            f"{limits.max_xlsx_uncompressed_mb:g} MB allowed (limits.max_xlsx_uncompressed_mb)",
        )
    if unpacked / packed > limits.max_xlsx_ratio:
        raise RawFileError(
            name,
            f"the workbook unpacks {unpacked / packed:,.0f}-fold, more than the "
            f"{limits.max_xlsx_ratio:g}-fold allowed (limits.max_xlsx_ratio): a compression "
            "bomb or a sheet of padding",
        )


def _check_sheet_extent(sheet, name: str, limits: ReadLimits) -> None:
    widest = get_column_letter(limits.max_columns)
    tail = b""
    while chunk := sheet.read(8 << 20):
        text = tail + chunk
        for match in _ROW_REF.finditer(text):
            if int(match.group(1)) > limits.max_rows:
                raise RawFileError(
                    name,
                    f"the first sheet reaches row {int(match.group(1)):,}, more than the "
                    f"{limits.max_rows:,} allowed (limits.max_rows)",
                )
        for match in _CELL_REF.finditer(text):
            letters = match.group(1).decode()
            if (len(letters), letters) > (len(widest), widest):
                raise RawFileError(
                    name,
                    f"row {int(match.group(2)):,} has a cell in column {letters} "
                    f"({column_index_from_string(letters):,}), beyond the {limits.max_columns:,} "
                    "columns allowed (limits.max_columns)",
                )
        tail = text[-512:]


def _read_sheet(path: Path, name: str, limits: ReadLimits) -> pa.Table:
    """The first sheet, each cell with its own type as text (``_cell_text``), and ``LINE``:
    its row in the sheet (header = row 1). Rows with no value are not rows. The sheet's
    extent is checked against the limits before any row is built (a cell in column XFD on
    every row would make openpyxl fill each row to 16 384 cells)."""
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise RawFileError(name, f"unreadable Excel workbook ({exc})") from exc
    try:
        sheet = book.worksheets[0]
        # The sheet's part in the archive: openpyxl's read-only sheet knows it (no public
        # name), and reads the same part when the rows are built below.
        with zipfile.ZipFile(path) as archive, archive.open(sheet._worksheet_path) as part:
            _check_sheet_extent(part, name, limits)
        rows = list(sheet.iter_rows(values_only=True))
    except RawFileError:
        raise
    except Exception as exc:
        raise RawFileError(name, f"unreadable Excel workbook ({exc})") from exc
    finally:
        book.close()
    if not rows:
        raise RawFileError(name, "empty workbook: no header row")
    width = max(len(r) for r in rows)
    header = [_cell_text(v) or f"Unnamed: {i}" for i, v in enumerate(rows[0])]
    header += [f"Unnamed: {i}" for i in range(len(header), width)]
    kept = [(n, r) for n, r in enumerate(rows[1:], start=2) if any(v is not None for v in r)]
    columns = [
        pa.array([_cell_text(r[i]) if i < len(r) else "" for _, r in kept], pa.string())
        for i in range(width)
    ]
    lines = pa.array([n for n, _ in kept], pa.int64())
    return pa.Table.from_arrays([*columns, lines], names=[*header, LINE])


def read_raw_table(path: Path, name: str, limits: ReadLimits = DEFAULT_LIMITS) -> pa.Table:
    """One raw export as an Arrow table of strings (cells as written, nothing inferred) and
    ``LINE``, the line (sheet row) of each row; blank lines are not rows.

    Raises:
        RawFileError: unsupported type, a file beyond ``limits``, empty file (no header
            either), unreadable encoding or sheet, ragged row. A header without rows is a
            table of zero rows.
    """
    suffix = path.suffix.lower()
    if suffix not in READ_SUFFIXES:
        raise RawFileError(name, f"unsupported file type {suffix!r} (expected .csv or .xlsx)")
    size = path.stat().st_size
    if size > limits.max_file_mb * 2**20:
        raise RawFileError(
            name,
            f"{size / 2**20:,.0f} MB, more than the {limits.max_file_mb:g} MB a raw file may "
            "have (limits.max_file_mb)",
        )
    if suffix == ".xlsx":
        _check_workbook(path, name, limits)
        table = _read_sheet(path, name, limits)
    else:
        data = path.read_bytes()
        if _BLANK.fullmatch(data):
            raise RawFileError(name, "empty file")
        # The limits are checked on the bytes as read, before any copy: ',', '\t' and '\n'
        # are single bytes in UTF-8 and GBK/GB18030 alike (never part of a Chinese character).
        end = data.find(b"\n") if b"\n" in data else len(data)
        sep = "\t" if data.count(b"\t", 0, end) > data.count(b",", 0, end) else ","
        _check_lines(data, sep, name, limits)
        encoding = detect_encoding(data, name)
        if encoding == "utf-8-sig":
            data = data[len(UTF8_BOM) :]
        elif encoding != "utf-8":
            data = data.decode(encoding).encode("utf-8")  # one parser for every encoding
        table = _read_csv(data, sep, name)
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
        if path.suffix.lower() == ".csv" and b"\n" not in data.strip():
            continue  # a header alone: two shops without orders export the same bytes
        digest = hashlib.sha256(data).hexdigest()
        if digest in seen:
            copies[path] = relative(seen[digest], root)
        else:
            seen[digest] = path
    return copies


def _raise(error: Exception) -> pa.Table:
    raise error


def _refuse_copy(name: str, original: str) -> pa.Table:
    raise RawFileError(
        name, f"the same export as {printable(original)}: remove one of the two files"
    )


class RawFilesDataset(AbstractDataset[None, dict[str, Callable[[], pa.Table]]]):
    """All files of one source under the raw folder, loaded lazily.

    ``load()`` returns ``{relative_path: loader}`` sorted by path, e.g.
    ``{"registry/registry_2014.csv": <function>}``; each loader gives a ``pyarrow.Table``
    of text columns and ``LINE`` (``read_raw_table``). ``{}`` when nothing matches (a source
    a county does not have). ``limits``: ``ReadLimits`` fields. Read-only.

    Example catalog entry::

        raw_registry:
          type: ecpa_pipeline.datasets.RawFilesDataset
          root: data/01_raw
          pattern: registry/*
          limits: {max_file_mb: 2048}
          copies: refuse   # or read: a source whose files are re-sent as they were
          exclude: []      # folders below the pattern's another source reads


    """

    def __init__(
        self,
        root: str,
        pattern: str,
        limits: dict | None = None,
        copies: str = "refuse",
        exclude: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ):
        if copies not in ("refuse", "read"):
            raise ValueError(f"copies must be refuse or read, not {copies!r}")
        self._root = Path(root)
        self._pattern = pattern
        self._exclude = list(exclude or [])
        self._limits = ReadLimits.from_config(limits)
        self._copies = copies
        self.metadata = metadata

    def _files(self) -> list[Path]:
        """Every file of the source, in subfolders too (``orders/taobao/2020/``). Hidden
        entries, Excel lock files and system files are skipped with a warning (the
        data-quality report lists them, ``RawSkippedDataset``); anything else that cannot be
        read as an export stops the run (``raw_scan.scan``)."""
        files, skipped = scan(self._root, self._pattern, RawFileError, self._exclude)
        for entry in skipped:
            logger.warning("%s: not read (%s)", printable(entry.file), entry.reason)
        return files

    def load(self) -> dict[str, Callable[[], pa.Table]]:
        """The loaders of the source's files. A file that is byte for byte another file of
        the source (a copy such as ``registry_2019 - 副本.csv``) loads as a ``RawFileError``
        naming both: raised in the node that reads it, so that the run stops with that line —
        unless ``copies: read`` (department alerts, whose month is often sent again): then
        it is read, and its rows are counted as exact duplicates by the cleaning.

        An entry of the source folder that cannot be read as an export (a broken link, a
        pipe, an unsupported type …) is the source's only loader, raising its
        ``RawFileError``: the run stops, naming it, when the source is read.
        """
        try:
            files = self._files()
        except RawFileError as error:
            return {error.file: functools.partial(_raise, error)}
        copies = _copies(files, self._root) if self._copies == "refuse" else {}
        loaders = {}
        for path in files:
            name = relative(path, self._root)
            if path in copies:
                loaders[name] = lambda name=name, of=copies[path]: _refuse_copy(name, of)
            else:
                loaders[name] = lambda path=path, name=name: read_raw_table(
                    path, name, self._limits
                )
        return loaders

    def save(self, data: Any) -> None:
        raise DatasetError("RawFilesDataset is read-only: raw exports come from source systems")

    def _exists(self) -> bool:
        return bool(self.load())

    def _describe(self) -> dict[str, Any]:
        return {"root": str(self._root), "pattern": self._pattern}


class RawSkippedDataset(AbstractDataset[None, pd.DataFrame]):
    """The entries of the raw folder that no source reads, each with its reason — in the
    source folders (hidden files, Excel lock files, system files) and at the top (entries
    that belong to no source) — for the data-quality report: nothing is passed over
    without a word. Columns ``source_file``, ``reason``. Read-only.

    Example catalog entry::

        raw_skipped:
          type: ecpa_pipeline.datasets.RawSkippedDataset
          root: data/01_raw
          patterns: [registry/*, villages.*]
    """

    def __init__(
        self,
        root: str,
        patterns: list[str],
        metadata: dict | None = None,
    ):
        self._root = Path(root)
        self._patterns = list(patterns)
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        skipped: list[Skipped] = unsourced(self._root, self._patterns)
        for pattern in self._patterns:
            try:
                skipped += scan(self._root, pattern, RawFileError)[1]
            except RawFileError:
                continue  # the source's own RawFilesDataset stops the run with it

        rows = sorted({(s.file, s.reason) for s in skipped})
        return pd.DataFrame(rows, columns=["source_file", "reason"]).astype("str")

    def save(self, data: Any) -> None:
        raise DatasetError("RawSkippedDataset is read-only")

    def _describe(self) -> dict[str, Any]:
        return {"root": str(self._root), "patterns": self._patterns}
