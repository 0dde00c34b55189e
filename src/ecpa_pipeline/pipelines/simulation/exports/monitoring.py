"""防返贫监测 annual export (raw-data contract §9): the registry's person rows with the
monitoring fields on the head's row, and the counties' own data-check defects."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecpa_pipeline.domain.registry import ABLE_LABOUR

from ..defects import EXPECTED_OUTCOME, MARK, mark, pick
from . import BOOLEAN_STYLES, _bool, _headers, _num
from .income import LIST_SEPARATORS
from .registry import person_rows

#: Members who count as labour in the counties' checks (weak labour included).
LABOUR = (*ABLE_LABOUR, "弱劳动力或半劳动力")


def _yyyymm(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.int64)
    return np.where(values > 0, values.astype(str), "")


def _social_guarantee(dibao: np.ndarray, household_type: np.ndarray) -> np.ndarray:
    """综合保障 at export time: 特困供养 for a household registered 特困 that is in the safety
    net, 低保 for any other in it (the simulation holds no disability allowance or temporary
    assistance: those values never appear)."""
    tekun = household_type == "特困供养贫困户"
    return np.where(dibao, np.where(tekun, "特困供养", "低保"), "")


def _head_fields(hy: pd.DataFrame, household_type: np.ndarray, rng) -> pd.DataFrame:
    """The monitoring fields of each person row's household, as the system writes them."""
    style = BOOLEAN_STYLES[rng.integers(0, len(BOOLEAN_STYLES))]
    shown = hy["monitoring_since"].to_numpy() > 0
    risks = (
        hy["risks"]
        .fillna("")
        .astype(str)
        .str.split(";", expand=True)
        .reindex(columns=range(3))
        .astype(object)
        .fillna("")
    )
    sep = LIST_SEPARATORS[rng.integers(0, len(LIST_SEPARATORS), len(hy))]
    listed = pd.Series(hy["measures"].to_numpy(), dtype="str")
    measures = listed.to_numpy(dtype=object)
    for separator in LIST_SEPARATORS[1:]:
        measures = np.where(sep == separator, listed.str.replace(";", separator), measures)
    return pd.DataFrame(
        {
            "monitoring_category": hy["category"].to_numpy(),
            "monitoring_since": _yyyymm(hy["monitoring_since"]),
            "risk_1": risks[0].to_numpy(),
            "risk_2": risks[1].to_numpy(),
            "risk_3": risks[2].to_numpy(),
            "risk_eliminated": np.where(shown, _bool(hy["risk_eliminated"].to_numpy(), style), ""),
            "elimination_mode": hy["elimination_mode"].to_numpy(),
            "eliminated_since": _yyyymm(hy["eliminated_since"]),
            "medical_out_of_pocket": _num(hy["medical_out_of_pocket"]),
            "monitoring_measures": measures,
            "social_guarantee": _social_guarantee(
                hy["dibao"].fillna(False).to_numpy(bool), household_type
            ),
        }
    )


def monitoring_file(
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
) -> pd.DataFrame:
    """The monitoring export of one year: every person of every household in the system."""
    p = person_year["person_idx"].to_numpy()
    h = persons["household_idx"].to_numpy()[p]
    hy = hh_year.set_index("household_idx").reindex(h).reset_index()
    frame = person_rows(
        hh_year,
        person_year,
        households,
        persons,
        identities,
        villages,
        rates,
        rng,
        rng,
        head_fields=_head_fields(hy, households["household_type"].to_numpy()[h], rng),
    )
    frame = _data_check_defects(frame, year, hh_year, households, rates, rng)
    return _headers(frame, contract["monitoring"])


#: Columns a workbook holds as numbers, and as dates (YYYYMM → the month's first day).
NUMBER_COLUMNS = ("household_size", "migrant_months", "income_per_capita", "medical_out_of_pocket")
MONTH_COLUMNS = ("monitoring_since", "eliminated_since")


def as_workbook_cells(frame: pd.DataFrame, mapping: dict) -> pd.DataFrame:
    """The export as the national system's workbook types it: codes and ID numbers as text
    (as numbers, Excel keeps 15 digits), numbers and dates where the text is one, the text
    kept where it is not (a typed-in '-' stays '-')."""
    out = frame.astype(object).where(frame.notna(), "").astype(str)
    # The guards against Excel (="…", a leading ') are a CSV export's tricks: a workbook's
    # text cell needs none (and openpyxl would write ="…" as a formula with no value).
    # Every row, copies of a guarded row included (they stay exact duplicates).
    phone, id_number = mapping["phone"], mapping["id_number"]
    out[phone] = out[phone].str.replace(r'^="(.*)"$', r"\1", regex=True)
    out[id_number] = out[id_number].str.removeprefix("'")
    out[MARK] = out[MARK].str.replace("registry_excel_guard;", "", regex=False)
    for column in NUMBER_COLUMNS:
        text = out[mapping[column]]
        number = pd.to_numeric(text, errors="coerce")
        out[mapping[column]] = number.astype(object).where(number.notna(), text)
    for column in MONTH_COLUMNS:
        text = out[mapping[column]]
        month = pd.to_datetime(text, format="%Y%m", errors="coerce")
        out[mapping[column]] = month.astype(object).where(month.notna(), text)
    return out


