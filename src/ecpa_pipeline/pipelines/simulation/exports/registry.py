"""建档立卡 registry exports (and the person rows of the monitoring export), with defects."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecpa_pipeline.domain.registry import HOUSEHOLD_FIELDS
from ecpa_pipeline.domain.resident_id import check_characters

from ..defects import ALSO, MARK, duplicate_rows, fullwidth, mark, pick, with_marks
from ..households import ADULT_EDUCATION
from . import BOOLEAN_STYLES, MISSING_MARKERS, _bool, _headers, _num

CODE_VARIANTS = {
    "health": {
        "患有大病": ["患有大病 ", "大病"],
        "长期慢性病": ["慢性病", "长期慢性病 "],
        "残疾": ["残疾 "],
    },
    "labour_skill": {"普通劳动力": ["普通劳动力 "], "弱劳动力或半劳动力": ["弱劳动力", "半劳动力"]},
    "migrant_work": {"省外务工": ["省外"], "县外省内务工": ["省内县外务工"]},
    "ethnicity": {"苗族": ["苗"], "布依族": ["布依"], "汉族": ["汉"]},
}
SCHOOL_EDUCATION = {
    "小学": "小学",
    "初中": "初中",
    "高中": "高中",
    "中职": "中专",
    "高职高专": "高中",
    "辍学": "小学",
}


def registry_file(
    year: int,
    hh_year: pd.DataFrame,
    person_year: pd.DataFrame,
    households: pd.DataFrame,
    persons: pd.DataFrame,
    identities: pd.DataFrame,
    villages: pd.DataFrame,
    contract: dict,
    rates: dict,
    rng: np.random.Generator,
    same_id_rng: np.random.Generator,
) -> pd.DataFrame:
    """The 建档立卡 export of one year: one row per member of every listed household.

    ``same_id_rng`` draws the one defect added after the others (a person listed again
    under another household with a new 人编号), so that the earlier draws stay as they were."""
    return _headers(
        person_rows(
            hh_year,
            person_year,
            households,
            persons,
            identities,
            villages,
            rates,
            rng,
            same_id_rng,
        ),
        contract["registry"],
    )


def person_rows(
    hh_year: pd.DataFrame,
    person_year: pd.DataFrame,
    households: pd.DataFrame,
    persons: pd.DataFrame,
    identities: pd.DataFrame,
    villages: pd.DataFrame,
    rates: dict,
    rng: np.random.Generator,
    same_id_rng: np.random.Generator,
    head_fields: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The rows of a person-level export (English columns, defect marks kept): the registry's
    columns, and ``head_fields`` (one row per person row, shown on the head's row only)."""
    p = person_year["person_idx"].to_numpy()
    h = persons["household_idx"].to_numpy()[p]
    hy = hh_year.set_index("household_idx").reindex(h)
    hs = households.iloc[h]
    vil = villages.iloc[hs["village_idx"].to_numpy()]
    head = persons["member_seq"].to_numpy()[p] == 0
    n = len(p)
    style = BOOLEAN_STYLES[rng.integers(0, 3)]

    adult_edu = np.array(ADULT_EDUCATION)[persons["education_level"].to_numpy()[p]]
    school = person_year["school_status"].to_numpy()
    education = np.where(
        school == "学龄前儿童",
        "",
        pd.Series(school).map(SCHOOL_EDUCATION).fillna(pd.Series(adult_edu)).to_numpy(),
    )
    frame = pd.DataFrame(
        {
            "province": vil["province"].to_numpy(),
            "prefecture": vil["prefecture"].to_numpy(),
            "county": vil["county"].to_numpy(),
            "township": vil["township"].to_numpy(),
            "village": vil["village"].to_numpy(),
            "village_code": vil["village_code"].to_numpy(),
            "household_code": hs["household_code"].to_numpy(),
            "person_code": persons["person_code"].to_numpy()[p],
            "name": identities["name"].to_numpy()[p],
            "id_number": identities["id_number"].to_numpy()[p],
            "household_size": hs["size"].astype(str).to_numpy(),
            "relation": persons["relation"].to_numpy()[p],
            "sex": np.where(persons["male"].to_numpy()[p], "男", "女"),
            "ethnicity": hs["ethnicity"].to_numpy(),
            "education": education,
            "school_status": school,
            "health": person_year["health"].to_numpy(),
            "labour_skill": person_year["labour_skill"].to_numpy(),
            "migrant_work": person_year["migrant_work"].to_numpy(),
            "migrant_months": person_year["migrant_months"].astype(str).to_numpy(),
            "critical_illness_insurance": _bool(person_year["insured"].to_numpy(), style),
            "household_status": hy["status"].to_numpy(),
            "exit_year": np.where(
                hy["exit_year"].to_numpy() > 0, hy["exit_year"].astype(str).to_numpy(), ""
            ),
            "household_type": hs["household_type"].to_numpy(),
            "main_cause": hs["main_cause"].to_numpy(),
            "second_cause": hs["second_cause"].to_numpy(),
            "unsafe_housing": _bool(hy["unsafe_housing"].to_numpy(), style),
            "safe_water": _bool(hy["safe_water"].to_numpy(), style),
            "water_difficulty": _bool(hy["water_difficulty"].to_numpy(), style),
            "income_per_capita": _num(hy["income_per_capita"].to_numpy()),
            "phone": np.where(head, identities["phone"].to_numpy()[p], ""),
        }
    )
    if head_fields is not None:
        for col in head_fields:
            frame[col] = np.where(head, head_fields[col].to_numpy(), "")
    frame = with_marks(frame)
    # Members either repeat the household fields or leave them blank (per household).
    repeats = pd.Series(rng.random(len(households)) < 0.6).to_numpy()[h]
    blank_members = ~head & ~repeats
    markers = MISSING_MARKERS[rng.integers(0, len(MISSING_MARKERS), n)]
    # 无 reads as "no" in a yes/no column, so exports leave those blank or use another marker.
    boolean_markers = np.where(markers == "无", "", markers)
    for col in HOUSEHOLD_FIELDS:
        is_boolean = col in ("unsafe_housing", "safe_water", "water_difficulty")
        frame.loc[blank_members, col] = (boolean_markers if is_boolean else markers)[blank_members]

    _id_defects(frame, rates, rng)
    _household_defects(frame, head, repeats, rates, rng)
    _format_defects(frame, head, rates, rng)
    frame, listed_first = _person_in_two_households(frame, head, rates, rng)
    frame = duplicate_rows(
        frame, pick(rng, len(frame), rates["registry_duplicate_row"]), "registry_duplicate_row"
    )
    frame = _same_id_in_two_households(frame, rates, same_id_rng)
    # The first listing of a person listed twice is part of the defect (neither is to be
    # trusted): marked once every draw is made, so that the exports stay as they were.
    keys = ["person_code", "household_code"]
    first = pd.MultiIndex.from_frame(frame[keys]).isin(pd.MultiIndex.from_frame(listed_first))
    copied = frame[MARK].str.contains(PERSON_IN_TWO) | (frame[MARK] == "registry_duplicate_row;")
    mark(frame, first & ~copied.to_numpy(), PERSON_IN_TWO, column=ALSO)
    return frame


