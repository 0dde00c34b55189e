"""Department alert pushes (contract §10) cleaned on the tiny world: every clue accounted
for, linked to its household by ID number (the name and village as second key), clues about
residents no export lists kept as new-household candidates, no name or ID number outside the
restricted table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecpa_pipeline.domain import resident_id
from ecpa_pipeline.pipelines.cleaning.alerts import link_people, match_villages, village_key
from tests.conftest import identities


@pytest.fixture(scope="module")
def clues(tiny_modelled):
    primary = tiny_modelled / "03_primary"
    return {
        "alerts": pd.read_parquet(primary / "alerts.parquet"),
        "people": pd.read_parquet(primary / "restricted" / "alert_identities.parquet"),
        "events": pd.read_parquet(tiny_modelled / "01_raw" / "_truth" / "alert_events.parquet"),
    }


def test_every_alert_row_is_read_and_accounted_for(tiny_modelled, clues):
    accounting = pd.read_csv(tiny_modelled / "08_reporting" / "row_accounting.csv")
    row = accounting.set_index("source").loc["alerts"]
    files = sorted((tiny_modelled / "01_raw" / "alerts").rglob("*.csv"))
    assert row["read"] == sum(len(pd.read_csv(p, dtype=str)) for p in files) > 100
    assert row["read"] == row["clean"] + row["quarantined"] + row["duplicates"]
    assert row["clean"] == len(clues["alerts"]) == len(clues["people"])
    assert row["duplicates"] > 0  # a month's file sent again (重发/) is read, counted once


def test_clues_carry_no_name_or_id_number_outside_the_restricted_table(clues):
    alerts, people = clues["alerts"], clues["people"]
    assert not {"name", "id_number", "phone"} & set(alerts.columns)
    text = alerts.astype(str).to_numpy().ravel()
    assert not set(people["id_number"]) & set(text)
    # the restricted table holds the ID numbers as 18 characters: 15-digit ones upgraded,
    # a lower-case x made upper case
    assert people["id_number"].str.fullmatch(r"\d{17}[\dX]").all()


def test_clues_are_linked_to_households_and_the_rest_are_candidates(tiny_modelled, clues):
    alerts, people, events = clues["alerts"], clues["people"], clues["events"]
    on_record = set(identities(tiny_modelled)["id_number"].dropna())
    by_id = alerts["linked_by"] == "id_number"
    assert people.loc[by_id.to_numpy(), "id_number"].isin(on_record).all()
    assert (alerts["candidate"] == alerts["household_code"].isna()).all()
    candidates = people.loc[alerts["candidate"].to_numpy(), "id_number"]
    assert len(candidates) and not candidates.isin(on_record).any()
    # The truth: the candidates are residents of households outside the monitoring system.
    outside = events.drop_duplicates("id_number").set_index("id_number")["in_system"]
    assert (~outside.reindex(candidates).fillna(False).astype(bool)).mean() > 0.95
    # Every clean clue has its village, by name.
    assert alerts["village_code"].str.fullmatch(r"\d{12}").all()


def test_village_names_match_whatever_the_suffix_and_several_are_named():
    villages = pd.DataFrame(
        {
            "village_code": ["520122101201", "520122102201", "520122102202"],
            "township": ["甲镇", "乙镇", "乙镇"],
            "village": ["清田村", "清田村", "松海村"],
        }
    )
    township = pd.Series(["乙镇", "", "", "", "丙镇"])
    village = pd.Series(["清田村委会", "松海社区", "清田", "新村", "松海"])
    code, candidates = match_villages(township, village, villages)
    assert code.tolist()[:2] == ["520122102201", "520122102202"]
    assert pd.isna(code.iloc[2]) and "甲镇 清田村 520122101201" in candidates.iloc[2]
    assert pd.isna(code.iloc[3]) and pd.isna(candidates.iloc[3])  # unknown: none
    assert code.iloc[4] == "520122102202"  # an unknown township: the name alone decides
    assert village_key(pd.Series(["清田村民委员会"])).tolist() == ["清田"]


def test_an_id_that_fails_its_check_is_linked_by_name_within_the_village():
    residents = pd.DataFrame(
        {
            "year": [2024, 2024],
            "person_code": ["P1", "P2"],
            "household_code": ["H1", "H2"],
            "village_code": ["520122101201", "520122101201"],
            "name": ["张德明", "李秀兰"],
            "id_number": ["520122197003050116", "520122198001010022"],
        }
    )
    typo = "520122197003050117"
    assert not resident_id.valid_check_character(np.array([typo])).all()
    ids = pd.Series([typo, "520122197003050116", "52012219990101001X"])
    names = pd.Series(["张德明", "张得明", "王五"])
    village = pd.Series(["520122101201"] * 3)
    linked = link_people(ids, names, village, residents)
    assert linked["linked_by"].tolist() == ["name_and_village", "id_number", ""]
    assert linked["household_code"].tolist()[:2] == ["H1", "H1"]
    assert linked["name_on_record"].tolist()[1] == "张德明"  # differs: flagged by the cleaning


def test_monthly_repeats_of_one_stay_are_one_episode(clues):
    """医保 pushes a stay again every month while its cumulative cost rises: one episode,
    numbered pushes, the amount never falling."""
    alerts, people = clues["alerts"], clues["people"]
    key = alerts.assign(id=people["id_number"].to_numpy())
    per_episode = key.groupby("episode")
    shared = per_episode[["id", "department", "alert_type", "event_date"]].nunique()
    assert (shared == 1).all().all()
    repeated = per_episode.size()[per_episode.size() > 1].index
    assert len(repeated) and alerts["episode"].nunique() < len(alerts)
    medical = key[key["episode"].isin(repeated)].sort_values(["episode", "push_number"])
    assert set(medical["department"]) == {"医保"}
    assert medical.groupby("episode")["amount"].apply(lambda a: a.is_monotonic_increasing).all()
    first = key.sort_values(["episode", "push_month"]).groupby("episode")["push_number"].first()
    assert (first == 1).all()
