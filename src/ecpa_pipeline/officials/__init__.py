"""What every officials' report shares — one design for the household lists, the monitoring
lists and the product lists: who may see what (``officials_view``, one setting for all:
``params:officials``), file names from data, risk bands as shares of a list, ranks, codes in
words; the page (``page``), workbook (``workbook``), words (``words``) and reasons
(``reasons``) modules hold the rest."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ecpa_pipeline.domain.masking import mask_id_number, mask_phone
from ecpa_pipeline.errors import ProjectError

#: Anything but letters (any script), digits, ``_`` and ``-``: never part of a file name.
_NOT_IN_FILE_NAMES = re.compile(r"[^\w-]+")


def report_set(**parts):
    """The officials' files of one run as one set, ``{part: data}``: ``ReportSetDataset``
    publishes them together, so that no reader sees files of two runs side by side."""
    return parts


def officials_view(table: pd.DataFrame, officials: dict) -> pd.DataFrame:
    """A household list as officials may see it: the head's ID number and phone masked and
    names dropped unless the officials' settings (``params:officials``, one for every
    report) say otherwise."""
    view = table.copy()
    if officials["mask_personal_data"]:
        view["head_id_number"] = mask_id_number(view["head_id_number"])
        view["head_phone"] = mask_phone(view["head_phone"])
    if not officials["show_names"]:
        view = view.drop(columns=["head_name"])
    return view


def county_file_stem(county_code: str, county: str) -> str:
    """``<county_code>_<county>`` as a file name: separators, dots and control characters of
    a hostile or careless export (``../``, ``/``) become ``_``, so a report stays in its folder."""
    stem = _NOT_IN_FILE_NAMES.sub("_", f"{county_code}_{county}").strip("_")
    return stem or "county"


def risk_band(rank: pd.Series, group: pd.Series, bands: list[dict]) -> pd.Series:
    """Each row's band from its place in its list: ``rank`` 1 is the most at risk of its
    ``group`` (a county's list). ``bands`` (``{code, share}``, most at risk first, shares
    summing to 1) cut the list by shares — the first takes the ``share`` most at risk
    (rounded up: at least one household), the next the following share, and so on — so a
    band means a place in the list, and none is empty by construction in a list of at least
    as many households as there are shares' worth of them. A probability bound could leave a
    band empty: no household's exit likelihood was below 0.4 on the county (#27).

    >>> bands = [{"code": "high", "share": 0.2}, {"code": "medium", "share": 0.3},
    ...          {"code": "low", "share": 0.5}]
    >>> risk_band(pd.Series(range(1, 11)), pd.Series(["c"] * 10), bands).tolist()
    ['high', 'high', 'medium', 'medium', 'medium', 'low', 'low', 'low', 'low', 'low']

    Raises:
        ProjectError: shares that do not sum to 1.
    """
    shares = np.array([b["share"] for b in bands], dtype=float)
    if not np.isclose(shares.sum(), 1) or (shares <= 0).any():
        raise ProjectError(
            f"risk_bands: the shares {shares.tolist()} must be positive and sum to 1 (a band "
            "is a share of each list, most at risk first)"
        )
    size = group.map(group.value_counts()).to_numpy(float)
    last = np.ceil(np.cumsum(shares)[:, None] * size[None, :] - 1e-9)  # last rank of each band
    which = (rank.to_numpy(float)[None, :] > last).sum(axis=0)
    codes = np.array([b["code"] for b in bands])
    return pd.Series(codes[np.minimum(which, len(codes) - 1)], index=rank.index)


def rank_within(frame: pd.DataFrame, keys: list[str], ascending: list[bool], by) -> np.ndarray:
    """1-based position of each row within its ``by`` group when sorted by ``keys``."""
    order = frame.sort_values(keys, ascending=ascending, kind="stable")
    rank = order.groupby(by, sort=False).cumcount() + 1
    return rank.reindex(frame.index).to_numpy()


def joined_names(flags: pd.DataFrame, names: dict[str, str], sep: str = ";") -> pd.Series:
    """For each row, the names of its True columns joined by ``sep`` ('' when none)."""
    text = np.full(len(flags), "", dtype=object)
    for column in flags.columns:  # a handful of columns; vectorised over rows
        text = text + np.where(flags[column].to_numpy(bool), names[column] + sep, "")
    return pd.Series(text, index=flags.index, dtype="str").str.removesuffix(sep)


def codes_to_words(codes: pd.Series, names: dict[str, str], sep: str) -> pd.Series:
    """``a;b`` code lists → their names joined by ``sep`` (vectorised per code)."""
    parts = codes.fillna("").str.split(";").explode()
    named = parts.map(names).dropna()
    return named.groupby(level=0).agg(sep.join).reindex(codes.index, fill_value="")