def _id_defects(frame: pd.DataFrame, rates: dict, rng: np.random.Generator) -> None:
    """Bad check characters, impossible birth dates, sex disagreeing with the ID."""
    n = len(frame)
    ids = frame["id_number"].to_numpy().astype("U18")

    chars = ids.view("U1").reshape(n, 18)
    bad = pick(rng, n, rates["registry_bad_id_check"])
    wrong = np.array(list("0123456789X"))[rng.integers(0, 11, n)]
    wrong = np.where(wrong == chars[:, 17], np.where(chars[:, 17] == "X", "0", "X"), wrong)
    frame.loc[bad, "id_number"] = np.char.add(ids.astype("U17"), wrong)[bad]
    mark(frame, bad, "registry_bad_id_check")

    # A birth month of 00 or 13 with a recomputed check character: only the date check sees it.
    invalid = pick(rng, n, rates["registry_id_birth_invalid"], ~bad)
    month = np.where(rng.random(n) < 0.5, "13", "00")
    tail = np.ascontiguousarray(chars[:, 12:17]).view("U5").ravel()
    broken = np.char.add(np.char.add(ids.astype("U10"), month), tail)
    frame.loc[invalid, "id_number"] = np.char.add(broken, check_characters(broken))[invalid]
    mark(frame, invalid, "registry_id_birth_invalid")

    sex_flip = pick(rng, n, rates["registry_id_sex_mismatch"], ~bad & ~invalid)
    frame.loc[sex_flip, "sex"] = np.where(frame.loc[sex_flip, "sex"] == "男", "女", "男")
    mark(frame, sex_flip, "registry_id_sex_mismatch")


