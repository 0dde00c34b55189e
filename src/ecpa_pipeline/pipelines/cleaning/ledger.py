"""Reading a source's files into one table, and the ledger of what happened to every row.

Every raw row ends in exactly one of: the clean table, quarantine (with a reason code and
its raw values), or the exact-duplicate count. Flags mark clean rows with a data-quality
finding. ``issues`` rows share one schema across sources (see ``ISSUE_COLUMNS``).
"""

from __future__ import annotations

import functools
import json
import logging
import re
import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa

from ecpa_pipeline.datasets import RawFileError
from ecpa_pipeline.datasets.raw_files import LINE, printable

logger = logging.getLogger(__name__)

FILE, ROW = "source_file", "source_row"
ISSUE_COLUMNS = ["source", FILE, ROW, "county_code", "outcome", "code", "detail", "raw_values"]
QUARANTINE, FLAG, DUPLICATE = "quarantine", "flag", "duplicate"
_UNIT_SUFFIX = re.compile(r"\([^()]*\)$")


def _norm_header(header: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(header))).lower()


def header_lookup(mapping: dict[str, str]) -> dict[str, str]:
    """Accepted spellings of every column → canonical name: the Chinese header (with or
    without its unit suffix, any width of brackets, any surrounding spaces) or the alias."""
    return _header_lookup(tuple(mapping.items()))


@functools.cache  # once per source, not per file (Pinduoduo has one file per shop)
def _header_lookup(mapping: tuple[tuple[str, str], ...]) -> dict[str, str]:
    lookup = {}
    for canonical, chinese in mapping:
        for spelling in (chinese, _UNIT_SUFFIX.sub("", _norm_header(chinese)), canonical):
            lookup[_norm_header(spelling)] = canonical
    return lookup


def canonical_columns(
    table: pa.Table, mapping: dict[str, str], required: list[str], file: str
) -> pa.Table:
    """A raw table's columns under canonical names, in contract order; unknown extra columns
    are dropped, contract columns the file lacks are empty text. The first of two headers
    meaning the same column wins.

    Raises:
        RawFileError: when a required column is missing.
    """
    lookup = header_lookup(mapping)
    found: dict[str, int] = {}
    for i, header in enumerate(table.column_names):
        key = _norm_header(header)
        canonical = lookup.get(key) or lookup.get(_UNIT_SUFFIX.sub("", key))
        if canonical:
            found.setdefault(canonical, i)
    missing = [c for c in required if c not in found]
    if missing:
        names = ", ".join(f"{mapping[c]} ({c})" for c in missing)
        raise RawFileError(file, f"required column(s) missing: {names}")
    dropped = [h for i, h in enumerate(table.column_names) if i not in found.values()]
    if dropped:
        logger.info(
            "%s: ignoring columns not in the contract: %s",
            printable(file),
            [printable(h) for h in dropped],
        )
    empty = pa.repeat(pa.scalar("", pa.string()), table.num_rows)
    return pa.table(
        {c: table.column(found[c]).cast(pa.string()) if c in found else empty for c in mapping}
    )


def household_in_detail(detail: pd.Series) -> pd.Series:
    """The household code a household check's ledger detail starts with (``5201…`` or
    ``5201… (shares a person with …)``)."""
    return detail.str.split(" ", n=1).str[0]


#: The 4-digit year in a file name (``registry_2016.csv``).
#: A year in a file name: ``registry_2016``, or the year of a month ``202403_医保``.
YEAR_IN_NAME = r"(?<!\d)(20\d{2}|19\d{2})(?:0[1-9]|1[0-2])?(?!\d)"


def year_of(file: str) -> int | None:
    """The 4-digit year in a file name (``registry_2016.csv`` → 2016), if any."""
    match = re.search(YEAR_IN_NAME, file.rsplit("/", 1)[-1])
    return int(match.group(1)) if match else None


def years_of(files: pd.Series) -> pd.Series:
    """``year_of`` of each file (NA where its name has none), vectorised."""
    names = files.astype("str").str.rsplit("/", n=1).str[-1]
    return pd.to_numeric(names.str.extract(YEAR_IN_NAME)[0], errors="coerce")


