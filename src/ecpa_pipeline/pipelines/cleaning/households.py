"""Household income records, and the household-year table: income recomputed from its
components, the year's poverty line, 两不愁三保障 indicators and the status history."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecpa_pipeline.datasets import RawFileError
from ecpa_pipeline.domain.normalise import (
    by_unique,
    clean_text,
    match_codes,
    parse_bool,
    parse_number,
)

from .ledger import (
    FILE,
    ROW,
    accounting,
    find_duplicates,
    flag,
    quarantine_first,
    read_source,
    screen_ranges,
)

SOURCE = "income"
MONEY = [
    "wage_income",
    "business_income",
    "business_cost",
    "property_income",
    "transfer_income",
    "ecommerce_income",
]
MEASURES = ["farmland_mu", "forest_mu", "housing_m2", "road_distance_km"]
POOR_STATUSES = ("贫困户", "新识别贫困户", "返贫户")


def _assistance(
    values: pd.Series, measures: dict[str, str], prefix: str = "assist_"
) -> tuple[pd.DataFrame, pd.Series]:
    """帮扶措施 lists (any of ; ； , 、) → one boolean column per measure, and unknown items."""
    *given, unknown = _assistance_items(values, tuple(measures))
    keys = [f"{prefix}{key}" for key in measures.values()]
    return pd.DataFrame(dict(zip(keys, given, strict=True)), index=values.index), unknown


@by_unique
def _assistance_items(values: pd.Series, names: tuple[str, ...]) -> tuple[pd.Series, ...]:
    """Per cell: whether it lists each measure of ``names``, then whether it lists an
    unknown one (once per distinct list: the same few combinations repeat)."""
    parts = clean_text(values).str.split(r"[;；,，、]").explode().str.strip()
    parts = parts[parts.fillna("") != ""]
    matched, bad = match_codes(parts, list(names))
    return tuple(
        found.groupby(level=0).any().reindex(values.index, fill_value=False)
        for found in (*(matched == name for name in names), bad)
    )


def clean_income(
    loaders: dict,
    mapping: dict,
    code_lists: dict,
    spec: dict,
    registry_households: pd.DataFrame,
    quarantined_households: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Income survey rows → household_income (one row per household-year).

    ``quarantined_households`` (``file_year``, ``household_code``): households the registry
    quarantined that year; their income rows are quarantined as ``household_quarantined``.

    Raises:
        RawFileError: when most rows of a file carry another year than its name.

    Returns:
        household_income, ledger entries, accounting row.
    """
    raw = read_source(loaders, mapping, spec, SOURCE, year_in_name=True)
    columns = list(mapping)
    raw = raw.assign(household_code=clean_text(raw["household_code"]))
    known = registry_households[["year", "household_code", "village_code"]].rename(
        columns={"year": "file_year"}
    )
    raw = raw.merge(known, on=["file_year", "household_code"], how="left", validate="many_to_one")
    held = raw[["file_year", "household_code"]].merge(
        quarantined_households.assign(held=True), how="left", on=["file_year", "household_code"]
    )["held"]
    held = pd.Series(held.fillna(False).to_numpy(bool), index=raw.index)
    dup, dup_entries = find_duplicates(
        raw, [FILE, *columns], SOURCE, likely_key=[FILE, "household_code"]
    )
    year, _ = parse_number(raw["year"])
    wrong_year = year.notna() & (year != raw["file_year"])
    share = wrong_year[~dup].groupby(raw[FILE][~dup]).mean()
    if (share > 0.5).any():
        file = share[share > 0.5].index[0]
        in_file = ~dup & (raw[FILE] == file).to_numpy()
        rows_year = int(year[in_file].mode().iloc[0])
        named = raw.loc[in_file, "file_year"].iloc[0]
        raise RawFileError(file, f"the file name says {named} but its rows say {rows_year}")

    def listed_again(remaining: np.ndarray) -> pd.Series:
        return raw.loc[remaining, [FILE, "household_code"]].duplicated()

    frame, parts = quarantine_first(
        raw,
        [
            ("year_mismatch", wrong_year | year.isna(), ""),
            ("missing_key", raw["household_code"].isna(), ""),
            ("household_quarantined", held, raw["household_code"]),
            ("unknown_household", raw["village_code"].isna(), raw["household_code"]),
            # Depends on which rows remain: after the row-wise checks.
            ("duplicate_key", listed_again, "household_code"),
        ],
        SOURCE,
        columns,
        out=dup,
    )
    ledger = [dup_entries, *parts]

    values = {}
    for column in MONEY + MEASURES:
        values[column], bad = parse_number(frame[column])
        ledger.append(flag(frame, bad, SOURCE, "unreadable_value", column))
    cooperative, bad = parse_bool(frame["cooperative_member"])
    ledger.append(flag(frame, bad, SOURCE, "unreadable_value", "cooperative_member"))
    access_road, bad = match_codes(frame["access_road"], code_lists["access_road"])
    ledger.append(flag(frame, bad, SOURCE, "unknown_code", "access_road"))
    mode, bad = match_codes(frame["ecommerce_mode"], code_lists["ecommerce_mode"])
    ledger.append(flag(frame, bad, SOURCE, "unknown_code", "ecommerce_mode"))
    assistance, bad = _assistance(frame["assistance"], spec["assistance_measures"])
    ledger.append(flag(frame, bad, SOURCE, "unknown_code", "assistance"))

    income = pd.DataFrame(
        {
            "year": frame["file_year"].astype("int64"),
            "household_code": frame["household_code"],
            "village_code": frame["village_code"],
            **values,
            "cooperative_member": cooperative,
            "access_road": access_road,
            "ecommerce_mode": mode,
            FILE: frame[FILE],
            ROW: frame[ROW],
        }
    ).join(assistance)
    income, in_range = screen_ranges(income, frame, spec["value_ranges"], SOURCE, columns)
    ledger = pd.concat([*ledger, *in_range], ignore_index=True)
    return income.reset_index(drop=True), ledger, accounting(SOURCE, len(raw), len(income), ledger)


