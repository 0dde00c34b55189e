"""The 防返贫监测 export (contract §9): persons and the monitoring record of each
household-year, with the counties' own data checks as flags (or quarantine), and the
monitoring household-year table with income and the year's monitoring line."""

from __future__ import annotations

import pandas as pd

from ecpa_pipeline.domain.normalise import (
    clean_text,
    match_codes,
    parse_bool,
    parse_date,
    parse_number,
)
from ecpa_pipeline.domain.registry import ABLE_LABOUR

from . import registry
from .households import _assistance, line_of_year, with_income
from .ledger import FILE, flag

SOURCE = "monitoring"
#: Head-row fields of the monitoring export beside the registry's.
MONITORING_FIELDS = (
    "monitoring_category",
    "monitoring_since",
    "risk_1",
    "risk_2",
    "risk_3",
    "risk_eliminated",
    "elimination_mode",
    "eliminated_since",
    "medical_out_of_pocket",
    "monitoring_measures",
    "social_guarantee",
)
#: Members who count as labour in the counties' checks (weak labour included).
LABOUR = (*ABLE_LABOUR, "弱劳动力或半劳动力")
SAFETY_NET_TYPES = ("低保贫困户", "特困供养贫困户")
#: A check that quarantines every row of a household-year (detail: the household code).
DATE_AFTER_EXPORT = "monitoring_date_after_export"


