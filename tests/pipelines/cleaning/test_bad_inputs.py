"""A hand-written bad-input corpus: each file-level defect stops the run with one clear
message; each row-level defect ends with the expected reason code; nothing is lost."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from ecpa_pipeline.datasets import RawFileError
from tests.conftest import PROJECT_ROOT, clean_world, identities
from tests.pipelines.cleaning.mini_world import REGISTRY_HEADER, write_mini_world


@pytest.fixture(scope="module")
def mini(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("mini")
    write_mini_world(data / "01_raw")
    clean_world(data)
    return data


@pytest.fixture(scope="module")
def ledger(mini) -> pd.DataFrame:
    return pd.read_parquet(mini / "02_intermediate" / "row_issues.parquet")


def codes_at(ledger: pd.DataFrame, file: str, row: int) -> set[str]:
    at = ledger[(ledger["source_file"] == file) & (ledger["source_row"] == row)]
    return set(at["code"])


@pytest.mark.parametrize(
    ("file", "row", "expected"),
    [
        ("registry/registry_2019.csv", 2, set()),
        ("registry/registry_2019.csv", 3, {"unknown_code"}),
        ("registry/registry_2019.csv", 4, {"id_invalid_check", "id_sex_mismatch", "bad_phone"}),
        ("registry/registry_2019.csv", 5, set()),
        # a household with two heads or none: every row, never resolved silently
        ("registry/registry_2019.csv", 6, {"two_heads"}),
        ("registry/registry_2019.csv", 7, {"two_heads"}),
        ("registry/registry_2019.csv", 8, {"exact_duplicate"}),
        ("registry/registry_2019.csv", 10, {"headless_household"}),
        # the same 人编号 (lines 9, 12) and the same ID number with another 人编号 (11, 13)
        # under two households: neither household is trusted, every row of both quarantined
        ("registry/registry_2019.csv", 9, {"person_in_two_households"}),
        ("registry/registry_2019.csv", 11, {"person_in_two_households"}),
        ("registry/registry_2019.csv", 14, {"person_in_two_households"}),
        ("registry/registry_2019.csv", 12, {"person_in_two_households"}),
        ("registry/registry_2019.csv", 13, {"person_in_two_households"}),
        ("income/income_2019.csv", 5, {"household_quarantined"}),
        ("income/income_2019.csv", 6, {"unknown_household"}),
        ("orders/taobao/taobao_2019Q1.csv", 2, set()),
        ("orders/taobao/taobao_2019Q1.csv", 4, {"unknown_product"}),
        ("orders/taobao/taobao_2019Q1.csv", 5, {"unknown_shop"}),
        ("orders/taobao/taobao_2019Q1.csv", 6, {"missing_amount"}),
        ("orders/taobao/taobao_2019Q1.csv", 7, {"no_weight"}),
        ("orders/taobao/taobao_2019Q1.csv", 8, {"shop_quarantined"}),
        ("orders/taobao/taobao_2019Q2.csv", 2, {"exact_duplicate"}),
        ("village_production.csv", 4, {"unknown_product"}),
        ("shops.csv", 5, {"unknown_village"}),
    ],
)
def test_row_level_defects_get_their_reason(ledger, file, row, expected):
    assert codes_at(ledger, file, row) == expected


@pytest.mark.parametrize(
    ("row", "detail"),
    [
        (9, "5201221012010007 (shares a person with 5201221012010006)"),
        (14, "5201221012010007 (shares a person with 5201221012010006)"),
        (12, "5201221012010006 (shares a person with 5201221012010007)"),
    ],
)
def test_a_person_in_two_households_names_both_households(ledger, row, detail):
    file = ledger["source_file"] == "registry/registry_2019.csv"
    assert ledger.loc[file & (ledger["source_row"] == row), "detail"].tolist() == [detail]


def _replace_in_row(path: Path, row: int, old: str, new: str, encoding: str) -> None:
    """Replace ``old`` by ``new`` once in line ``row`` (header = 1) of a CSV file."""
    lines = path.read_bytes().decode(encoding).split("\n")
    assert old in lines[row - 1], (path.name, row, old)
    lines[row - 1] = lines[row - 1].replace(old, new, 1)
    path.write_bytes("\n".join(lines).encode(encoding))


def test_values_outside_their_range_are_quarantined_naming_column_and_value(tmp_path):
    """Negative incomes, amounts and output, 13 months of migrant work and an unreadable order
    quantity are row defects: the run goes on, each row is quarantined with its reason."""
    raw = write_mini_world(tmp_path / "01_raw")
    _replace_in_row(raw / "income" / "income_2019.csv", 3, ",1000,400,", ",-1000,400,", "utf-8")
    _replace_in_row(
        raw / "registry" / "registry_2019.csv", 3, ",未务工,0,", ",未务工,13,", "utf-8-sig"
    )
    taobao = raw / "orders" / "taobao" / "taobao_2019Q1.csv"
    _replace_in_row(taobao, 2, ",29.9,29.9,交易成功", ",29.9,-29.9,交易成功", "gbk")
    _replace_in_row(taobao, 3, "2.5kg*2箱,1,", "2.5kg*2箱,一箱,", "gbk")
    _replace_in_row(raw / "village_production.csv", 2, ",120,300000,", ",120,-300000,", "utf-8")
    clean_world(tmp_path)
    ledger = pd.read_parquet(tmp_path / "02_intermediate" / "row_issues.parquet")
    quarantined = ledger[ledger["outcome"] == "quarantine"].set_index(["source_file", "source_row"])
    expected = {
        ("income/income_2019.csv", 3): ("out_of_range", "business_income=-1000"),
        ("registry/registry_2019.csv", 3): ("out_of_range", "migrant_months=13"),
        ("orders/taobao/taobao_2019Q1.csv", 2): ("out_of_range", "amount_yuan=-29.9"),
        ("orders/taobao/taobao_2019Q1.csv", 3): ("unreadable_quantity", "一箱"),
        ("village_production.csv", 2): ("out_of_range", "output=-300000"),
    }
    for at, (code, detail) in expected.items():
        assert tuple(quarantined.loc[at, ["code", "detail"]]) == (code, detail), at
    assert "-1000" in quarantined.loc[("income/income_2019.csv", 3), "raw_values"]
    acc = pd.read_csv(tmp_path / "08_reporting" / "row_accounting.csv")
    assert acc["balanced"].all()
    income = pd.read_parquet(tmp_path / "03_primary" / "household_income.parquet")
    assert (income[["wage_income", "business_income"]] >= 0).all().all()


def test_household_flags_and_sizes(ledger, mini):
    households = pd.read_parquet(mini / "03_primary" / "households.parquet").set_index(
        "household_code"
    )
    # quarantined households (two heads, no head) are not resolved from some row
    assert set(households.index) == {"5201221012010001", "5201221012010002", "5201221012010003"}
    # 0006 and 0007, which list the same people, are nowhere; 0001 is whole
    assert households.loc["5201221012010001", "member_count"] == 2
    assert households.loc["5201221012010002", "member_count"] == 1
    # 0003: registry says 5000 (full-width) and the survey gives (4000 + 1500 - 500) / 1.
    assert households.loc["5201221012010003", "income_per_capita_registry"] == 5000
    assert households.loc["5201221012010003", "income_per_capita"] == 5000
    assert (
        households.loc["5201221012010001", "income_per_capita"] == (6000 + 2000 - 1000 + 1000) / 2
    )
    assert households.loc["5201221012010003", "status_change"] == "exit"


def test_values_are_normalised(mini):
    persons = pd.read_parquet(mini / "03_primary" / "persons.parquet").set_index("person_code")
    assert persons.loc["520122101201000201", "health"] == "患有大病"
    assert persons.loc["520122101201000201", "labour_skill"] == "弱劳动力或半劳动力"
    people = identities(mini).set_index("person_code")
    assert people.loc["520122101201000301", "id_number"] == "520122199007200424"  # guard removed
    assert not persons.loc["520122101201000201", "id_valid"]
    income = pd.read_parquet(mini / "03_primary" / "household_income.parquet").set_index(
        "household_code"
    )
    assert income.loc["5201221012010001", "wage_income"] == 6000
    assert income.loc["5201221012010002", "transfer_income"] == 1900
    assert income.loc["5201221012010002", ["assist_health", "assist_safety_net"]].all()
    assert not income.loc["5201221012010002", "assist_industry"]


def test_orders_from_every_platform_share_one_schema(mini):
    lines = pd.read_parquet(mini / "03_primary" / "order_lines.parquet").set_index("order_id")
    assert lines.loc["1001", "quantity_kg"] == 2.5 and lines.loc["1001", "product_code"] == "P09"
    assert lines.loc["1002", "status"] == "refunded" and not lines.loc["1002", "is_revenue"]
    assert lines.loc["1002", "quantity_kg"] == 5.0
    assert lines.loc["190301-1", "quantity_kg"] == 5.0  # 2 packs of 5 斤
    assert lines.loc["190301-2", "status"] == "refunded"
    assert lines.loc["CG1", "quantity_kg"] == 5.0 and lines.loc["CG1", "product_code"] == "P04"
    assert lines.loc["CG2", "quantity_kg"] == 5.0  # sold by the 公斤
    assert lines.loc["CG1", "village_code"] == "520122101202"
    assert set(lines["platform"]) == {"淘宝", "拼多多", "832平台"}


def test_accounting_holds_for_the_corpus(mini):
    acc = pd.read_csv(mini / "08_reporting" / "row_accounting.csv").set_index("source")
    assert acc.loc["registry"].to_dict() == {
        "read": 13,
        "clean": 4,
        "quarantined": 8,
        "duplicates": 1,
        "balanced": True,
    }
    assert acc.loc["orders_taobao", "read"] == 8
    assert acc.loc["orders_taobao", "duplicates"] == 1
    assert acc["balanced"].all()


def _break(raw: Path, how: str) -> str:  # noqa: PLR0911 - one return per defect
    """Introduce one file-level defect; return the message the run must give."""
    if how == "encoding":
        (raw / "registry" / "registry_2019.csv").write_bytes(
            b"\xff\xfe\xff" + REGISTRY_HEADER.encode("utf-16")
        )
        return "registry/registry_2019.csv: unreadable encoding"
    if how == "missing_column":
        path = raw / "registry" / "registry_2019.csv"
        path.write_text(
            path.read_text(encoding="utf-8-sig").replace("证件号码", "身份证"), encoding="utf-8"
        )
        return "registry/registry_2019.csv: required column(s) missing: 证件号码 (id_number)"
    if how == "empty":
        (raw / "villages.csv").write_bytes(b"")
        return "villages.csv: empty file"
    if how == "header_only":
        path = raw / "products.csv"
        path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
        return "products.csv: no data rows below the header"
    if how == "year":
        (raw / "income" / "income_2019.csv").rename(raw / "income" / "income_2018.csv")
        return "income/income_2018.csv: the file name says 2018 but its rows say 2019"
    if how == "edited_copy":
        path = raw / "registry" / "registry_2019.csv"
        text = path.read_text(encoding="utf-8-sig").replace("张德明", "张得明")
        (raw / "registry" / "registry_2019 (副本).csv").write_text(text, encoding="utf-8")
        return (
            "registry/registry_2019.csv: a second file for 2019 beside "
            "registry/registry_2019 (副本).csv: keep one export per year"
        )
    if how == "no_files":
        (raw / "registry" / "registry_2019.csv").unlink()
        return "registry: no files found for this source"
    raise ValueError(how)


@pytest.mark.parametrize(
    "how",
    ["encoding", "missing_column", "empty", "header_only", "year", "edited_copy", "no_files"],
)
def test_file_level_defects_stop_the_run_with_a_clear_message(tmp_path, how):
    raw = write_mini_world(tmp_path / "01_raw")
    message = _break(raw, how)
    with pytest.raises(RawFileError) as info:
        clean_world(tmp_path)
    assert message in str(info.value)


def test_a_platform_file_with_a_header_and_no_rows_is_a_quarter_without_orders(tmp_path):
    raw = write_mini_world(tmp_path / "01_raw")
    taobao = raw / "orders" / "taobao"
    header = (taobao / "taobao_2019Q1.csv").read_bytes().splitlines()[0]
    (taobao / "taobao_2019Q3.csv").write_bytes(header + b"\n")
    clean_world(tmp_path)
    acc = pd.read_csv(tmp_path / "08_reporting" / "row_accounting.csv").set_index("source")
    assert acc.loc["orders_taobao", "read"] == 8 and acc["balanced"].all()
    lines = pd.read_parquet(tmp_path / "03_primary" / "order_lines.parquet")
    assert (lines["platform"] == "淘宝").sum() > 0
    assert not lines["source_file"].str.endswith("Q3.csv").any()


def test_exports_in_a_subfolder_of_a_source_folder_are_read(tmp_path):
    raw = write_mini_world(tmp_path / "01_raw")
    taobao = raw / "orders" / "taobao"
    (taobao / "2019").mkdir()
    (taobao / "taobao_2019Q1.csv").rename(taobao / "2019" / "taobao_2019Q1.csv")
    clean_world(tmp_path)
    acc = pd.read_csv(tmp_path / "08_reporting" / "row_accounting.csv").set_index("source")
    assert acc.loc["orders_taobao", "read"] == 8  # as when the file was one level up


def test_a_row_with_too_many_fields_stops_the_run_naming_the_row(tmp_path):
    raw = write_mini_world(tmp_path / "01_raw")
    path = raw / "registry" / "registry_2019.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    lines[3] += ",an unquoted, comma"  # row 4 (header = row 1) gets two fields too many
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fields = len(lines[0].split(","))
    with pytest.raises(RawFileError) as info:
        clean_world(tmp_path)
    assert str(info.value) == (
        f"registry/registry_2019.csv: row 4 has {fields + 2} fields where the header has {fields}"
    )


def test_english_aliases_and_header_variants_are_accepted(tmp_path, parameters):
    raw = write_mini_world(tmp_path / "01_raw")
    path = raw / "registry" / "registry_2019.csv"
    text = path.read_text(encoding="utf-8-sig")
    _header, body = text.split("\n", 1)
    english = ",".join(f" {c} " for c in parameters["raw_contract"]["registry"])  # padded aliases
    path.write_text(english + "\n" + body, encoding="gb18030")
    clean_world(tmp_path)
    persons = pd.read_parquet(tmp_path / "03_primary" / "persons.parquet")
    assert len(persons) == 4


@pytest.mark.slow
def test_cli_reports_a_file_level_error_by_file_and_problem(tmp_path):
    raw = write_mini_world(tmp_path / "data" / "01_raw")
    message = _break(raw, "missing_column")
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path}/mlflow.db",
        "KEDRO_LOGGING_CONFIG": str(PROJECT_ROOT / "conf" / "logging.yml"),
    }
    result = subprocess.run(
        [
            str(Path(os.sys.executable).parent / "kedro"),
            "run",
            "--pipelines=cleaning",
            "--params",
            f"data_dir={tmp_path / 'data'}",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 1
    # the message is the first error line and the last line; no traceback buries it
    errors = [line for line in output.splitlines() if " - ERROR - " in line]
    assert errors[0].endswith(" - ERROR - " + message)
    assert output.splitlines()[-1] == "Error: " + message
    assert "Traceback" not in output
