"""The 建档立卡 registry: persons (one row per person-year) and the household record of
each household-year, resolved from the head's row, with consistency flags."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecpa_pipeline.domain import resident_id
from ecpa_pipeline.domain.normalise import (
    by_unique,
    clean_text,
    match_codes,
    parse_bool,
    parse_number,
)
from ecpa_pipeline.domain.registry import HOUSEHOLD_FIELDS

from .ledger import (
    FILE,
    ROW,
    accounting,
    find_duplicates,
    flag,
    outside_ranges,
    quarantine_first,
    read_source,
    screen,
)

SOURCE = "registry"
#: Checks that quarantine a household-year whole; the ledger detail starts with its code.
HOUSEHOLD_CHECKS = ("headless_household", "two_heads", "person_in_two_households")
PERSON_CODES = {
    "relation": "relation",
    "sex": "sex",
    "ethnicity": "ethnicity",
    "education": "education",
    "school_status": "school_status",
    "labour_skill": "labour_skill",
    "migrant_work": "migrant_work",
}
#: Fields of the head's row copied to the household record (as ``head_<field>``).
HEAD_FIELDS = ("person_code", "sex", "age", "ethnicity", "education")
EDUCATION_LEVEL = {
    "文盲或半文盲": 0,
    "小学": 1,
    "初中": 2,
    "高中": 3,
    "中专": 3,
    "大专": 4,
    "本科及以上": 5,
}


def _codes(values: pd.Series, code_list: list[str], variants: dict) -> tuple[pd.Series, pd.Series]:
    return match_codes(values, code_list, variants)


@by_unique
def _health(values: pd.Series, code_list: list[str], variants: dict) -> tuple[pd.Series, pd.Series]:
    """健康状况 may combine conditions (``患有大病,残疾``): each part is matched, then joined."""
    parts = clean_text(values).str.split(r"[,，、;；]").explode()
    matched, bad = match_codes(parts, code_list, variants)
    found = (
        pd.DataFrame({"row": parts.index, "code": matched.to_numpy()})
        .dropna(subset=["code"])
        .drop_duplicates()
        .assign(rank=lambda d: d["code"].map({c: i for i, c in enumerate(code_list)}))
        .sort_values(["row", "rank"])
    )
    # Most people have one condition; only the few combinations need joining.
    n_parts = found["row"].map(found["row"].value_counts())
    single = found[n_parts == 1].set_index("row")["code"]
    multi = found[n_parts > 1].groupby("row")["code"].agg(",".join)
    joined = pd.concat([single, multi])
    unreadable = pd.Series(bad.to_numpy(), index=parts.index).groupby(level=0).any()
    return joined.reindex(values.index), unreadable.reindex(values.index, fill_value=False)


def clean_persons(
    loaders: dict,
    mapping: dict,
    code_lists: dict,
    spec: dict,
    villages: pd.DataFrame,
    source: str = SOURCE,
    household_checks: tuple = (),
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Person rows of the registry (or of another export with its columns, ``source``) →
    persons, with ID checks and household-consistency flags. ``spec["household_columns"]``:
    further head-row fields kept as ``raw_<column>``; ``household_checks``: further checks
    ``(code, check(persons, frame), detail)`` that quarantine whole household-years.

    Returns:
        persons (one row per person and year, household fields still as written), ledger
        entries, accounting row.
    """
    raw = read_source(loaders, mapping, spec, source, year_in_name=True)
    columns = list(mapping)
    dup, dup_entries = find_duplicates(
        raw, [FILE, *columns], source, likely_key=[FILE, "person_code", "id_number"]
    )
    frame = raw.assign(
        household_code=clean_text(raw["household_code"]),
        person_code=clean_text(raw["person_code"]),
        village_code=clean_text(raw["village_code"]),
    )

    # The same person under two households in a year: no listing is trusted over the other,
    # and neither household whole (the contract: which record is current is a question for
    # the township, not a guess).
    def listed_in_another_household(remaining: np.ndarray) -> pd.Series:
        return sharing_a_person(frame.loc[remaining], "person_code")

    def listed_again(remaining: np.ndarray) -> pd.Series:
        return frame.loc[remaining, [FILE, "person_code"]].duplicated(keep="first")

    frame, parts = quarantine_first(
        frame,
        [
            ("missing_key", frame["household_code"].isna() | frame["person_code"].isna(), ""),
            (
                "person_in_two_households",
                listed_in_another_household,
                sharing_detail(frame, "person_code"),
            ),
            ("duplicate_key", listed_again, "person_code"),
        ],
        source,
        columns,
        out=dup,
    )
    ledger = [dup_entries, *parts]
    ledger.append(
        flag(
            frame,
            ~frame["village_code"].isin(villages["village_code"]),
            source,
            "unknown_village",
            frame["village_code"].fillna(""),
        )
    )

    variants = spec.get("code_variants", {})
    coded = {}
    for column, list_name in PERSON_CODES.items():
        coded[column], bad = _codes(frame[column], code_lists[list_name], variants)
        ledger.append(flag(frame, bad, source, "unknown_code", column))
    health, bad_health = _health(frame["health"], code_lists["health"], variants)
    ledger.append(flag(frame, bad_health, source, "unknown_code", "health"))
    months, bad_months = parse_number(frame["migrant_months"])
    insured, bad_insured = parse_bool(frame["critical_illness_insurance"])
    ledger += [
        flag(frame, bad_months, source, "unreadable_value", "migrant_months"),
        flag(frame, bad_insured, source, "unreadable_value", "critical_illness_insurance"),
    ]

    ids = clean_text(frame["id_number"]).fillna("").str.upper()
    ids_arr = ids.to_numpy(dtype=str)
    well_formed = pd.Series(resident_id.well_formed(ids_arr), index=frame.index)
    valid_check = pd.Series(resident_id.valid_check_character(ids_arr), index=frame.index)
    birth = pd.Series(resident_id.birth_dates(ids_arr), index=frame.index).where(well_formed)
    male_by_id = pd.Series(resident_id.is_male(ids_arr), index=frame.index)
    sex = coded["sex"]
    ledger += [
        flag(frame, ~well_formed, source, "id_malformed"),
        flag(frame, well_formed & ~valid_check, source, "id_invalid_check"),
        flag(frame, well_formed & birth.isna(), source, "id_birth_date_invalid"),
        flag(
            frame,
            well_formed & sex.notna() & (male_by_id != (sex == "男")),
            source,
            "id_sex_mismatch",
        ),
        # Within one household (the same ID under another household is quarantined below).
        flag(
            frame,
            well_formed & frame.assign(id=ids).duplicated([FILE, "household_code", "id"]),
            source,
            "duplicate_id_number",
        ),
    ]
    phone = clean_text(frame["phone"])
    ledger.append(
        flag(
            frame,
            phone.notna() & ~phone.str.fullmatch(r"1\d{10}").fillna(False),
            source,
            "bad_phone",
        )
    )

    year = frame["file_year"].astype("int64")
    persons = pd.DataFrame(
        {
            "year": year,
            "village_code": frame["village_code"],
            "household_code": frame["household_code"],
            "person_code": frame["person_code"],
            "name": clean_text(frame["name"]),
            "id_number": ids.where(ids != ""),
            "id_valid": well_formed & valid_check & birth.notna(),
            "phone": phone,
            **{c: coded[c] for c in PERSON_CODES},
            "birth_date": birth,
            "age": year - birth.dt.year,
            # Mapped per category: a dict map on text columns runs element by element.
            "education_level": coded["education"]
            .astype("category")
            .map(EDUCATION_LEVEL)
            .astype(float),
            "health": health,
            "migrant_months": months,
            "critical_illness_insurance": insured,
            FILE: frame[FILE],
            ROW: frame[ROW],
        }
    )
    kept = [*HOUSEHOLD_FIELDS, *spec.get("household_columns", ())]
    persons = persons.join(frame[kept].add_prefix("raw_"))
    passed, parts = screen(
        frame,
        [
            ("out_of_range", *outside_ranges(persons, spec["value_ranges"])),
            *_wrongly_listed(persons, well_formed),
            *((code, check(persons, frame), detail) for code, check, detail in household_checks),
        ],
        source,
        columns,
    )
    persons = persons.take(passed)
    ledger = pd.concat([*ledger, *parts], ignore_index=True)
    return (
        persons.reset_index(drop=True),
        ledger,
        accounting(source, len(raw), len(persons), ledger),
    )