def year_month(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``YYYYMM`` (also ``YYYY-MM``, ``YYYY年M月``, ``YYYY/M``, or a full date in any of the
    contract's forms, Excel serial numbers included) → the integer YYYYMM; the second series
    marks cells that are not empty and cannot be read as a month.

    >>> cells = pd.Series(["202103", "2021-3", "2021年3月", "2021/3/15", "44270", "", "13"])
    >>> year_month(cells)[0].tolist()
    [202103, 202103, 202103, 202103, 202103, <NA>, <NA>]
    """
    text = clean_text(values)
    parts = text.str.extract(r"^(\d{4})\D?(\d{1,2})\D*$")
    year = pd.to_numeric(parts[0], errors="coerce")
    month = pd.to_numeric(parts[1], errors="coerce")
    value = (year * 100 + month).where(month.between(1, 12))
    rest = value.isna() & text.notna()
    if rest.any():
        dates, _ = parse_date(text[rest])
        value[rest] = dates.dt.year * 100 + dates.dt.month
    value = value.astype("Int64")
    return value, text.notna() & value.isna()


def _since_after_export(persons: pd.DataFrame, frame: pd.DataFrame) -> pd.Series:
    """Rows of household-years whose head says they were identified after the export year."""
    since, _ = year_month(persons["raw_monitoring_since"])
    head = persons["relation"].eq("户主").fillna(False)
    late = head & (since > persons["year"] * 100 + 12).fillna(False)
    keys = persons[FILE] + "\x1f" + persons["household_code"].fillna("")
    return keys.isin(keys[late])


def clean_monitoring_persons(
    loaders: dict, mapping: dict, code_lists: dict, spec: dict, villages: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Monitoring export → persons (as the registry's, ``raw_`` head fields kept), ledger,
    accounting; a household-year identified after its export year is quarantined whole."""
    return registry.clean_persons(
        loaders,
        mapping,
        code_lists,
        {**spec, "household_columns": MONITORING_FIELDS},
        villages,
        source=SOURCE,
        household_checks=((DATE_AFTER_EXPORT, _since_after_export, "household_code"),),
    )


def monitoring_records(
    persons: pd.DataFrame, code_lists: dict, spec: dict
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One record per household-year: the registry's household fields and the monitoring
    fields of the head's row, with the counties' data checks that need no income as flags.

    Returns:
        monitoring records and ledger entries.
    """
    households, ledger = registry.resolve_households(persons, code_lists, spec, source=SOURCE)
    head = persons[persons["relation"].eq("户主").fillna(False)]
    head = head.set_index([FILE, "household_code"]).reindex(
        pd.MultiIndex.from_frame(households[[FILE, "household_code"]])
    )
    entries = [ledger]
    at = households  # flags on the household record's (head's) row

    def coded(column: str, list_name: str) -> pd.Series:
        value, bad = match_codes(
            head[f"raw_{column}"].reset_index(drop=True), code_lists[list_name]
        )
        entries.append(flag(at, bad, SOURCE, "unknown_code", column))
        return value

    def readable(column: str, parse) -> pd.Series:
        value, bad = parse(head[f"raw_{column}"].reset_index(drop=True))
        entries.append(flag(at, bad, SOURCE, "unreadable_value", column))
        return value

    risks = pd.concat([coded(f"risk_{i}", "monitoring_risk") for i in (1, 2, 3)], axis=1).fillna("")
    records = households.assign(
        monitoring_category=coded("monitoring_category", "monitoring_category"),
        monitoring_since=readable("monitoring_since", year_month),
        risks=risks.iloc[:, 0]
        .str.cat([risks.iloc[:, 1], risks.iloc[:, 2]], sep=";")
        .str.replace(r";+", ";", regex=True)
        .str.strip(";"),
        risk_eliminated=readable("risk_eliminated", parse_bool).astype(object),
        elimination_mode=coded("elimination_mode", "elimination_mode"),
        eliminated_since=readable("eliminated_since", year_month),
        medical_out_of_pocket=readable("medical_out_of_pocket", parse_number),
    )
    measures, bad = _assistance(
        head["raw_monitoring_measures"].reset_index(drop=True),
        spec["monitoring_measures"],
        prefix="measure_",
    )
    entries.append(flag(at, bad, SOURCE, "unknown_code", "monitoring_measures"))
    guarantee, bad = _assistance(
        head["raw_social_guarantee"].reset_index(drop=True),
        spec["social_guarantee"],
        prefix="guarantee_",
    )
    entries.append(flag(at, bad, SOURCE, "unknown_code", "social_guarantee"))
    records = records.join(measures).join(guarantee)
    records["monitored"] = records["monitoring_category"].notna()
    records["monitored_now"] = records["monitored"] & records["risk_eliminated"].ne(True)
    entries += _record_checks(records, persons)
    return records, pd.concat(entries, ignore_index=True)


def _record_checks(records: pd.DataFrame, persons: pd.DataFrame) -> list[pd.DataFrame]:
    """The counties' checks that need no income: illness without costs, 缺劳动力 where most
    members work (both of households monitored now: an eliminated household's risks are
    history), no labour and no 低保 (or 综合保障), a child listed with labour."""
    labour = persons["labour_skill"].isin(LABOUR)
    keys = [persons[FILE], persons["household_code"]]
    share = labour.groupby(keys).mean()
    labour_share = share.reindex(pd.MultiIndex.from_frame(records[[FILE, "household_code"]]))
    labour_share = pd.Series(labour_share.to_numpy(), index=records.index)
    risks = records["risks"].fillna("")
    current = records["monitored_now"]
    no_dibao = (
        current
        & (labour_share == 0)
        & ~records["household_type"].isin(SAFETY_NET_TYPES)
        & ~records["measure_comprehensive_security"]
        & ~records["guarantee_dibao"]
        & ~records["guarantee_tekun"]
    )
    minor = (persons["age"] < 16) & labour
    return [
        flag(
            records,
            current & risks.str.contains("因病") & records["medical_out_of_pocket"].eq(0),
            SOURCE,
            "illness_without_cost",
        ),
        flag(
            records,
            current & risks.str.contains("缺劳动力") & (labour_share > 0.5),
            SOURCE,
            "no_labour_risk_with_labour",
            labour_share.round(2).astype(str),
        ),
        flag(records, no_dibao, SOURCE, "no_labour_without_dibao"),
        flag(persons, minor, SOURCE, "minor_with_labour", persons["labour_skill"].fillna("")),
    ]


def build_monitoring_households(
    records: pd.DataFrame, household_income: pd.DataFrame, monitoring_line: dict, spec: dict
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monitoring record + income + the year's monitoring line: one row per household-year
    of the monitoring system, with the checks that need income (eliminated below the line,
    identified far above it) as flags.

    Returns:
        monitoring households and ledger entries.
    """
    hh, mismatch = with_income(records, household_income, spec, SOURCE)
    hh["monitoring_line"] = line_of_year(hh["year"], monitoring_line, "monitoring_line")
    hh["income_to_line"] = hh["income_per_capita"] / hh["monitoring_line"]
    this_year = hh["year"] * 100
    eliminated_now = hh["elimination_mode"].eq("帮扶消除") & (
        hh["eliminated_since"] > this_year
    ).fillna(False)
    identified_now = (hh["monitoring_since"] > this_year).fillna(False)
    ratio = hh["income_to_line"].round(2).astype(str)
    ledger = [
        mismatch,
        flag(
            hh, eliminated_now & (hh["income_to_line"] < 1), SOURCE, "eliminated_below_line", ratio
        ),
        flag(
            hh,
            identified_now & (hh["income_to_line"] > spec["far_above_line"]),
            SOURCE,
            "identified_far_above_line",
            ratio,
        ),
    ]
    return hh.sort_values(["year", "household_code"], ignore_index=True), pd.concat(
        ledger, ignore_index=True
    )


def known_households(registry_households: pd.DataFrame, monitoring: pd.DataFrame) -> pd.DataFrame:
    """Every household-year an income record may belong to: the registry's to 2020, the
    monitoring system's from 2021 (``year``, ``household_code``, ``village_code``)."""
    columns = ["year", "household_code", "village_code"]
    return pd.concat([registry_households[columns], monitoring[columns]], ignore_index=True)
