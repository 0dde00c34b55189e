"""What the townships' visits found (contract addition §10a): every row accounted for, each
§10a defect caught with its reason, the last visit of a month standing, and the visit files
never read as department alerts."""

from __future__ import annotations

import pandas as pd
import pytest

from ecpa_pipeline.datasets import RawFilesDataset
from ecpa_pipeline.pipelines.cleaning import nodes
from ecpa_pipeline.pipelines.monitoring_visits.months import keyed_visits

HEADER = "户编号,证件号码,姓名,所在村,核查日期,核查结果,原因,核查人,核查编号"
ROWS = [
    "5201221012010001,520122196511181222,张三,清田村,2025-03-05,不符合,收入高于监测线,李干部,",  # 2
    "5201221012010002,520122196511181222,王五,清田村,2025-03-06,不符合,,李干部,",  # 3: no reason
    ",52012219700101123x,赵六,清田村,2025-02-20,符合纳入条件,,李干部,",  # 4: before the list
    "9999999999999999,520122196511181222,钱七,清田村,2025-03-07,符合纳入条件,,李干部,",  # 5
    "5201221012010003,520122196511181222,孙八,清田村,2025-03-07,已核查,,李干部,",  # 6: bad outcome
    "5201221012010001,520122196511181222,张三,清田村,2025-03-20,符合纳入条件,,李干部,",  # 7: again
    "5201221012010003,520122196511181222,孙八,清田村,2025-13-40,不符合,外出,李干部,",  # 8: bad date
    ",,无名,清田村,2025-03-08,未见到户,外出务工,李干部,",  # 9: neither code, ID nor number
    # 10: the list's own sheet returned — a candidate: no code, the ID masked, its 核查编号
    ",5201**********729X,,清田村,2025-03-09,不符合,务工收入稳定,,202503-0007",
]


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory, parameters):
    root = tmp_path_factory.mktemp("visits")
    folder = root / "alerts" / "visits"
    folder.mkdir(parents=True)
    (folder / "202503_五元镇.csv").write_text("\n".join([HEADER, *ROWS]) + "\n", "utf-8")
    (root / "alerts" / "202503_医保.csv").write_text("推送部门\n", "utf-8")
    households = pd.DataFrame(
        {"household_code": [f"520122101201000{i}" for i in (1, 2, 3)], "year": 2025}
    )
    raw = RawFilesDataset(str(root), "alerts/visits/*").load()
    outcomes, people, ledger, accounting = nodes.clean_visits(
        raw,
        households,
        parameters["raw_contract"],
        parameters["code_lists"],
        parameters["cleaning"],
    )
    return {
        "root": root,
        "outcomes": outcomes,
        "people": people,
        "ledger": ledger,
        "accounting": accounting,
    }


def test_every_visit_row_is_accounted_for(cleaned):
    (row,) = cleaned["accounting"].to_dict("records")
    assert row["read"] == len(ROWS)
    assert row["read"] == row["clean"] + row["quarantined"] + row["duplicates"]
    assert row["clean"] == 4 and row["quarantined"] == 4 and row["duplicates"] == 1


@pytest.mark.parametrize(
    ("line", "outcome", "code"),
    [
        (3, "flag", "outcome_without_reason"),
        (4, "flag", "visit_before_list"),
        (5, "quarantine", "unknown_household"),
        (6, "quarantine", "bad_code"),
        (2, "duplicate", "visited_again"),
        (7, "flag", "two_outcomes"),
        (8, "quarantine", "bad_date"),
        (9, "quarantine", "missing_key"),
    ],
)
def test_each_defect_ends_with_its_reason(cleaned, line, outcome, code):
    at = cleaned["ledger"][cleaned["ledger"]["source_row"] == line]
    assert (outcome, code) in set(zip(at["outcome"], at["code"], strict=True))


def test_the_last_visit_of_the_month_stands_and_people_stay_restricted(cleaned):
    outcomes = cleaned["outcomes"].set_index("source_row")
    assert outcomes.loc[7, "outcome"] == "符合纳入条件"  # 2025-03-20 after 03-05
    assert (outcomes["list_month"] == 202503).all() and (outcomes["township"] == "五元镇").all()
    assert pd.isna(outcomes.loc[4, "household_code"])  # a candidate: no code yet
    assert not {"name", "id_number", "visitor"} & set(cleaned["outcomes"].columns)
    people = cleaned["people"].set_index("source_row")
    assert people.loc[4, "id_number"] == "52012219700101123X"  # lower-case x normalised
    assert outcomes.loc[10, "visit_id"] == "202503-0007" and pd.isna(people.loc[10, "id_number"])


def test_a_returned_list_row_finds_its_household_by_its_visit_number(cleaned):
    # A masked ID is no ID: the row is keyed through the list's numbers, not a pseudonym of
    # the mask.
    listed = pd.DataFrame({"visit_id": ["202503-0007"], "household_key": ["r_candidate"]})
    residents = pd.DataFrame(
        {
            "source_file": cleaned["people"]["source_file"],
            "source_row": cleaned["people"]["source_row"],
            "resident_key": cleaned["people"]["id_number"].map(
                lambda v: f"r_{v}", na_action="ignore"
            ),
        }
    )
    keys = pd.DataFrame({"household_code": ["5201221012010001"], "household_key": ["h_1"]})
    visits = keyed_visits(cleaned["outcomes"], keys, residents, {"202503": lambda: listed})
    by_key = visits.set_index("household_key")["outcome"]
    assert by_key["r_candidate"] == "不符合" and by_key["h_1"] == "符合纳入条件"
    assert by_key["r_52012219700101123X"] == "符合纳入条件"


def test_visit_files_are_not_read_as_department_alerts(cleaned):
    alerts = RawFilesDataset(
        str(cleaned["root"]), "alerts/*", copies="read", exclude=["alerts/visits"]
    ).load()
    assert list(alerts) == ["alerts/202503_医保.csv"]