def _household_defects(
    frame: pd.DataFrame, head: np.ndarray, repeats: np.ndarray, rates: dict, rng
) -> None:
    """Headless households, two heads, members disagreeing, wrong size and income."""
    n = len(frame)
    headless = pick(rng, n, rates["registry_headless_household"], head)
    frame.loc[headless, "relation"] = "其他"
    mark(frame, headless, "registry_headless_household")

    two_heads = pick(
        rng, n, rates["registry_two_heads"], ~head & (frame["relation"] != "户主").to_numpy()
    )
    frame.loc[two_heads, "relation"] = "户主"
    mark(frame, two_heads, "registry_two_heads")

    # Only where the household has a cause to disagree with (普通农户 have none).
    has_cause = (frame["main_cause"] != "").to_numpy()
    disagree = pick(rng, n, rates["registry_member_disagrees"], ~head & repeats & has_cause)
    frame.loc[disagree, "main_cause"] = np.where(
        frame.loc[disagree, "main_cause"] == "因病", "缺资金", "因病"
    )
    mark(frame, disagree, "registry_member_disagrees")

    # A wrong household record shows on every row that repeats the household's fields.
    size_off = pick(rng, n, rates["registry_size_mismatch"], head)
    sizes = pd.to_numeric(frame.loc[size_off, "household_size"])
    wrong_size = pd.Series(
        (sizes + np.where(sizes > 1, -1, 1)).astype(str).to_numpy(),
        index=frame.loc[size_off, "household_code"],
    )
    _set_household_field(frame, head | repeats, "household_size", wrong_size)
    mark(frame, size_off, "registry_size_mismatch")

    income_off = pick(rng, n, rates["registry_income_mismatch"], head)
    incomes = pd.to_numeric(frame.loc[income_off, "income_per_capita"])
    factor = rng.choice([0.7, 0.8, 1.2, 1.4], int(income_off.sum()))
    wrong_income = pd.Series(
        _num(incomes.to_numpy() * factor), index=frame.loc[income_off, "household_code"]
    )
    _set_household_field(frame, head | repeats, "income_per_capita", wrong_income)
    mark(frame, income_off, "registry_income_mismatch")


def _set_household_field(
    frame: pd.DataFrame, carriers: np.ndarray, column: str, values: pd.Series
) -> None:
    """Set a household field on every row of the household that carries household fields."""
    rows = carriers & frame["household_code"].isin(values.index).to_numpy()
    frame.loc[rows, column] = frame.loc[rows, "household_code"].map(values).to_numpy()


