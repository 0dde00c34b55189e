"""Reading a source's files into one table, and the ledger of what happened to every row.

Every raw row ends in exactly one of: the clean table, quarantine (with a reason code and
its raw values), or the exact-duplicate count. Flags mark clean rows with a data-quality
finding. ``issues`` rows share one schema across sources (see ``ISSUE_COLUMNS``).
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd

from ecpa_pipeline.datasets import RawFileError

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
    lookup = {}
    for canonical, chinese in mapping.items():
        for spelling in (chinese, _UNIT_SUFFIX.sub("", _norm_header(chinese)), canonical):
            lookup[_norm_header(spelling)] = canonical
    return lookup


def canonical_columns(
    frame: pd.DataFrame, mapping: dict[str, str], required: list[str], file: str
) -> pd.DataFrame:
    """Rename a raw table's headers to canonical names; unknown extra columns are dropped.

    Raises:
        RawFileError: when a required column is missing.
    """
    lookup = header_lookup(mapping)
    rename = {}
    for header in frame.columns:
        key = _norm_header(header)
        canonical = lookup.get(key) or lookup.get(_UNIT_SUFFIX.sub("", key))
        if canonical and canonical not in rename.values():
            rename[header] = canonical
    missing = [c for c in required if c not in rename.values()]
    if missing:
        names = ", ".join(f"{mapping[c]} ({c})" for c in missing)
        raise RawFileError(file, f"required column(s) missing: {names}")
    dropped = [h for h in frame.columns if h not in rename]
    if dropped:
        logger.info("%s: ignoring columns not in the contract: %s", file, dropped)
    out = frame[list(rename)].rename(columns=rename)
    for column in mapping:
        if column not in out:
            out[column] = ""
    return out


def year_of(file: str) -> int | None:
    """The 4-digit year in a file name (``registry_2016.csv`` → 2016), if any."""
    match = re.search(r"(?<!\d)(20\d{2}|19\d{2})(?!\d)", file.rsplit("/", 1)[-1])
    return int(match.group(1)) if match else None


def read_source(
    loaders: dict[str, Callable[[], pd.DataFrame]],
    mapping: dict[str, str],
    required: list[str],
    source: str,
    year_in_name: bool = False,
) -> pd.DataFrame:
    """All files of a source as one table of canonical string columns plus the file and
    1-based line number of each row (header = line 1), and ``file_year`` if asked.

    Raises:
        RawFileError: no file at all, or a file-level defect in any file.
    """
    if not loaders:
        raise RawFileError(source, "no files found for this source in the raw folder")
    frames = []
    for file, load in loaders.items():
        frame = canonical_columns(load(), mapping, required, file)
        frame.insert(0, ROW, np.arange(2, len(frame) + 2))
        frame.insert(0, FILE, file)
        if year_in_name:
            year = year_of(file)
            if year is None:
                raise RawFileError(file, "no year in the file name (expected e.g. _2016)")
            frame["file_year"] = year
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def raw_json(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Each row's raw values as a JSON object (kept with quarantined rows, locally only)."""
    records = frame[columns].to_dict(orient="records")
    return pd.Series(
        [json.dumps(r, ensure_ascii=False) for r in records], index=frame.index, dtype="str"
    )


def issues(
    rows: pd.DataFrame,
    source: str,
    outcome: str,
    code: str,
    detail: pd.Series | str = "",
    raw_columns: list[str] | None = None,
) -> pd.DataFrame:
    """Ledger entries for ``rows`` (which carry ``source_file``/``source_row``)."""
    county = ""
    if "village_code" in rows:
        village = rows["village_code"].astype("str").str.strip()
        county = village.str[:6].where(village.str.fullmatch(r"\d{12}"), "").to_numpy()
    out = pd.DataFrame(
        {
            "source": source,
            FILE: rows[FILE].to_numpy(),
            ROW: rows[ROW].to_numpy(),
            "county_code": county,
            "outcome": outcome,
            "code": code,
            "detail": detail.to_numpy() if isinstance(detail, pd.Series) else detail,
        }
    )
    out["raw_values"] = raw_json(rows, raw_columns).to_numpy() if raw_columns and len(rows) else ""
    return out.astype(
        {FILE: "str", ROW: "int64", "county_code": "str", "detail": "str", "raw_values": "str"}
    )


def split_duplicates(
    frame: pd.DataFrame, columns: list[str], source: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop exact duplicates (same values in every contract column), keeping the first in
    file order. Returns the remaining rows and their ledger entries."""
    dup = frame.duplicated(subset=columns, keep="first")
    return frame[~dup], issues(frame[dup], source, DUPLICATE, "exact_duplicate")


def quarantine(
    frame: pd.DataFrame,
    mask: pd.Series,
    source: str,
    code: str,
    raw_columns: list[str],
    detail: pd.Series | str = "",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Move the rows selected by ``mask`` to quarantine with ``code``. Returns kept rows and
    the ledger entries of the quarantined ones."""
    mask = mask.fillna(False).astype(bool)
    d = detail[mask] if isinstance(detail, pd.Series) else detail
    return frame[~mask], issues(frame[mask], source, QUARANTINE, code, d, raw_columns)


def flag(
    frame: pd.DataFrame, mask: pd.Series, source: str, code: str, detail: pd.Series | str = ""
) -> pd.DataFrame:
    """Ledger entries flagging the rows selected by ``mask`` (the rows stay clean)."""
    mask = mask.fillna(False).astype(bool)
    d = detail[mask] if isinstance(detail, pd.Series) else detail
    return issues(frame[mask], source, FLAG, code, d)


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
    return pd.DataFrame({c: pd.Series(dtype="int64" if c == ROW else "str") for c in ISSUE_COLUMNS})