def in_two_households(rows: pd.DataFrame, person: str) -> pd.Series:
    """Every row of a person (``person``: the column that names one) listed under more than
    one household in the same file — all of them, not the later ones only."""
    listed = rows[rows[person].notna() & rows.duplicated([FILE, person], keep=False)]
    households = listed.groupby([FILE, person])["household_code"].transform("nunique")
    return (households > 1).reindex(rows.index, fill_value=False)


def sharing_a_person(rows: pd.DataFrame, person: str) -> pd.Series:
    """Every row of a household-year (one file) that lists a person another household of
    that file lists too: which household the person belongs to is for the township to say,
    and a household missing a member would be counted wrongly (size, income per person)."""
    shared = rows.loc[in_two_households(rows, person), [FILE, "household_code"]]
    households = pd.MultiIndex.from_frame(shared.drop_duplicates())
    return pd.Series(
        pd.MultiIndex.from_frame(rows[[FILE, "household_code"]]).isin(households),
        index=rows.index,
    )


def sharing_detail(rows: pd.DataFrame, person: str) -> pd.Series:
    """The ledger detail of ``sharing_a_person``: the row's household, then the households it
    shares a person with (``5201… (shares a person with 5201…)``); '' elsewhere."""
    shared = rows.loc[in_two_households(rows, person), [FILE, person, "household_code"]]
    detail = pd.Series("", index=rows.index, dtype="str")
    if shared.empty:
        return detail
    pairs = shared.drop_duplicates().merge(shared, on=[FILE, person], suffixes=("", "_other"))
    pairs = pairs[pairs["household_code"] != pairs["household_code_other"]]
    others = pairs.groupby([FILE, "household_code"])["household_code_other"].agg(
        lambda codes: ", ".join(sorted(set(codes)))
    )
    keys = pd.MultiIndex.from_frame(rows[[FILE, "household_code"]])
    found = others.reindex(keys).to_numpy()
    named = pd.notna(found)
    detail[named] = (
        rows.loc[named, "household_code"] + " (shares a person with " + found[named] + ")"
    )
    return detail


