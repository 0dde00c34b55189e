"""Real-world defects injected into the raw exports, and their record in ``_truth/defects``.

A defect is marked on the row it affects; when the file is final, the row's position gives
the 1-based line number a spreadsheet shows (header = line 1). ``EXPECTED_OUTCOME`` says what
a correct cleaning pipeline does with each: quarantine the row, flag it (keep, with a
data-quality flag), normalise the value, or merge an exact duplicate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MARK = "_defects"
#: Defects recorded without making the row ineligible for other defects: the first listing
#: of a person listed twice is part of that defect, but was drawn from as a clean row.
ALSO = "_defects_also"

EXPECTED_OUTCOME = {
    "registry_bad_id_check": "flag",
    "registry_id_birth_invalid": "flag",
    "registry_id_sex_mismatch": "flag",
    "registry_headless_household": "quarantine",
    "registry_two_heads": "quarantine",
    "registry_person_in_two_households": "quarantine",
    "registry_same_id_two_households": "quarantine",
    "registry_member_disagrees": "flag",
    "registry_size_mismatch": "flag",
    "registry_code_variant": "normalise",
    "registry_bad_phone": "flag",
    "registry_fullwidth": "normalise",
    "registry_excel_guard": "normalise",
    "registry_income_mismatch": "flag",
    "registry_duplicate_row": "merge",
    "monitoring_illness_without_cost": "flag",
    "monitoring_no_labour_risk_with_labour": "flag",
    "monitoring_no_labour_without_dibao": "flag",
    "monitoring_eliminated_below_line": "flag",
    "monitoring_identified_far_above_line": "flag",
    "monitoring_identified_after_export": "quarantine",
    "monitoring_minor_with_labour": "flag",
    "alerts_id_check_failed": "flag",
    "alerts_id_old_15_digit": "normalise",
    "alerts_id_lower_x": "normalise",
    "alerts_name_homophone": "flag",
    "alerts_name_traditional": "flag",
    "alerts_village_suffix": "normalise",
    "alerts_village_unknown": "quarantine",
    "alerts_event_after_push": "quarantine",
    "alerts_push_month_mismatch": "flag",
    "alerts_file_sent_twice": "merge",
    "income_orphan_household": "quarantine",
    "income_money_format": "normalise",
    "income_duplicate_row": "merge",
    "production_alias_name": "normalise",
    "production_unknown_product": "quarantine",
    "shops_unknown_village": "quarantine",
    "orders_unknown_shop": "quarantine",
    "orders_unmappable_title": "quarantine",
    "orders_duplicate_across_files": "merge",
    "orders_missing_amount": "quarantine",
    "market_alias_name": "normalise",
    "market_category_level": "flag",
    "market_growth_only": "flag",
    "market_listed_twice": "flag",
}

_FULLWIDTH = str.maketrans("0123456789.,-", "０１２３４５６７８９．，－")


def pick(
    rng: np.random.Generator, n: int, rate: float, eligible: np.ndarray | None = None
) -> np.ndarray:
    """A boolean mask selecting about ``rate`` of ``n`` rows (only among ``eligible``)."""
    mask = rng.random(n) < rate
    return mask if eligible is None else mask & eligible


def mark(frame: pd.DataFrame, mask: np.ndarray, code: str, column: str = MARK) -> None:
    """Record defect ``code`` on the rows of ``frame`` selected by ``mask`` (in place); in
    ``column=ALSO`` the rows stay eligible for defects drawn later among unmarked rows."""
    if code not in EXPECTED_OUTCOME:
        raise KeyError(f"Unknown defect code {code!r}: add it to EXPECTED_OUTCOME")
    if column not in frame:
        frame[column] = ""
    frame.loc[mask, column] = frame.loc[mask, column] + code + ";"


def with_marks(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with an empty defect-mark column."""
    return frame.assign(**{MARK: ""})


def fullwidth(values: pd.Series) -> pd.Series:
    """Digits and number punctuation rewritten as full-width characters (１２．５)."""
    return values.astype(str).str.translate(_FULLWIDTH)


def duplicate_rows(frame: pd.DataFrame, mask: np.ndarray, code: str) -> pd.DataFrame:
    """Insert an exact copy of each selected row right after it; the copy carries ``code``."""
    copies = frame[mask].copy()
    copies[MARK] = code + ";"
    if ALSO in copies:
        copies[ALSO] = ""
    order = np.concatenate([np.arange(len(frame)), np.flatnonzero(mask) + 0.5])
    out = pd.concat([frame, copies], ignore_index=True)
    return out.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)


def finalise(frame: pd.DataFrame, source: str, file: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split the defect marks off a finished export.

    Returns:
        The export without the mark column, and one truth row per (row, defect):
        source, file, row (spreadsheet line number), defect, expected_outcome.
    """
    both = frame[MARK] + frame[ALSO].fillna("") if ALSO in frame else frame[MARK]
    marks = pd.Series(both.to_numpy(), index=np.arange(2, len(frame) + 2))
    codes = marks[marks != ""].str.rstrip(";").str.split(";").explode()
    truth = pd.DataFrame(
        {
            "source": source,
            "file": file,
            "row": codes.index.to_numpy(dtype=np.int64),
            "defect": codes.to_numpy(dtype=str),
            "expected_outcome": codes.map(EXPECTED_OUTCOME).to_numpy(dtype=str),
        }
    )
    return frame.drop(columns=[c for c in (MARK, ALSO) if c in frame]), truth
