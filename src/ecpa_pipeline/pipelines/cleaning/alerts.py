"""Department alert pushes (``alerts/<YYYYMM>_<部门>.csv|xlsx``, contract §10, optional):
every clue read, validated and accounted for, its person linked to a household of the
registry or the monitoring export by ID number (the name and village as second key), and a
clue about a resident neither lists marked a new-household candidate.

The clean table ``alerts`` holds no name or ID number; those stay in the restricted table
``alert_identities`` (one row per clean clue), for the visit lists.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecpa_pipeline.domain import resident_id
from ecpa_pipeline.domain.normalise import clean_text, parse_date, parse_number

from .ledger import (
    FILE,
    ROW,
    accounting,
    empty_issues,
    flag,
    quarantine_first,
    read_source,
    split_duplicates,
)

SOURCE = "alerts"
#: ``<YYYYMM>_<部门>`` at the end of a file's path (any subfolder: a month sent again).
FILE_NAME = r"(?:^|/)(\d{6})_([^/_.]+)\.(?:csv|xlsx)$"
#: Suffixes departments write after a village's name (the longest first).
VILLAGE_SUFFIXES = r"(?:村民委员会|村委会|居委会|社区|村)$"
#: Traditional characters of names and their simplified forms (a name written in 繁体).
TRADITIONAL = str.maketrans(
    "劉陳張楊黃趙吳鄭謝許韓馮鄧羅葉蘇盧鍾瀋薑陸賈華國強軍蘭紅麗鳳貴榮剛傑濤輝靜艷飛鵬陽偉",
    "刘陈张杨黄赵吴郑谢许韩冯邓罗叶苏卢钟沈姜陆贾华国强军兰红丽凤贵荣刚杰涛辉静艳飞鹏阳伟",
)


def no_alerts() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The clean table and the restricted identities of a county without alert files."""
    alerts = pd.DataFrame(
        {
            "push_month": pd.Series(dtype="int64"),
            "department": pd.Series(dtype="str"),
            "alert_type": pd.Series(dtype="str"),
            "event_date": pd.Series(dtype="datetime64[ns]"),
            "amount": pd.Series(dtype="float64"),
            "village_code": pd.Series(dtype="str"),
            "household_code": pd.Series(dtype="str"),
            "person_code": pd.Series(dtype="str"),
            "linked_by": pd.Series(dtype="str"),
            "candidate": pd.Series(dtype="bool"),
            "episode": pd.Series(dtype="int64"),
            "push_number": pd.Series(dtype="int64"),
            FILE: pd.Series(dtype="str"),
            ROW: pd.Series(dtype="int64"),
        }
    )
    return alerts, _identities(alerts.assign(name="", id_number=""))


def _identities(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": (frame["push_month"] // 100).astype("int64"),
            FILE: frame[FILE].astype("str"),
            ROW: frame[ROW].astype("int64"),
            "name": frame["name"].astype("str"),
            "id_number": frame["id_number"].astype("str"),
        }
    )


def month_in_name(files: pd.Series) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """``<YYYYMM>_<name>`` of each file: the two parts, the month as a number and whether it
    is a real month."""
    named = files.str.extract(FILE_NAME)
    month = pd.to_numeric(named[0], errors="coerce")
    return named, month, month.between(190001, 210012) & (month % 100).between(1, 12)