def _wrongly_listed(persons: pd.DataFrame, well_formed: pd.Series) -> list[tuple]:
    """Checks of rows whose use would count a person or household wrongly (contract: quarantine,
    never repair): the same ID number under a second household of the same year, and every
    row of a household-year with no head (户主) or with two. Each check looks at the rows
    still in, so a household whose only head row was quarantined has no head."""
    household = [FILE, "household_code"]
    is_head = persons["relation"].eq("户主").fillna(False)
    # Only a well-formed ID number names a person (a malformed one links nobody).
    by_id = persons[[*household, "id_number"]].assign(
        id_number=persons["id_number"].where(well_formed)
    )

    def id_in_another_household(remaining: np.ndarray) -> pd.Series:
        return sharing_a_person(by_id.loc[remaining], "id_number")

    def heads(remaining: np.ndarray) -> pd.Series:
        keys = [persons.loc[remaining, c] for c in household]
        return is_head[remaining].groupby(keys).transform("sum")

    return [
        (
            "person_in_two_households",
            id_in_another_household,
            sharing_detail(by_id, "id_number"),
        ),
        (HOUSEHOLD_CHECKS[0], lambda remaining: heads(remaining) == 0, persons["household_code"]),
        (HOUSEHOLD_CHECKS[1], lambda remaining: heads(remaining) > 1, persons["household_code"]),
    ]


