"""The row ledger: duplicates, quarantine in order of precedence, entries of selected rows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from ecpa_pipeline.pipelines.cleaning.ledger import (
    FILE,
    ISSUE_COLUMNS,
    ROW,
    find_duplicates,
    quarantine_first,
    screen,
)


def _frame(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    a, b, c = zip(*rows, strict=True) if rows else ((), (), ())
    return pd.DataFrame(
        {
            FILE: "registry/registry_2019.csv",
            ROW: np.arange(2, len(rows) + 2),
            "a": pd.Series(a, dtype="str"),
            "b": pd.Series(b, dtype="str"),
            "c": pd.Series(c, dtype="str"),
        }
    )


cells = st.sampled_from(["", "1", "2", "甲"])


@given(st.lists(st.tuples(cells, cells, cells), max_size=30))
def test_a_likely_key_finds_exactly_the_duplicates_a_full_comparison_finds(rows):
    frame = _frame(rows)
    full, _ = find_duplicates(frame, ["a", "b", "c"], "registry")
    keyed, entries = find_duplicates(frame, ["a", "b", "c"], "registry", likely_key=["b"])
    assert keyed.tolist() == full.tolist() == frame.duplicated(["a", "b", "c"]).tolist()
    assert entries[ROW].tolist() == frame.loc[keyed, ROW].tolist()
    assert set(entries["code"]) <= {"exact_duplicate"}


def test_the_first_failing_check_names_the_reason_and_later_checks_see_what_remains():
    frame = _frame([("k1", "bad", "x"), ("k1", "ok", "x"), ("k2", "ok", "x"), ("k2", "ok", "y")])
    frame.loc[4, :] = ["registry/registry_2019.csv", 6, "k3", "ok", "x"]
    frame[ROW] = frame[ROW].astype("int64")
    out = np.array([False, False, False, False, True])  # row 6: a duplicate, already counted

    def listed_again(remaining: np.ndarray) -> pd.Series:
        return frame.loc[remaining, "a"].duplicated()

    passed, parts = screen(
        frame,
        [
            ("unreadable_value", frame["b"] == "bad", "b"),
            ("bad_phone", frame["c"] == "y", frame["c"]),
            ("duplicate_key", listed_again, "a"),
        ],
        "registry",
        ["a", "b", "c"],
        out=out,
    )
    # Row 2 fails first; so row 3 is k1's first listing, not a duplicate. Row 5 fails the
    # second check before the key check could call it k2's second listing.
    assert passed.tolist() == [1, 2]
    assert [p[ROW].tolist() for p in parts] == [[2], [5], []]
    assert parts[1]["detail"].tolist() == ["y"]
    assert json.loads(parts[0]["raw_values"][0]) == {"a": "k1", "b": "bad", "c": "x"}
    assert all(list(p.columns) == ISSUE_COLUMNS for p in parts)
    assert parts[2][ROW].dtype == "int64" and parts[2]["code"].dtype == "str"

    kept, _ = quarantine_first(frame, [("bad_phone", frame["c"] == "y", "")], "registry", ["a"])
    assert kept[ROW].tolist() == [2, 3, 4, 6]