def read_source(
    loaders: dict[str, Callable[[], pa.Table]],
    mapping: dict[str, str],
    spec: dict,
    source: str,
    year_in_name: bool = False,
) -> pd.DataFrame:
    """All files of a source as one table of canonical string columns plus the file and
    line of each row in it (header = line 1, blank lines counted), and ``file_year`` if asked.

    ``spec["required"]`` names the columns every file must have; a file with a header and
    no rows is read as zero rows (a shop with no orders that quarter), unless
    ``spec["rows_required"]`` (a registry or catalogue cannot be empty). A source
    ``spec["optional"]`` without any file is a table of zero rows.

    Raises:
        RawFileError: no file at all (of a source that is not optional), or a file-level
        defect in any file.
    """
    if not loaders and spec.get("optional"):
        logger.info("%s: no file in the raw folder, read as 0 rows", source)
        columns = [FILE, ROW, *mapping, *(["file_year"] if year_in_name else [])]
        frame = pd.DataFrame({c: pd.Series(dtype="str") for c in columns})
        return frame.astype({ROW: "int64", **({"file_year": "int64"} if year_in_name else {})})
    if not loaders:
        raise RawFileError(source, "no files found for this source in the raw folder")
    if year_in_name:
        by_year: dict[int | None, str] = {}
        for file in loaders:
            year = year_of(file)
            if year is not None and year in by_year:
                raise RawFileError(
                    file,
                    f"a second file for {year} beside {printable(by_year[year])}: "
                    "keep one export per year",
                )
            by_year[year] = file
    tables = []
    for file, load in loaders.items():
        raw = load()
        lines = raw.column(LINE)
        table = canonical_columns(raw.drop_columns([LINE]), mapping, spec["required"], file)
        rows = table.num_rows
        if not rows:
            if spec.get("rows_required"):
                raise RawFileError(file, "no data rows below the header")
            # A month with nothing to push is a header-only alert file: nothing to warn of.
            (logger.info if spec.get("empty_files_expected") else logger.warning)(
                "%s: a header and no data rows, read as 0 rows", printable(file)
            )
        columns = {
            FILE: pa.repeat(pa.scalar(file, pa.string()), rows),
            ROW: lines,
            **dict(zip(table.column_names, table.columns, strict=True)),
        }
        if year_in_name:
            year = year_of(file)
            if year is None:
                raise RawFileError(file, "no year in the file name (expected e.g. _2016)")
            columns["file_year"] = pa.repeat(pa.scalar(year, pa.int64()), rows)
        tables.append(pa.table(columns))
    # One conversion for all files of the source: per-file frames would cost more than reading.
    return pa.concat_tables(tables).combine_chunks().to_pandas()


def raw_json(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Each row's raw values as a JSON object (kept with quarantined rows, locally only)."""
    rows = frame[columns].to_numpy(dtype=object)
    return pd.Series(
        [json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False) for row in rows],
        index=frame.index,
        dtype="str",
    )


def _selected(frame: pd.DataFrame, mask: pd.Series | np.ndarray) -> np.ndarray:
    """Whether ``mask`` selects each row of ``frame`` (aligned on the index; NA = no)."""
    if isinstance(mask, pd.Series) and not mask.index.equals(frame.index):
        mask = mask.reindex(frame.index)
    return pd.Series(mask, copy=False).fillna(False).to_numpy(dtype=bool)


def _entries(
    frame: pd.DataFrame,
    selected: np.ndarray,
    source: str,
    outcome: str,
    code: str,
    detail: pd.Series | str = "",
    raw_columns: list[str] | None = None,
) -> pd.DataFrame:
    """Ledger entries (``ISSUE_COLUMNS``) for the selected rows of ``frame``, which carries
    ``source_file``/``source_row``. Only the columns the ledger needs are copied: frames here
    are wide and long, the selections small."""
    at = np.flatnonzero(selected)
    if not len(at):
        return empty_issues()
    needed = [
        FILE,
        ROW,
        *(["village_code"] if "village_code" in frame else []),
        *(raw_columns or []),
    ]
    rows = frame[list(dict.fromkeys(needed))].take(at)

    def text(value: pd.Series | str) -> pd.Series:
        if isinstance(value, pd.Series):
            if value.index.equals(frame.index):
                value = value.iloc[at]
            else:
                value = value.reindex(frame.index[at])
            return pd.Series(value.to_numpy(), index=rows.index).astype("str")
        return pd.Series(value, index=rows.index, dtype="str")

    county = text("")
    if "village_code" in rows:
        village = rows["village_code"].astype("str").str.strip()
        county = village.str[:6].where(village.str.fullmatch(r"\d{12}"), "")
    return pd.DataFrame(
        {
            "source": text(source),
            FILE: rows[FILE].astype("str"),
            ROW: rows[ROW].astype("int64"),
            "county_code": county,
            "outcome": text(outcome),
            "code": text(code),
            "detail": text(detail),
            "raw_values": raw_json(rows, raw_columns) if raw_columns else text(""),
        }
    ).reset_index(drop=True)


def _kept(frame: pd.DataFrame, selected: np.ndarray) -> pd.DataFrame:
    """The rows of ``frame`` not selected (no copy when nothing is selected)."""
    return frame.take(np.flatnonzero(~selected)) if selected.any() else frame


def find_duplicates(
    frame: pd.DataFrame, columns: list[str], source: str, likely_key: list[str] | None = None
) -> tuple[np.ndarray, pd.DataFrame]:
    """Exact duplicates (same values in every one of ``columns``) after the first in file
    order: their mask and ledger entries.

    ``likely_key`` (a subset of ``columns`` that nearly identifies a row) makes it faster:
    only rows sharing it are compared on every column.
    """
    if likely_key:
        dup = np.zeros(len(frame), dtype=bool)
        shared = frame.duplicated(subset=likely_key, keep=False).to_numpy()
        if shared.any():
            candidates = frame[columns].take(np.flatnonzero(shared))
            dup[shared] = candidates.duplicated(keep="first").to_numpy()
    else:
        dup = frame.duplicated(subset=columns, keep="first").to_numpy()
    return dup, _entries(frame, dup, source, DUPLICATE, "exact_duplicate")