def _data_check_defects(frame, year, hh_year, households, rates, rng) -> pd.DataFrame:
    """What the counties' data checks look for (contract §9), planted on head rows of
    households the simulation kept consistent, and a few minors listed with labour."""
    n = len(frame)
    # A household a planted defect quarantines whole (two heads, no head …) shows no check.
    spoiled = _households_quarantined(frame)
    head = (frame["relation"] == "户主").to_numpy() & (frame[MARK] == "").to_numpy() & ~spoiled
    category = frame["monitoring_category"].to_numpy()
    monitored = head & (category != "") & (frame["risk_eliminated"] != "").to_numpy()
    current = monitored & (frame["eliminated_since"] == "").to_numpy()
    risks = frame["risk_1"].str.cat([frame["risk_2"], frame["risk_3"]], sep=";").to_numpy(str)

    ill = pick(rng, n, rates["monitoring_illness_without_cost"], current)
    ill &= np.char.find(risks, "因病") >= 0
    frame.loc[ill, "medical_out_of_pocket"] = "0"
    mark(frame, ill, "monitoring_illness_without_cost")

    labour = frame["labour_skill"].isin(LABOUR).to_numpy()
    code = frame["household_code"].to_numpy()
    labour_share = pd.Series(labour).groupby(code).transform("mean").to_numpy()
    no_labour = labour_share == 0
    claim = pick(rng, n, rates["monitoring_no_labour_risk_with_labour"], current & ~ill)
    claim &= (labour_share > 0.5) & (np.char.find(risks, "缺劳动力") < 0)
    frame.loc[claim, "risk_3"] = "缺劳动力"
    mark(frame, claim, "monitoring_no_labour_risk_with_labour")

    measures = frame["monitoring_measures"].to_numpy().astype(str)
    types = frame["household_type"].to_numpy()
    no_dibao = pick(rng, n, rates["monitoring_no_labour_without_dibao"], current & ~ill & ~claim)
    no_dibao &= no_labour & ~np.isin(types, ["低保贫困户", "特困供养贫困户"])
    no_dibao &= np.char.find(measures, "综合保障") >= 0
    frame.loc[no_dibao, "social_guarantee"] = ""
    frame.loc[no_dibao, "monitoring_measures"] = (
        pd.Series(measures[no_dibao])
        .str.replace(r"[;；,，、]?综合保障", "", regex=True)
        .str.strip(";；,，、")
        .to_numpy()
    )
    mark(frame, no_dibao, "monitoring_no_labour_without_dibao")

    # Marked eliminated (帮扶消除) this year although the income is below the line.
    line = float(hh_year["monitoring_line"].iloc[0])
    codes = households["household_code"].to_numpy()[hh_year["household_idx"].to_numpy()]
    income = hh_year.set_index(codes)
    below = income["income_per_capita"].reindex(code).to_numpy() < line
    planted = ill | claim | no_dibao
    early = pick(rng, n, rates["monitoring_eliminated_below_line"], current & ~planted & below)
    frame.loc[early, "risk_eliminated"] = frame.loc[early, "risk_eliminated"].map(_opposite_boolean)
    frame.loc[early, "elimination_mode"] = "帮扶消除"
    frame.loc[early, "eliminated_since"] = f"{year}12"
    mark(frame, early, "monitoring_eliminated_below_line")

    # Identified this year with an income far above the line (a household typed in wrongly).
    rich = (
        head & (category == "") & (income["income_per_capita"].reindex(code).to_numpy() > 4 * line)
    )
    rich = pick(rng, n, rates["monitoring_identified_far_above_line"], rich)
    frame.loc[rich, "monitoring_category"] = "突发严重困难户"
    frame.loc[rich, "monitoring_since"] = f"{year}{rng.integers(1, 13):02d}"
    frame.loc[rich, "risk_1"] = "其他"
    frame.loc[rich, "risk_eliminated"] = BOOLEAN_STYLES[0][1]
    mark(frame, rich, "monitoring_identified_far_above_line")

    late = pick(rng, n, rates["monitoring_identified_after_export"], current & ~planted & ~early)
    frame.loc[late, "monitoring_since"] = f"{year + 1}{rng.integers(1, 13):02d}"
    mark(frame, late, "monitoring_identified_after_export")

    return _minors_with_labour(frame, year, head | spoiled, rates, rng)


def _households_quarantined(frame: pd.DataFrame) -> np.ndarray:
    """Rows of the households that a planted defect with a quarantine outcome touches."""
    quarantining = [code for code, outcome in EXPECTED_OUTCOME.items() if outcome == "quarantine"]
    touched = frame[MARK].str.contains("|".join(quarantining), regex=True)
    return touched.groupby(frame["household_code"]).transform("any").to_numpy(bool)


def _minors_with_labour(frame, year, excluded, rates, rng) -> pd.DataFrame:
    """A few members under 16 listed with labour (not heads, not in spoiled households)."""
    age = year - pd.to_numeric(frame["id_number"].str[6:10], errors="coerce").to_numpy()
    minor = pick(rng, len(frame), rates["monitoring_minor_with_labour"], (age < 16) & ~excluded)
    minor &= (frame[MARK] == "").to_numpy()
    frame.loc[minor, "labour_skill"] = "普通劳动力"
    mark(frame, minor, "monitoring_minor_with_labour")
    return frame


def _opposite_boolean(value: str) -> str:
    """The 'yes' of the style a cell's 'no' belongs to."""
    for yes, no in BOOLEAN_STYLES:
        if value == no:
            return yes
    return value
