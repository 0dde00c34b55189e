"""Personal data minimised (#26): names, ID numbers and phones in one restricted table, the
quarantine's personal values masked unless configured, and a purge past the retention."""

from __future__ import annotations

import datetime
import re

import pandas as pd
import pytest

from ecpa_pipeline.domain.identities import PERSONAL
from ecpa_pipeline.manifest import file_digest, input_problems, read_manifest, write_manifest
from ecpa_pipeline.pipelines.cleaning import nodes
from ecpa_pipeline.purge import IDENTITIES, QUARANTINE, purge, retention_years
from tests.conftest import identities

FULL_ID = r"\d{17}[\dX]"
FULL_PHONE = r"1\d{10}"


def test_only_the_restricted_table_holds_names_ids_and_phones(tiny_modelled):
    primary = tiny_modelled / "03_primary"
    for table in ("persons", "monitoring_persons"):
        persons = pd.read_parquet(primary / f"{table}.parquet")
        assert not set(PERSONAL) & set(persons.columns), table
    people = identities(tiny_modelled)
    assert list(people.columns) == ["source", "year", "person_code", "household_code", *PERSONAL]
    assert not people.duplicated(["source", "year", "person_code"]).any()
    persons = pd.read_parquet(primary / "persons.parquet")
    registry = people[people["source"] == "registry"]
    assert len(registry) == len(persons)  # one identity per clean person-year
    assert people["id_number"].str.fullmatch(FULL_ID).mean() > 0.9


def test_the_quarantine_keeps_no_full_id_number_phone_or_name(tiny_modelled):
    ledger = pd.read_parquet(tiny_modelled / "02_intermediate" / "row_issues.parquet")
    raw = ledger.loc[ledger["outcome"] == "quarantine", "raw_values"]
    assert raw.str.contains('"id_number": "').sum() > 20  # registry rows were quarantined
    people = identities(tiny_modelled)
    for column, known in (("id_number", FULL_ID), ("phone", FULL_PHONE), ("name", None)):
        values = set(raw.str.extractall(f'"{column}": "([^"]*)"')[0].dropna())
        assert not values & set(people[column].dropna()), column
        if known:
            assert not any(re.fullmatch(known, v) for v in values), column
    assert raw.str.contains(r'"id_number": "\d{4}\*{10}[\dX]{4}"').any()


def test_a_data_team_may_keep_the_quarantines_personal_values(parameters):
    row = '{"name": "张德明", "id_number": "520122197003050116", "phone": "13800000000"}'
    ledger = pd.DataFrame({"outcome": ["quarantine"], "raw_values": [row]})
    cleaning = parameters["cleaning"]
    kept = cleaning | {"personal_data": cleaning["personal_data"] | {"quarantine_values": "kept"}}
    assert nodes.collect_ledger(kept, ledger)["raw_values"].tolist() == [row]
    assert nodes.collect_ledger(cleaning, ledger)["raw_values"].tolist() == [
        '{"name": "*", "id_number": "5201**********0116", "phone": "138****0000"}'
    ]


@pytest.fixture
def cleaned_copy(tiny_modelled, tmp_path):
    """The tiny world's restricted table and quarantine in a data folder of their own,
    stamped by one cleaning run as the pipelines would."""
    data = tmp_path / "data"
    for part in (IDENTITIES, QUARANTINE):
        (data / part).parent.mkdir(parents=True, exist_ok=True)
        (data / part).write_bytes((tiny_modelled / part).read_bytes())
        entry = {"run": "R", "pipeline": "cleaning", "digest": file_digest(data / part)}
        write_manifest(data, {part.as_posix(): entry})
    (data / "01_raw" / "registry").mkdir(parents=True)
    for year in (2014, 2020):
        (data / "01_raw" / "registry" / f"registry_{year}.csv").write_text("x\n")
    return data


def test_purge_removes_the_years_past_the_retention_and_keeps_the_folder_usable(cleaned_copy):
    before = pd.read_parquet(cleaned_copy / IDENTITIES)
    done = purge(cleaned_copy, retention=10, today=datetime.date(2026, 12, 7))
    after = pd.read_parquet(cleaned_copy / IDENTITIES)
    assert done["first_year_kept"] == 2016
    assert after["year"].min() == 2016 and len(after) == (before["year"] >= 2016).sum()
    assert done["identities_removed"] == (before["year"] < 2016).sum() > 0
    ledger = pd.read_parquet(cleaned_copy / QUARANTINE)
    old = ledger["source_file"].str.contains("2014|2015")
    assert done["raw_values_emptied"] > 0 and ledger.loc[old, "raw_values"].eq("").all()
    assert ledger.loc[~old & (ledger["outcome"] == "quarantine"), "raw_values"].ne("").all()
    assert done["raw_exports_of_purged_years"] == ["registry/registry_2014.csv"]
    # the files keep their run: steps that read them accept them
    manifest = read_manifest(cleaned_copy)
    assert manifest[IDENTITIES.as_posix()]["run"] == "R"
    inputs = {
        "person_identities": cleaned_copy / IDENTITIES,
        "row_issues": cleaned_copy / QUARANTINE,
    }
    assert input_problems(inputs, cleaned_copy) == []


def test_the_retention_comes_from_the_configuration(parameters):
    assert retention_years() == parameters["cleaning"]["personal_data"]["retention_years"] == 10
