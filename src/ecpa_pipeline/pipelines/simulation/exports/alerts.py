"""Department alert pushes (raw-data contract §10): one file per department and month,
``alerts/<YYYYMM>_<部门>.csv``, as each department writes it, with the defects §10 names."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecpa_pipeline.domain import resident_id

from ..alerts import DEPARTMENTS
from ..defects import MARK, mark, pick, with_marks
from . import _num

#: Simplified characters of common names and their traditional forms (繁体).
TRADITIONAL = str.maketrans(
    "刘陈张杨黄赵吴郑梁谢许韩冯邓罗叶苏卢钟沈姜崔陆汪贾夏华国强军兰红梅丽凤贵荣祥刚杰涛辉静燕霞娟艳丹婷飞鹏宇浩阳洋磊鑫波亮伟",
    "劉陳張楊黃趙吳鄭梁謝許韓馮鄧羅葉蘇盧鍾瀋薑崔陸汪賈夏華國強軍蘭紅梅麗鳳貴榮祥剛傑濤輝靜燕霞娟艷丹婷飛鵬宇浩陽洋磊鑫波亮偉",
)
#: A homophone (同音字) per common given-name character, as a clerk might type it.
HOMOPHONE = str.maketrans(
    "明华建国强文平军志英秀兰红梅芳丽玉珍海林云光成永福春生金安荣勇刚斌杰涛辉敏静燕霞萍琴艳丹婷雪飞鹏宇浩阳洋磊波超亮伟",
    "铭桦健帼蔷雯萍钧智瑛绣岚鸿玫方莉钰贞瀚琳芸广诚咏富椿升锦桉蓉涌钢彬洁韬晖闽婧艳侠苹芹燕旦亭薛菲朋雨昊扬阳蕾博朝靓玮",
)
#: What departments add of their own (readable, never required).
EXTRA = {"医保": "住院次数", "残联": "残疾等级", "民政": "保障类别"}


def alert_rows(
    pushes: pd.DataFrame,
    people_ids: pd.DataFrame,
    population: pd.DataFrame,
    villages: pd.DataFrame,
    rates: dict,
    rng,
) -> pd.DataFrame:
    """The pushes as departments write them, in English columns, with row defects marked:
    ID numbers with a failing check character, old 15-digit numbers, lower-case x; names in
    a homophone or traditional script; village names with another suffix or unknown; an event
    dated after its push month."""
    person = pushes["person_row"].to_numpy()
    household = population.iloc[pushes["household_idx"].to_numpy()]
    village = villages.iloc[household["village_idx"].to_numpy()]
    event_month = pushes["event_month"].to_numpy()
    event_year = pushes["year"].to_numpy()
    rows = with_marks(
        pd.DataFrame(
            {
                "department": pushes["department"].to_numpy(),
                "push_month": pushes["push_month"].astype(str).to_numpy(),
                "name": people_ids["name"].to_numpy()[person],
                "id_number": people_ids["id_number"].to_numpy()[person],
                "township_name": village["township"].to_numpy(),
                "village_name": village["village"].to_numpy(),
                "alert_type": pushes["alert_type"].to_numpy(),
                "event_date": pd.Series(event_year).astype(str).to_numpy()
                + "-"
                + pd.Series(event_month).astype(str).str.zfill(2).to_numpy()
                + "-"
                + pushes["event_day"].astype(str).str.zfill(2).to_numpy(),
                "amount": np.where(pushes["amount"].to_numpy() > 0, _num(pushes["amount"]), ""),
                "note": "",
            }
        )
    )
    n = len(rows)
    clean = lambda: rows[MARK].to_numpy() == ""  # noqa: E731
    ids = rows["id_number"].astype(str)
    # A typo in the ID: one of the first 17 digits changed, the check character kept (a
    # change that happens to keep it valid is not made).
    typo = pick(rng, n, rates["alerts_id_check_failed"], clean())
    position, digit = rng.integers(6, 17, n), rng.integers(0, 10, n).astype(str)
    at = np.flatnonzero(typo)
    changed = np.array(
        [ids.iloc[i][: position[i]] + digit[i] + ids.iloc[i][position[i] + 1 :] for i in at],
        dtype=object,
    )  # ~1 % of the rows
    fails = ~resident_id.valid_check_character(changed) if len(at) else np.zeros(0, bool)
    ids.iloc[at[fails]] = changed[fails]
    typo[at[~fails]] = False
    mark(rows, typo, "alerts_id_check_failed")
    # Old 15-digit numbers: the century and the check character dropped (born before 2000).
    born_19 = ids.str.slice(6, 8).eq("19").to_numpy()
    old = pick(rng, n, rates["alerts_id_old_15_digit"], clean() & born_19)
    ids[old] = ids[old].str.slice(0, 6) + ids[old].str.slice(8, 17)
    mark(rows, old, "alerts_id_old_15_digit")
    lower = pick(rng, n, rates["alerts_id_lower_x"], clean() & ids.str.endswith("X").to_numpy())
    ids[lower] = ids[lower].str.lower()
    mark(rows, lower, "alerts_id_lower_x")
    rows["id_number"] = ids
    names = rows["name"].astype(str)
    homophone = names.str.slice(1).str.translate(HOMOPHONE) != names.str.slice(1)
    # A homophone is a defect only against a name on record: among residents the monitoring
    # export lists (of one never listed, the clue's name is all there is).
    listed = pushes["in_system"].to_numpy(bool)
    sound = pick(rng, n, rates["alerts_name_homophone"], clean() & homophone.to_numpy() & listed)
    first, given = names[sound].str.slice(0, 1), names[sound].str.slice(1)
    rows.loc[sound, "name"] = first + given.str.translate(HOMOPHONE)
    mark(rows, sound, "alerts_name_homophone")
    traditional = names.str.translate(TRADITIONAL) != names
    script = pick(rng, n, rates["alerts_name_traditional"], clean() & traditional.to_numpy())
    rows.loc[script, "name"] = names[script].str.translate(TRADITIONAL)
    mark(rows, script, "alerts_name_traditional")
    # Village names: another suffix (村委会, 社区, none), or a name that matches no village.
    base = rows["village_name"].astype(str).str.removesuffix("村")
    suffix = np.array(["村委会", "社区", ""])[rng.integers(0, 3, n)]
    variant = pick(rng, n, rates["alerts_village_suffix"], clean())
    rows.loc[variant, "village_name"] = base[variant] + suffix[variant]
    mark(rows, variant, "alerts_village_suffix")
    unknown = pick(rng, n, rates["alerts_village_unknown"], clean())
    rows.loc[unknown, "village_name"] = base[unknown] + "新村"
    mark(rows, unknown, "alerts_village_unknown")
    # An event dated after the month it was pushed in: a clerk's typo of the year.
    late = pick(rng, n, rates["alerts_event_after_push"], clean())
    push_year = rows["push_month"].str.slice(0, 4).astype(int)
    rows.loc[late, "event_date"] = (push_year[late] + 1).astype(str) + rows.loc[
        late, "event_date"
    ].str.slice(4)
    mark(rows, late, "alerts_event_after_push")
    return rows


def alert_files(rows: pd.DataFrame, years: list[int], rates: dict, rng) -> dict[str, pd.DataFrame]:
    """One file per department and month (``<YYYYMM>_<部门>.csv``); a department-month with
    nothing to push is a header-only file or no file at all. File defects: a file whose
    推送月份 disagrees with its name, and a month's file sent again (``重发/``)."""
    files = {}
    by_file = rows.groupby(["push_month", "department"], sort=True).indices
    months = [f"{y}{m:02d}" for y in years for m in range(1, 13)]
    header = rows.iloc[:0]
    for month in months:  # 60 months × 8 departments: file-level choices only
        for department in DEPARTMENTS:
            at = by_file.get((month, department))
            if at is None and rng.random() < 0.5:
                continue
            frame = header.copy() if at is None else rows.iloc[at].copy()
            if len(frame) and rng.random() < rates["alerts_push_month_mismatch"]:
                wrong = str(int(month[:4]) - 1) + month[4:]
                frame["push_month"] = wrong
                mark(frame, np.ones(len(frame), bool), "alerts_push_month_mismatch")
            name = f"{month}_{department}.csv"
            files[name] = frame
            if len(frame) and rng.random() < rates["alerts_file_sent_twice"]:
                again = frame.copy()
                again[MARK] = "alerts_file_sent_twice;"
                files[f"重发/{name}"] = again
    return files


def with_chinese_headers(frame: pd.DataFrame, department: str, mapping: dict) -> pd.DataFrame:
    """The file as the department writes it: the contract's headers (``mapping``), and the
    department's own extra column."""
    out = frame.rename(columns=mapping)
    if department in EXTRA:
        out[EXTRA[department]] = ""
    return out
