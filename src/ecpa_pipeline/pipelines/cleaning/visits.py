"""What the townships' visits found (``alerts/visits/<YYYYMM>_<乡镇>.csv|xlsx``, contract
addition §10a, optional): every row read, validated and accounted for; one visit per
household (or named resident) and list month, the last one standing.

The clean table ``visit_outcomes`` holds no name, ID number or visitor; those stay in the
restricted ``visit_identities`` (one row per clean visit), from which the features key a
resident no record lists.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecpa_pipeline.domain.normalise import clean_text, parse_date

from .alerts import month_in_name, resident_ids
from .ledger import (
    FILE,
    ROW,
    accounting,
    empty_issues,
    flag,
    quarantine_first,
    read_source,
    split_duplicates,
    superseded,
)

SOURCE = "visits"
#: Outcomes that need a reason (contract addition §10a).
REASON_REQUIRED = ("不符合", "未见到户")


def no_visits() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The clean table and the restricted identities when no township has sent visits."""
    visits = pd.DataFrame(
        {
            "list_month": pd.Series(dtype="int64"),
            "township": pd.Series(dtype="str"),
            "household_code": pd.Series(dtype="str"),
            "visit_id": pd.Series(dtype="str"),
            "visit_date": pd.Series(dtype="datetime64[ns]"),
            "outcome": pd.Series(dtype="str"),
            "reason": pd.Series(dtype="str"),
            FILE: pd.Series(dtype="str"),
            ROW: pd.Series(dtype="int64"),
        }
    )
    return visits, _identities(visits.assign(name="", id_number="", visitor=""))


def _identities(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": (frame["list_month"] // 100).astype("int64"),
            FILE: frame[FILE].astype("str"),
            ROW: frame[ROW].astype("int64"),
            "name": frame["name"].astype("str"),
            "id_number": frame["id_number"].astype("str"),
            "visitor": frame["visitor"].astype("str"),
        }
    )


def clean_visits(
    loaders: dict, mapping: dict, code_lists: dict, spec: dict, households: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The townships' visit outcomes → ``visit_outcomes`` and ``visit_identities``
    (``households``: the monitoring export's, for the household codes).

    Quarantined: a file not named ``<YYYYMM>_<乡镇>``, a household code no export lists, a
    row with neither household code, a well-formed ID number nor the list's 核查编号 (a
    township's own sheet of the list returned: its ID numbers are masked), an outcome
    outside the code list, an unreadable visit date. Merged: a row repeated; the earlier of
    two visits to one household (or resident) in one list month (the last stands). Flagged:
    a visit dated before the list's month, 不符合 or 未见到户 without a reason, a household
    with two different outcomes in the month (the last kept). Normalised: 15-digit IDs
    (→ 18), a lower-case x.

    Returns:
        visit_outcomes, visit_identities (restricted), ledger entries, accounting row.
    """
    if not loaders:
        visits, people = no_visits()
        return visits, people, empty_issues(), accounting(SOURCE, 0, 0, empty_issues())
    raw = read_source(loaders, mapping, spec, SOURCE)
    columns = list(mapping)
    frame, duplicates = split_duplicates(raw, columns, SOURCE)
    named, list_month, month_ok = month_in_name(frame[FILE])
    code = clean_text(frame["household_code"]).fillna("")
    number = clean_text(frame["visit_id"]).fillna("")
    ids, well_formed = resident_ids(frame["id_number"])
    outcome = clean_text(frame["outcome"]).fillna("")
    visited, bad_date = parse_date(frame["visit_date"])
    frame, ledger = quarantine_first(
        frame,
        [
            ("file_name_not_month_township", ~month_ok, frame[FILE]),
            ("unknown_household", (code != "") & ~code.isin(households["household_code"]), code),
            ("missing_key", (code == "") & ~well_formed & (number == ""), ""),
            ("bad_code", ~outcome.isin(code_lists["visit_outcome"]), outcome),
            ("bad_date", bad_date | visited.isna(), frame["visit_date"]),
        ],
        SOURCE,
        columns,
    )
    keep = frame.index
    month = list_month[keep].astype("int64")
    who = code[keep].where(code[keep] != "", "id:" + ids[keep].where(well_formed[keep], ""))
    who = who.where(who != "id:", "no:" + number[keep])
    order = pd.DataFrame({"who": who, "month": month, "date": visited[keep], ROW: frame[ROW]})
    order = order.sort_values(["date", ROW], kind="stable")
    earlier = order.duplicated(["who", "month"], keep="last").reindex(keep)
    outcomes = outcome[keep]
    differing = outcomes.groupby([who, month]).transform("nunique") > 1
    list_start = pd.to_datetime(month.astype("str"), format="%Y%m")
    reason = clean_text(frame["reason"]).fillna("")
    ledger += [
        duplicates,
        superseded(frame, earlier, SOURCE, "visited_again", outcomes),
        flag(frame, ~earlier & differing, SOURCE, "two_outcomes"),
        flag(frame, visited[keep] < list_start, SOURCE, "visit_before_list"),
        flag(
            frame, outcomes.isin(REASON_REQUIRED) & (reason == ""), SOURCE, "outcome_without_reason"
        ),
    ]
    last = keep[~earlier.to_numpy()]
    visits = pd.DataFrame(
        {
            "list_month": month[last],
            "township": named.loc[last, 1].astype("str"),
            "household_code": code[last].replace("", np.nan).astype("str"),
            "visit_id": number[last].replace("", np.nan).astype("str"),
            "visit_date": visited[last],
            "outcome": outcomes[last],
            "reason": reason[last],
            FILE: frame.loc[last, FILE],
            ROW: frame.loc[last, ROW].astype("int64"),
        }
    ).reset_index(drop=True)
    people = _identities(
        visits.assign(
            name=clean_text(frame.loc[last, "name"]).fillna("").to_numpy(),
            # A masked number (a returned list) is no number: no resident key is made of it.
            id_number=ids[last].where(well_formed[last]).to_numpy(),
            visitor=clean_text(frame.loc[last, "visitor"]).fillna("").to_numpy(),
        )
    )
    issues = pd.concat([e for e in ledger if len(e)] or [empty_issues()], ignore_index=True)
    return visits, people, issues, accounting(SOURCE, len(raw), len(visits), issues)