def superseded(
    frame: pd.DataFrame, mask: pd.Series, source: str, code: str, detail: pd.Series | str = ""
) -> pd.DataFrame:
    """Ledger entries counting the rows selected by ``mask`` as duplicates of a later row
    that replaces them (a household visited twice in a month: its last visit stands)."""
    return _entries(frame, _selected(frame, mask), source, DUPLICATE, code, detail)


def split_duplicates(
    frame: pd.DataFrame, columns: list[str], source: str, likely_key: list[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``find_duplicates``, returning the remaining rows and the duplicates' ledger entries."""
    dup, entries = find_duplicates(frame, columns, source, likely_key)
    return _kept(frame, dup), entries


Check = pd.Series | Callable[[np.ndarray], pd.Series]


def screen(
    frame: pd.DataFrame,
    checks: list[tuple[str, Check, pd.Series | str]],
    source: str,
    raw_columns: list[str],
    out: np.ndarray | None = None,
) -> tuple[np.ndarray, list[pd.DataFrame]]:
    """Quarantine each row for the first of ``checks`` (``(code, mask, detail)``, in order of
    precedence) that selects it — as quarantining for each check in turn would, without copying
    the frame. A check that depends on which rows are still in (a duplicate key, say) is a
    function of the boolean array of remaining rows. Rows marked in ``out`` (duplicates
    already accounted for) are not checked.

    Returns:
        positions of the rows that pass, and one ledger part per check.
    """
    taken = np.zeros(len(frame), dtype=bool) if out is None else out.copy()
    entries = []
    for code, check, detail in checks:
        mask = check(~taken) if callable(check) else check
        selected = _selected(frame, mask) & ~taken
        entries.append(_entries(frame, selected, source, QUARANTINE, code, detail, raw_columns))
        taken |= selected
    return np.flatnonzero(~taken), entries


def quarantine_first(
    frame: pd.DataFrame,
    checks: list[tuple[str, Check, pd.Series | str]],
    source: str,
    raw_columns: list[str],
    out: np.ndarray | None = None,
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """``screen``, returning the rows that pass (one copy) and the ledger parts."""
    passed, entries = screen(frame, checks, source, raw_columns, out)
    return (frame if len(passed) == len(frame) else frame.take(passed)), entries


def outside_ranges(table: pd.DataFrame, ranges: dict[str, list]) -> tuple[np.ndarray, pd.Series]:
    """Rows of ``table`` with a number outside its configured ``[low, high]`` range (``null``:
    open), and for each such row the first offending column and value (``migrant_months=13``).
    Missing values are in range: unreadable cells are flagged elsewhere."""
    outside = np.zeros(len(table), dtype=bool)
    detail = np.full(len(table), "", dtype=object)
    for column, (low, high) in ranges.items():
        if column not in table:
            continue
        values = pd.to_numeric(table[column], errors="coerce").to_numpy(float)
        bad = np.zeros(len(table), dtype=bool)
        if low is not None:
            bad |= values < low
        if high is not None:
            bad |= values > high
        first = bad & ~outside
        detail[first] = column + "=" + pd.Series(values[first]).map("{:g}".format).to_numpy(str)
        outside |= bad
    return outside, pd.Series(detail, index=table.index, dtype="str")


def screen_ranges(
    table: pd.DataFrame,
    frame: pd.DataFrame,
    ranges: dict[str, list],
    source: str,
    raw_columns: list[str],
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Quarantine (``out_of_range``) the rows of ``table`` — parsed row for row from the raw
    ``frame`` — with a value outside its range; returns the rows in range and the ledger."""
    outside, detail = outside_ranges(table, ranges)
    passed, parts = screen(frame, [("out_of_range", outside, detail)], source, raw_columns)
    return (table if len(passed) == len(table) else table.take(passed)), parts


def flag(
    frame: pd.DataFrame, mask: pd.Series, source: str, code: str, detail: pd.Series | str = ""
) -> pd.DataFrame:
    """Ledger entries flagging the rows selected by ``mask`` (the rows stay clean)."""
    return _entries(frame, _selected(frame, mask), source, FLAG, code, detail)


def accounting(source: str, read: int, clean: int, ledger: pd.DataFrame) -> pd.DataFrame:
    """One row of the row accounting: read = clean + quarantined + duplicates must hold."""
    quarantined = ledger.loc[ledger["outcome"] == QUARANTINE, [FILE, ROW]].drop_duplicates()
    duplicates = ledger.loc[ledger["outcome"] == DUPLICATE, [FILE, ROW]].drop_duplicates()
    return pd.DataFrame(
        [
            {
                "source": source,
                "read": read,
                "clean": clean,
                "quarantined": len(quarantined),
                "duplicates": len(duplicates),
            }
        ]
    )


def empty_issues() -> pd.DataFrame:
    """A ledger part without rows (a copy: building one costs 50× as much)."""
    return _no_issues().copy()


@functools.cache
def _no_issues() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64" if c == ROW else "str") for c in ISSUE_COLUMNS})
