"""Row accounting, the data-quality report, and defect detection scored against ``_truth``."""

from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd

from .ledger import DUPLICATE, FILE, FLAG, QUARANTINE, ROW, household_in_detail

logger = logging.getLogger(__name__)


class RowAccountingError(RuntimeError):
    """Rows read ≠ clean + quarantined + duplicates for some source."""


def check_accounting(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Every raw row is accounted for, per source; otherwise the run fails.

    Returns:
        The accounting table (source, read, clean, quarantined, duplicates, balanced).
    """
    table = pd.concat(tables, ignore_index=True)
    table["balanced"] = table["read"] == table["clean"] + table["quarantined"] + table["duplicates"]
    width = max(len(s) for s in table["source"])
    lines = [
        f"{'source':<{width}}  {'read':>9} {'clean':>9} {'quarantined':>11} {'duplicates':>10}"
    ]
    lines += [
        f"{r.source:<{width}}  {r.read:>9} {r.clean:>9} {r.quarantined:>11} {r.duplicates:>10}"
        for r in table.itertuples()
    ]
    logger.info("Row accounting (read = clean + quarantined + duplicates):\n%s", "\n".join(lines))
    if not table["balanced"].all():
        bad = table[~table["balanced"]]
        raise RowAccountingError(
            "Rows lost or double-counted: "
            + "; ".join(
                f"{r.source}: read {r.read} ≠ {r.clean} clean + {r.quarantined} quarantined"
                f" + {r.duplicates} duplicates"
                for r in bad.itertuples()
            )
        )
    return table


def _counts(clean_tables: dict[str, pd.DataFrame], ledger: pd.DataFrame) -> pd.DataFrame:
    """Rows per source and county: clean, quarantined, duplicates, flagged (distinct rows)."""
    frames = []
    for source, table in clean_tables.items():
        county = (
            table["village_code"].str[:6]
            if "village_code" in table
            else pd.Series("", index=table.index)
        )
        frames.append(
            county.fillna("")
            .value_counts()
            .rename("clean")
            .rename_axis("county_code")
            .reset_index()
            .assign(source=source)
        )
    clean = pd.concat(frames, ignore_index=True)
    rows = ledger.drop_duplicates(["source", FILE, ROW, "outcome"])
    by_outcome = rows.pivot_table(
        index=["source", "county_code"],
        columns="outcome",
        values=ROW,
        aggfunc="count",
        fill_value=0,
    )
    by_outcome = by_outcome.reindex(
        columns=[QUARANTINE, DUPLICATE, FLAG], fill_value=0
    ).reset_index()
    out = clean.merge(by_outcome, on=["source", "county_code"], how="outer").fillna(0)
    for column in ("clean", QUARANTINE, DUPLICATE, FLAG):
        out[column] = out[column].astype("int64")
    out["read"] = out["clean"] + out[QUARANTINE] + out[DUPLICATE]
    return out.rename(columns={QUARANTINE: "quarantined", DUPLICATE: "duplicates", FLAG: "flagged"})


def data_quality_tables(
    clean_tables: dict[str, pd.DataFrame], ledger: pd.DataFrame, villages: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per source and county: rows read, clean, quarantined, duplicates and flagged; and the
    same by outcome and reason code. Counts only: no raw values, no personal data."""
    names = villages.drop_duplicates("county_code").set_index("county_code")["county"]
    summary = _counts(clean_tables, ledger)
    summary.insert(2, "county", summary["county_code"].map(names).fillna("(unknown)"))
    summary = summary[
        ["source", "county_code", "county", "read", "clean", "quarantined", "duplicates", "flagged"]
    ]
    by_reason = (
        ledger.groupby(["source", "county_code", "outcome", "code"])
        .size()
        .rename("rows")
        .reset_index()
    )
    by_reason.insert(2, "county", by_reason["county_code"].map(names).fillna("(unknown)"))
    return summary.sort_values(["source", "county_code"]).reset_index(
        drop=True
    ), by_reason.sort_values(
        ["source", "county_code", "outcome", "rows"], ascending=[True, True, True, False]
    ).reset_index(drop=True)


def score_defect_detection(
    ledger: pd.DataFrame,
    persons: pd.DataFrame,
    defects: pd.DataFrame | None,
    detection: dict,
) -> pd.DataFrame:
    """Precision and recall of the cleaning against the simulator's injected defects.

    ``detection`` maps each defect type to the ledger code that should catch it and the unit
    at which a catch counts (the row, or the household of that row for household-level
    checks). ``normalised`` defects count as caught when the row stays clean without a
    flag saying its value could not be read. Empty when ``defects`` is None (no ``_truth``).
    """
    if defects is None:
        logger.info("No _truth/ in the raw folder (real data): defect detection not scored.")
        return pd.DataFrame()
    defects = defects.rename(columns={"file": FILE, "row": ROW})
    # (file, row) and (file, household) pairs as single integers: compared many times below.
    files = pd.Index(pd.concat([defects[FILE], ledger[FILE], persons[FILE]]).unique())

    def key(frame: pd.DataFrame, second: np.ndarray | None = None) -> np.ndarray:
        first = files.get_indexer(frame[FILE]).astype("int64") << 32
        return first | (frame[ROW].to_numpy("int64") if second is None else second)

    # Household of each person row (-1: a row neither among the clean persons nor in a
    # household the registry quarantined as a whole, whose ledger detail is its code).
    household_codes = {r["code"] for r in detection.values() if r.get("unit") == "household"}
    held = ledger[
        ledger["source"].isin(["registry", "monitoring"])
        & (ledger["outcome"] == QUARANTINE)
        & ledger["code"].isin(household_codes)
    ]
    members = pd.concat(
        [
            persons[[FILE, ROW, "household_code"]],
            held[[FILE, ROW]].assign(household_code=household_in_detail(held["detail"])),
        ],
        ignore_index=True,
    ).drop_duplicates([FILE, ROW])
    households = pd.Series(
        pd.factorize(members["household_code"])[0].astype("int64"), index=key(members)
    )

    def unit(frame: pd.DataFrame) -> np.ndarray:
        return key(frame, households.reindex(key(frame), fill_value=-1).to_numpy() & 0xFFFFFFFF)

    by_source = dict(tuple(ledger.groupby("source", sort=False)))
    # A row that must be quarantined for another defect cannot also show a normalised value.
    must_quarantine = key(defects[defects["expected_outcome"] == "quarantine"])
    # Defects several types share a code for (e.g. one person in two households, by 人编号
    # or by ID number): a flag is true when it catches any of them.
    unit_of = {d: (unit if r.get("unit") == "household" else key) for d, r in detection.items()}
    caught_by_code: dict[tuple, list] = {}
    for (defect, source), injected in defects.groupby(["defect", "source"], sort=True):
        if defect in detection and detection[defect]["code"] != "normalised":
            at = (source, detection[defect]["code"])
            caught_by_code.setdefault(at, []).append(unit_of[defect](injected))
    rows = []
    for (defect, source), injected in defects.groupby(["defect", "source"], sort=True):
        if defect not in detection:
            continue
        rule = detection[defect]
        code = rule["code"]
        mine = by_source[source] if source in by_source else ledger.iloc[:0]
        if code == "normalised":
            expected = key(injected)
            expected = expected[~np.isin(expected, must_quarantine)]
            spoiled = mine[
                (mine["outcome"] == QUARANTINE)
                | mine["code"].isin(["unreadable_value", "unknown_code"])
            ]
            caught = ~np.isin(expected, key(spoiled))
            rows.append(
                {
                    "defect": defect,
                    "source": source,
                    "code": code,
                    "unit": "row",
                    "injected": len(expected),
                    "detected": int(caught.sum()),
                    "flagged": None,
                    "true_flags": None,
                }
            )
            continue
        found = mine[mine["code"] == code]
        by = unit_of[defect]
        expected, found = np.unique(by(injected)), np.unique(by(found))
        any_expected = np.concatenate(caught_by_code[(source, code)])
        rows.append(
            {
                "defect": defect,
                "source": source,
                "code": code,
                "unit": rule.get("unit", "row"),
                "injected": len(expected),
                "detected": int(np.isin(expected, found).sum()),
                "flagged": len(found),
                "true_flags": int(np.isin(found, any_expected).sum()),
            }
        )
    scores = pd.DataFrame(rows)
    scores["recall"] = (scores["detected"] / scores["injected"]).round(4)
    scores["precision"] = (scores["true_flags"] / scores["flagged"]).astype(float).round(4)
    return scores


def markdown_report(
    summary: pd.DataFrame,
    by_reason: pd.DataFrame,
    accounting: pd.DataFrame,
    scores: pd.DataFrame,
    reason_codes: dict,
    skipped: pd.DataFrame,
    skip_reasons: dict,
) -> str:
    """The data-quality report for people: accounting, files not read, per-county counts,
    reasons, detection."""

    def table(frame: pd.DataFrame) -> str:
        header = "| " + " | ".join(map(str, frame.columns)) + " |"
        rule = "|" + "|".join("---" for _ in frame.columns) + "|"
        body = [
            "| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |"
            for row in frame.itertuples(index=False)
        ]
        return "\n".join([header, rule, *body])

    totals = by_reason.groupby(["source", "outcome", "code"], as_index=False)["rows"].sum()
    totals["meaning"] = totals["code"].map(reason_codes).fillna("")
    parts = [
        "# Data-quality report",
        "",
        "Every raw row is accounted for: read = clean + quarantined + exact duplicates merged.",
        "Quarantined rows (with their raw values) stay in",
        "`data/02_intermediate/row_issues.parquet`; this report holds counts only.",
        "",
        "## Row accounting",
        "",
        table(accounting.drop(columns="balanced")),
        "",
        "Sources with no file (optional sources may be absent; the pipelines run without them): "
        + (", ".join(accounting.loc[accounting["read"] == 0, "source"]) or "none")
        + ".",
        "",
        "## Files not read",
        "",
        *(
            [table(skipped.assign(meaning=skipped["reason"].map(skip_reasons).fillna("")))]
            if len(skipped)
            else ["Every entry of the raw folder belongs to a source and was read."]
        ),
        "",
        "## By source and county",
        "",
        table(summary),
        "",
        "## Quarantine, flags and duplicates by reason",
        "",
        table(totals),
    ]
    if not scores.empty:
        parts += ["", "## Defect detection against the simulation's truth", "", table(scores)]
    return "\n".join(parts) + "\n"


def json_report(
    summary: pd.DataFrame,
    by_reason: pd.DataFrame,
    accounting: pd.DataFrame,
    scores: pd.DataFrame,
    skipped: pd.DataFrame,
) -> dict:
    """The same content, machine-readable."""
    as_records = lambda f: json.loads(f.to_json(orient="records", force_ascii=False))  # noqa: E731
    return {
        "accounting": as_records(accounting),
        "files_not_read": as_records(skipped),
        "by_source_and_county": as_records(summary),
        "by_reason": as_records(by_reason),
        "defect_detection": as_records(scores) if not scores.empty else [],
    }
