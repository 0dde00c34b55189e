"""Registry households resolved from person rows."""

from __future__ import annotations

import pandas as pd

from ecpa_pipeline.domain.registry import HOUSEHOLD_FIELDS
from ecpa_pipeline.pipelines.cleaning import registry
from ecpa_pipeline.pipelines.cleaning.monitoring import year_month


def test_no_person_rows_left_gives_no_households_rather_than_an_error(parameters):
    # E.g. every row of the export lacked 户编号 and went to quarantine.
    cleaning = parameters["cleaning"]
    spec = {**cleaning["sources"]["registry"], "code_variants": cleaning["code_variants"]}
    text = ["village_code", "household_code", "person_code", "relation", "sex", "ethnicity"]
    persons = pd.DataFrame(
        {
            **{c: pd.Series(dtype="str") for c in [*text, "education", "school_status"]},
            "year": pd.Series(dtype="int64"),
            "age": pd.Series(dtype=float),
            "critical_illness_insurance": pd.Series(dtype="boolean"),
            "source_file": pd.Series(dtype="str"),
            "source_row": pd.Series(dtype="int64"),
            **{f"raw_{c}": pd.Series(dtype="str") for c in HOUSEHOLD_FIELDS},
        }
    )
    households, flags = registry.resolve_households(persons, parameters["code_lists"], spec)
    assert len(households) == 0 and len(flags) == 0
    assert {"household_code", "member_count", *HOUSEHOLD_FIELDS} - {"income_per_capita"} <= set(
        households.columns
    )


def test_monitoring_months_are_read_in_every_form_a_county_writes():
    cells = pd.Series(["202103", "2021-3", "2021年3月", "2021/3/15", "44270", "", "13", "2021-13"])
    value, unreadable = year_month(cells)
    assert value.tolist()[:5] == [202103] * 5
    assert value.iloc[5:].isna().all()
    assert unreadable.tolist() == [False] * 6 + [True, True]