def _household_values(persons: pd.DataFrame, code_lists: dict, spec: dict) -> pd.DataFrame:
    """Parsed household fields of every row that carries them (NA where left blank)."""
    variants = spec.get("code_variants", {})
    values = pd.DataFrame(index=persons.index)
    for column in ("household_size", "exit_year", "income_per_capita"):
        values[column] = parse_number(persons[f"raw_{column}"])[0]
    for column, list_name in (
        ("household_status", spec.get("status_codes", "household_status")),
        ("household_type", "household_type"),
        ("main_cause", "cause"),
        ("second_cause", "cause"),
    ):
        values[column] = match_codes(persons[f"raw_{column}"], code_lists[list_name], variants)[0]
    for column in ("unsafe_housing", "safe_water", "water_difficulty"):
        values[column] = parse_bool(persons[f"raw_{column}"])[0]
    return values


def resolve_households(
    persons: pd.DataFrame, code_lists: dict, spec: dict, source: str = SOURCE
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One record per household-year, its fields from the head's row (``clean_persons``
    leaves exactly one head per household); flags members who disagree with the record and
    household sizes that disagree with the member count.

    Returns:
        registry households (sorted by file and household code) and ledger entries (flags).
    """
    values = _household_values(persons, code_lists, spec)
    # Households as dense integers in (file, household code) order: the work below is
    # positional, on arrays of person rows.
    file_codes = pd.factorize(persons[FILE], sort=True)[0]
    household_codes = pd.factorize(persons["household_code"], sort=True)[0]
    household = np.unique(
        file_codes.astype("int64") * (household_codes.max(initial=0) + 1) + household_codes,
        return_inverse=True,
    )[1]
    is_head = persons["relation"].eq("户主").fillna(False).to_numpy(bool)
    heads = np.bincount(household, weights=is_head)
    if not (heads == 1).all():  # the promise of clean_persons
        raise ValueError("resolve_households needs exactly one head per household-year")
    head_rows = np.flatnonzero(is_head)
    authority = head_rows[np.argsort(household[head_rows], kind="stable")]
    authority_of = authority[household]
    head = persons.take(authority)
    ledger = []
    # Members repeating a field with another value than the household record.
    members = np.flatnonzero(~is_head)
    differs = np.column_stack(
        [
            _differs(
                values[c].take(members).reset_index(drop=True),
                values[c].take(authority_of[members]).reset_index(drop=True),
            )
            for c in HOUSEHOLD_FIELDS
        ]
    )
    disagree = differs.any(axis=1)
    which = pd.Series("", index=persons.index, dtype="str")
    which.iloc[members[disagree]] = [
        " ".join(c for c, d in zip(HOUSEHOLD_FIELDS, row, strict=True) if d)
        for row in differs[disagree]
    ]
    disagrees = np.zeros(len(persons), dtype=bool)
    disagrees[members[disagree]] = True
    ledger.append(flag(persons, disagrees, source, "member_disagrees", which))

    head = head.reset_index(drop=True)
    dropout = persons["school_status"].eq("辍学").fillna(False).to_numpy(bool)
    insured = persons["critical_illness_insurance"].fillna(False).to_numpy(bool)
    households = pd.DataFrame(
        {
            "year": head["year"],
            "village_code": head["village_code"],
            "household_code": head["household_code"],
            **{f"head_{c}": head[c] for c in HEAD_FIELDS},
            # Yes/no fields as objects (True, False, <NA>): what ``build_households`` reads.
            **{
                c: values[c]
                .take(authority)
                .reset_index(drop=True)
                .astype(object if values[c].dtype == "boolean" else values[c].dtype)
                for c in HOUSEHOLD_FIELDS
            },
            FILE: head[FILE],
            ROW: head[ROW],
            "member_count": np.bincount(household).astype("int64"),
            "dropouts": np.bincount(household, weights=dropout).astype("int64"),
            "all_insured": np.bincount(household, weights=~insured) == 0,
        }
    )
    size_off = households["household_size"].notna() & (
        households["household_size"] != households["member_count"]
    )
    ledger.append(
        flag(households, size_off, source, "size_mismatch", households["member_count"].astype(str))
    )
    households = households.rename(columns={"income_per_capita": "income_per_capita_registry"})
    return households, pd.concat(ledger, ignore_index=True)


def _differs(mine: pd.Series, theirs: pd.Series) -> np.ndarray:
    """Where both values are known and differ."""
    return (mine.notna() & theirs.notna() & mine.ne(theirs).fillna(False)).to_numpy(bool)