def _format_defects(frame: pd.DataFrame, head: np.ndarray, rates: dict, rng) -> None:
    """Code-list variants, bad phones, full-width digits and Excel guards."""
    n = len(frame)
    variant = pick(rng, n, rates["registry_code_variant"])
    for col, variants in CODE_VARIANTS.items():
        for canonical, spellings in variants.items():
            sel = variant & (frame[col] == canonical).to_numpy()
            if sel.any():
                frame.loc[sel, col] = np.array(spellings)[
                    rng.integers(0, len(spellings), int(sel.sum()))
                ]
                mark(frame, sel, "registry_code_variant")

    has_phone = (frame["phone"] != "").to_numpy()
    bad_phone = pick(rng, n, rates["registry_bad_phone"], has_phone)
    phones = frame.loc[bad_phone, "phone"].astype(str)
    frame.loc[bad_phone, "phone"] = np.where(
        rng.random(int(bad_phone.sum())) < 0.5, phones.str[:10], phones + "8"
    )
    mark(frame, bad_phone, "registry_bad_phone")

    numbers_intact = ~frame[MARK].str.contains("mismatch").to_numpy()
    wide = pick(rng, n, rates["registry_fullwidth"], head & numbers_intact)
    for col in ("household_size", "income_per_capita", "migrant_months"):
        frame.loc[wide, col] = fullwidth(frame.loc[wide, col])
    mark(frame, wide, "registry_fullwidth")

    guard = pick(rng, n, rates["registry_excel_guard"], ~bad_phone)
    guard_phone = guard & has_phone & (rng.random(n) < 0.5)
    frame.loc[guard & ~guard_phone, "id_number"] = (
        "'" + frame.loc[guard & ~guard_phone, "id_number"]
    )
    frame.loc[guard_phone, "phone"] = '="' + frame.loc[guard_phone, "phone"] + '"'
    mark(frame, guard, "registry_excel_guard")


PERSON_IN_TWO = "registry_person_in_two_households"


def _person_in_two_households(
    frame: pd.DataFrame, head: np.ndarray, rates: dict, rng
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same person (same 人编号 and ID) listed again under another household; and the
    first listings (人编号 and household of each person copied)."""
    n = len(frame)
    movers = pick(rng, n, rates[PERSON_IN_TWO], ~head)
    if movers.any():
        copies = frame[movers].copy()
        hosts = frame.iloc[rng.integers(0, n, int(movers.sum()))]
        location = [
            "province",
            "prefecture",
            "county",
            "township",
            "village",
            "village_code",
            "household_code",
        ]
        copies[location] = hosts[location].to_numpy()
        copies["relation"] = "其他"
        copies[MARK] = PERSON_IN_TWO + ";"
        frame = pd.concat([frame, copies], ignore_index=True)
    return frame, frame.iloc[:n][movers][["person_code", "household_code"]]


def _same_id_in_two_households(frame: pd.DataFrame, rates: dict, rng) -> pd.DataFrame:
    """The same person (same ID number and name) listed again under another household with
    a new 人编号: the form a comparison of 人编号 alone does not see."""
    n = len(frame)
    eligible = (frame["relation"] != "户主").to_numpy() & (frame[MARK] == "").to_numpy()
    movers = pick(rng, n, rates["registry_same_id_two_households"], eligible)
    if not movers.any():
        return frame
    copies = frame[movers].copy()
    hosts = frame.iloc[rng.integers(0, n, int(movers.sum()))]
    elsewhere = hosts["household_code"].to_numpy() != copies["household_code"].to_numpy()
    copies, hosts = copies[elsewhere], hosts[elsewhere]
    location = ["province", "prefecture", "county", "township", "village", "village_code"]
    copies[location] = hosts[location].to_numpy()
    copies["household_code"] = hosts["household_code"].to_numpy()
    copies["person_code"] = (
        hosts["household_code"].to_numpy() + "9" + (rng.integers(0, 10, len(copies)).astype(str))
    )
    copies["relation"] = "其他"
    copies[MARK] = "registry_same_id_two_households;"
    first = np.flatnonzero(movers)[elsewhere]  # the listings copied, marked too
    frame = pd.concat([frame, copies], ignore_index=True)
    also = np.isin(np.arange(len(frame)), first)
    mark(frame, also, "registry_same_id_two_households", column=ALSO)
    return frame