def build_households(
    registry_households: pd.DataFrame,
    household_income: pd.DataFrame,
    poverty_line: dict,
    spec: dict,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The household-year table: registry record + income + line + guarantees + history.

    Per-capita net income = (wage + business − cost + property + transfer) / household size
    (the member count where the recorded size disagrees with it). A registry figure more than
    ``income_tolerance`` off is flagged, never overwritten.

    Returns:
        households and ledger entries (``income_mismatch`` flags on the registry record's row).
    """
    hh, ledger = with_income(registry_households, household_income, spec, "registry")
    hh["poverty_line"] = line_of_year(hh["year"], poverty_line, "poverty_line")
    hh["income_to_line"] = hh["income_per_capita"] / hh["poverty_line"]
    # 两不愁三保障. Food and clothing are not surveyed: income at or above the line stands in.
    hh["food_clothing_secure"] = hh["income_per_capita"] >= hh["poverty_line"]
    hh["education_secure"] = hh["dropouts"] == 0
    hh["medical_secure"] = hh["all_insured"]
    hh["housing_secure"] = hh["unsafe_housing"].eq(False)
    hh["water_secure"] = hh["safe_water"].eq(True) & hh["water_difficulty"].eq(False)
    guarantees = [
        "food_clothing_secure",
        "education_secure",
        "medical_secure",
        "housing_secure",
        "water_secure",
    ]
    hh["guarantees_met"] = hh[guarantees].all(axis=1)
    hh["unmet_guarantees"] = hh[guarantees].eq(False).sum(axis=1)
    return status_history(hh), ledger


def with_income(
    records: pd.DataFrame, household_income: pd.DataFrame, spec: dict, source: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Household records (registry or monitoring) + their income record: net income and
    per-capita net income = (wage + business − cost + property + transfer) / household size
    (the member count where the recorded size disagrees with it). A recorded per-capita
    income more than ``income_tolerance`` off is flagged (``income_mismatch``), never
    overwritten.

    Returns:
        the records with income, and ledger entries.
    """
    income = household_income.drop(columns=["village_code", FILE, ROW])
    hh = records.merge(income, on=["year", "household_code"], how="left", validate="one_to_one")
    size = hh["household_size"].where(
        hh["household_size"] == hh["member_count"], hh["member_count"]
    )
    net = (
        hh["wage_income"]
        + hh["business_income"]
        - hh["business_cost"]
        + hh["property_income"]
        + hh["transfer_income"]
    )
    hh["net_income"] = net
    hh["income_per_capita"] = net / size
    gap = (hh["income_per_capita_registry"] - hh["income_per_capita"]).abs() / hh[
        "income_per_capita"
    ].abs()
    mismatch = gap > spec["income_tolerance"]
    return hh, flag(hh, mismatch, source, "income_mismatch", gap.round(3).astype(str))


def line_of_year(years: pd.Series, lines: dict, name: str) -> pd.Series:
    """Each year's line from the parameter ``name`` (``{year: yuan}``).

    Raises:
        ValueError: a year the parameter has no value for.
    """
    by_year = {int(k): float(v) for k, v in lines.items()}
    unknown_years = sorted(set(years) - set(by_year))
    if unknown_years:
        raise ValueError(f"{name} in parameters has no value for year(s) {unknown_years}")
    return years.map(by_year)


def status_history(households: pd.DataFrame) -> pd.DataFrame:
    """Each household-year's previous status, first registered year, years registered and
    the change this year: new, exit, return, removed or unchanged."""
    hh = households.sort_values(["household_code", "year"], kind="stable").reset_index(drop=True)
    by = hh.groupby("household_code", sort=False)
    hh["previous_status"] = by["household_status"].shift(1)
    hh["first_year"] = by["year"].transform("min")
    hh["years_registered"] = hh["year"] - hh["first_year"]
    status = hh["household_status"]
    exited_now = (status == "脱贫户") & (hh["exit_year"] == hh["year"])
    # The event of the year; a household first seen in its exit year counts as an exit.
    hh["status_change"] = np.select(
        [
            status == "清退户",
            exited_now,
            (status == "返贫户") & (hh["previous_status"] != "返贫户"),
            hh["previous_status"].isna(),
        ],
        ["removed", "exit", "return", "new"],
        "unchanged",
    )
    hh["registered_poor"] = status.isin(POOR_STATUSES)
    return hh