def resident_ids(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """ID numbers as departments and townships write them → 18 characters (15-digit numbers
    converted, a lower-case x raised), and whether each is well formed."""
    text = clean_text(values).fillna("").str.upper().to_numpy()
    ids = pd.Series(resident_id.upgrade_15(text), index=values.index, dtype="str")
    return ids, pd.Series(resident_id.well_formed(ids.to_numpy(dtype=str)), index=values.index)


def village_key(names: pd.Series) -> pd.Series:
    """A village's name without the suffix departments vary (村, 村委会, 社区 …)."""
    return clean_text(names).fillna("").str.replace(VILLAGE_SUFFIXES, "", regex=True)


def match_villages(
    township: pd.Series, village: pd.Series, villages: pd.DataFrame
) -> tuple[pd.Series, pd.Series]:
    """Each clue's village code by its township and village names (suffixes aside): by both
    where the township is given and known, else by the village name alone when one village
    of the county has it. Returns the codes (NA where none or several) and, where several
    villages carry the name, the candidates in words (``乙镇 清田村 520122102201 | …``)."""
    table = villages.assign(
        _village=village_key(villages["village"]), _township=clean_text(villages["township"])
    )
    key = village_key(village)
    town = clean_text(township).fillna("")
    by_both = table.drop_duplicates(["_township", "_village"]).set_index(["_township", "_village"])
    code = pd.Series(
        by_both["village_code"].reindex(pd.MultiIndex.from_arrays([town, key])).to_numpy(),
        index=village.index,
        dtype="str",
    )
    per_name = table.groupby("_village")["village_code"]
    unique = per_name.first()[per_name.size() == 1]
    by_name = key.map(unique)
    code = code.fillna(by_name.where(~town.isin(table["_township"])))
    several = per_name.size()[per_name.size() > 1]
    words = (
        (table["township"] + " " + table["village"] + " " + table["village_code"])
        .groupby(table["_village"])
        .agg(" | ".join)
    )
    ambiguous = code.isna() & key.isin(several.index)
    return code, key.map(words).where(ambiguous)


def residents_of(identities: pd.DataFrame, *persons: pd.DataFrame) -> pd.DataFrame:
    """Every person on record with a village: the restricted identities (name, ID number) of
    the registry and the monitoring export joined to the person tables' village."""
    places = pd.concat([p[["year", "person_code", "village_code"]] for p in persons])
    places = places.drop_duplicates(["year", "person_code"])
    return identities.merge(places, on=["year", "person_code"], how="inner")


def link_people(
    ids: pd.Series, names: pd.Series, village_code: pd.Series, residents: pd.DataFrame
) -> pd.DataFrame:
    """The registry or monitoring person each clue names: by ID number (its latest record),
    else — an ID that fails its check — by name within the clue's village when one person
    there has it. ``residents``: ``residents_of``. Columns ``household_code``,
    ``person_code``, ``name_on_record``, ``linked_by`` (``id_number``, ``name_and_village``
    or '')."""
    known = residents[residents["id_number"].notna()].sort_values("year", kind="stable")
    latest = known.drop_duplicates("id_number", keep="last").set_index("id_number")
    on_record = latest[["household_code", "person_code", "name"]].reindex(ids.to_numpy())
    out = pd.DataFrame(
        {
            "household_code": on_record["household_code"].to_numpy(),
            "person_code": on_record["person_code"].to_numpy(),
            "name_on_record": on_record["name"].to_numpy(),
        },
        index=ids.index,
    )
    out["linked_by"] = np.where(out["household_code"].notna(), "id_number", "")
    people = known.drop_duplicates("person_code", keep="last")
    unique = people[~people.duplicated(["village_code", "name"], keep=False)]
    by_name = unique.set_index(["village_code", "name"])[["household_code", "person_code"]]
    valid = resident_id.valid_check_character(ids.to_numpy(dtype=str))
    todo = out["household_code"].isna().to_numpy() & ~valid
    if todo.any():
        key = pd.MultiIndex.from_arrays([village_code[todo], names[todo]])
        found = by_name.reindex(key).to_numpy()
        out.loc[todo, ["household_code", "person_code"]] = found
        hit = todo & out["household_code"].notna().to_numpy()
        out.loc[hit, "linked_by"] = "name_and_village"
        out.loc[hit, "name_on_record"] = names[hit].to_numpy()
    return out


def episodes(
    ids: pd.Series, department: pd.Series, alert_type: pd.Series, event, push_month
) -> tuple[np.ndarray, np.ndarray]:
    """One episode per person, department, alert type and event date: 医保 pushes a stay again
    every month while its cumulative cost rises, and those rows are one clue. Returns each
    row's episode number (0, 1, … in order of the keys) and its push's number within the
    episode (1 for the first push month)."""
    key = pd.DataFrame(
        {"id": ids.to_numpy(), "department": department.to_numpy(), "type": alert_type.to_numpy()}
    ).assign(event=np.asarray(event), month=np.asarray(push_month))
    episode = key.groupby(["id", "department", "type", "event"], sort=True).ngroup().to_numpy()
    order = key.assign(episode=episode).sort_values(["episode", "month"], kind="stable")
    number = order.groupby("episode").cumcount() + 1
    return episode.astype("int64"), number.reindex(key.index).to_numpy("int64")


def clean_alerts(
    loaders: dict,
    mapping: dict,
    code_lists: dict,
    spec: dict,
    villages: pd.DataFrame,
    residents: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The departments' clues → ``alerts`` and ``alert_identities`` (``residents``: the
    people on record, ``residents_of``).

    Quarantined: a file not named ``<YYYYMM>_<部门>``, a department outside the code list or
    other than the file's, an alert type outside the code list, an ID number of neither 18
    nor 15 digits, an unreadable event date or one after the push month, an unreadable
    amount, a village no village of the county is called (or several are: the candidates
    named). Merged: a row repeated (the month's file sent again). Flagged: 推送月份 other
    than the file's month (the file's is kept), an ID that fails its check character, a name
    other than the one on record (in traditional script, or another character). Normalised:
    15-digit IDs (→ 18), a lower-case x, village suffixes.

    Returns:
        alerts, alert_identities (restricted), ledger entries, accounting row.
    """
    if not loaders:
        alerts, people = no_alerts()
        return alerts, people, empty_issues(), accounting(SOURCE, 0, 0, empty_issues())
    raw = read_source(loaders, mapping, spec, SOURCE)
    columns = list(mapping)
    frame, duplicates = split_duplicates(raw, columns, SOURCE)
    named, file_month, month_ok = month_in_name(frame[FILE])
    department = clean_text(frame["department"]).fillna("")
    alert_type = clean_text(frame["alert_type"]).fillna("")
    ids, well_formed = resident_ids(frame["id_number"])
    event, bad_event = parse_date(frame["event_date"])
    amount, bad_amount = parse_number(frame["amount"])
    month_end = pd.to_datetime(
        file_month.where(month_ok).astype("Int64").astype("str"), format="%Y%m", errors="coerce"
    ) + pd.offsets.MonthEnd(0)
    village_code, candidates = match_villages(
        frame["township_name"], frame["village_name"], villages
    )
    frame, ledger = quarantine_first(
        frame,
        [
            ("file_name_not_month_department", ~month_ok, frame[FILE]),
            ("unknown_department", ~department.isin(code_lists["alert_department"]), department),
            ("department_disagrees_with_file", department != named[1].fillna(""), department),
            ("unknown_alert_type", ~alert_type.isin(code_lists["alert_type"]), alert_type),
            ("bad_id_number", ~well_formed, ""),
            ("bad_date", bad_event | event.isna(), frame["event_date"]),
            ("event_after_push", event > month_end + pd.Timedelta(days=1) - pd.Timedelta(1), ""),
            ("unreadable_amount", bad_amount | (amount < 0), frame["amount"]),
            ("ambiguous_village", candidates.notna(), candidates.fillna("")),
            ("unknown_village", village_code.isna(), frame["village_name"]),
        ],
        SOURCE,
        columns,
    )
    keep = frame.index
    name = clean_text(frame["name"]).fillna("")
    linked = link_people(ids[keep], name, village_code[keep], residents)
    on_record = linked["name_on_record"].fillna("")
    simplified = name.str.translate(TRADITIONAL)
    traditional = (simplified != name) & ((on_record == "") | (simplified == on_record))
    differs = (on_record != "") & (name != on_record) & ~traditional
    push_month_text = clean_text(frame["push_month"]).fillna("")
    ledger += [
        duplicates,
        flag(frame, push_month_text != named.loc[keep, 0], SOURCE, "push_month_disagrees"),
        flag(
            frame,
            ~pd.Series(resident_id.valid_check_character(ids[keep].to_numpy(str)), index=keep),
            SOURCE,
            "id_invalid_check",
        ),
        flag(frame, traditional, SOURCE, "name_traditional"),
        flag(frame, differs, SOURCE, "name_differs_from_record"),
    ]
    episode, push_number = episodes(
        ids[keep], department[keep], alert_type[keep], event[keep], file_month[keep]
    )
    alerts = pd.DataFrame(
        {
            "push_month": file_month[keep].astype("int64"),
            "department": department[keep],
            "alert_type": alert_type[keep],
            "event_date": event[keep],
            "amount": amount[keep].astype(float),
            "village_code": village_code[keep],
            "household_code": linked["household_code"].astype("str"),
            "person_code": linked["person_code"].astype("str"),
            "linked_by": linked["linked_by"],
            "candidate": linked["household_code"].isna(),
            "episode": episode,
            "push_number": push_number,
            FILE: frame[FILE],
            ROW: frame[ROW].astype("int64"),
        }
    ).reset_index(drop=True)
    people = _identities(alerts.assign(name=name.to_numpy(), id_number=ids[keep].to_numpy()))
    issues = pd.concat([e for e in ledger if len(e)] or [empty_issues()], ignore_index=True)
    return alerts, people, issues, accounting(SOURCE, len(raw), len(alerts), issues)
