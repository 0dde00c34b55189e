"""RawFilesDataset: every encoding of the contract reads to the same text table, lazily."""

from __future__ import annotations

import datetime

import openpyxl
import pytest

from ecpa_pipeline.datasets import RawFileError, RawFilesDataset
from ecpa_pipeline.datasets.raw_files import LINE


def cells(table) -> list[dict]:
    """A raw table's rows without their line numbers."""
    return table.drop_columns([LINE]).to_pylist()


TEXT = '村,人数,金额\n清双村,3,"1,234元"\n黄永村,05,\n'


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        b"\xef\xbb\xbf" + TEXT.encode("utf-8"),
        TEXT.encode("gbk"),
        TEXT.replace(",", "\t").replace('"1\t234元"', "1,234元").encode("gb18030"),
    ],
    ids=["utf-8", "utf-8 with BOM", "gbk", "gb18030 tab-separated"],
)
def test_every_encoding_reads_to_the_same_cells_as_written(tmp_path, data):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.csv").write_bytes(data)
    table = RawFilesDataset(str(tmp_path), "src/*").load()["src/a.csv"]()
    assert table.column_names == ["村", "人数", "金额", LINE]
    # Nothing inferred: the leading zero and the money text stay as typed, blanks are "".
    assert cells(table) == [
        {"村": "清双村", "人数": "3", "金额": "1,234元"},
        {"村": "黄永村", "人数": "05", "金额": ""},
    ]


def test_excel_first_sheet_as_text_and_files_sorted_lock_files_ignored(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["订单号", "数量"])
    book.active.append(["A1", 12])
    (tmp_path / "orders").mkdir()
    book.save(tmp_path / "orders" / "b.xlsx")
    (tmp_path / "orders" / "a.csv").write_text("订单号,数量\nA0,1\n", encoding="utf-8")
    (tmp_path / "orders" / "~$b.xlsx").write_bytes(b"lock")
    loaders = RawFilesDataset(str(tmp_path), "orders/*").load()
    assert list(loaders) == ["orders/a.csv", "orders/b.xlsx"]
    assert cells(loaders["orders/b.xlsx"]()) == [{"订单号": "A1", "数量": "12"}]


def test_excel_cells_keep_their_own_type_codes_typed_as_text_keep_every_digit(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["人编号", "证件号码", "人数", "人均纯收入", "识别监测时间", "残疾"])
    book.active.append(
        [
            "5201221012010001002",
            "520122196203172682",
            6,
            7813.5,
            datetime.datetime(2024, 3, 1),
            True,
        ]
    )
    book.active.append(["5201221012010001003", "-", 4.0, "-", "202405", None])
    book.active.append([None, "-", 1, 0, None, False])  # a blank code: pandas reads floats
    (tmp_path / "monitoring").mkdir()
    book.save(tmp_path / "monitoring" / "monitoring_2024.xlsx")
    table = RawFilesDataset(str(tmp_path), "monitoring/*").load()[
        "monitoring/monitoring_2024.xlsx"
    ]()
    assert cells(table) == [
        {"人编号": "5201221012010001002", "证件号码": "520122196203172682", "人数": "6",
         "人均纯收入": "7813.5", "识别监测时间": "2024-03-01 00:00:00", "残疾": "1"},
        {"人编号": "5201221012010001003", "证件号码": "-", "人数": "4",
         "人均纯收入": "-", "识别监测时间": "202405", "残疾": ""},
        {"人编号": "", "证件号码": "-", "人数": "1", "人均纯收入": "0",
         "识别监测时间": "", "残疾": "0"},
    ]  # fmt: skip


def test_a_header_without_rows_is_a_table_of_zero_rows(tmp_path):
    (tmp_path / "orders").mkdir()
    (tmp_path / "orders" / "q1.csv").write_bytes("订单号,数量\r\n".encode("gbk"))
    book = openpyxl.Workbook()
    book.active.append(["订单号", "数量"])
    book.save(tmp_path / "orders" / "q2.xlsx")
    loaders = RawFilesDataset(str(tmp_path), "orders/*").load()
    for name in ("orders/q1.csv", "orders/q2.xlsx"):
        table = loaders[name]()
        assert table.num_rows == 0 and table.column_names == ["订单号", "数量", LINE], name


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("x.csv", b"", "empty file"),
        ("x.csv", b"a,b\n\xff\xfe\xfd,1\n", "unreadable encoding"),
    ],
)
def test_a_file_level_defect_names_the_file_and_the_problem(tmp_path, name, data, problem):
    (tmp_path / name).write_bytes(data)
    loader = RawFilesDataset(str(tmp_path), name).load()[name]
    with pytest.raises(RawFileError, match=problem) as error:
        loader()
    assert error.value.file == name


def test_no_file_is_an_empty_source_and_the_dataset_is_read_only(tmp_path):
    dataset = RawFilesDataset(str(tmp_path), "market/*")
    assert dataset.load() == {} and not dataset.exists()
    with pytest.raises(Exception, match="read-only"):
        dataset.save({})


def test_files_in_a_subfolder_of_a_source_are_read(tmp_path):
    (tmp_path / "orders" / "2020").mkdir(parents=True)
    (tmp_path / "orders" / ".hidden").mkdir()
    (tmp_path / "orders" / "q1.csv").write_text("订单号\nA1\n", encoding="utf-8")
    (tmp_path / "orders" / "2020" / "q2.csv").write_text("订单号\nA2\n", encoding="utf-8")
    (tmp_path / "orders" / ".hidden" / "q3.csv").write_text("订单号\nA3\n", encoding="utf-8")
    loaders = RawFilesDataset(str(tmp_path), "orders/*").load()
    assert list(loaders) == ["orders/2020/q2.csv", "orders/q1.csv"]


def test_a_copy_of_an_export_stops_naming_both_files(tmp_path):
    (tmp_path / "registry").mkdir()
    data = "户编号\n5201\n".encode()
    (tmp_path / "registry" / "registry_2019.csv").write_bytes(data)
    (tmp_path / "registry" / "registry_2019 - 副本.csv").write_bytes(data)
    loaders = RawFilesDataset(str(tmp_path), "registry/*").load()
    loaders["registry/registry_2019 - 副本.csv"]()  # the first of the two reads
    with pytest.raises(RawFileError) as error:
        loaders["registry/registry_2019.csv"]()
    assert str(error.value) == (
        "registry/registry_2019.csv: the same export as registry/registry_2019 - 副本.csv: "
        "remove one of the two files"
    )
    # two shops without orders in a quarter export the same header: not a copy
    (tmp_path / "pdd").mkdir()
    for shop in ("P1", "P2"):
        (tmp_path / "pdd" / f"{shop}.csv").write_text("订单号,数量\n", encoding="utf-8")
    assert len(RawFilesDataset(str(tmp_path), "pdd/*").load()) == 2


def test_control_characters_in_a_file_name_are_escaped_in_the_message(tmp_path):
    name = "x\n2026-12-06 - INFO - forged.json"
    (tmp_path / name).write_bytes(b"{}")
    (loader,) = RawFilesDataset(str(tmp_path), "x*").load().values()
    with pytest.raises(RawFileError) as error:
        loader()
    assert "\n" not in str(error.value)
    assert str(error.value).startswith("x\\x0a2026-12-06 - INFO - forged.json: unsupported")


def test_a_huge_cell_is_named_by_row_and_column(tmp_path):
    rows = ["订单号,标题", "A1,ok", "A2," + "土" * 40_000, "A3,ok"]
    (tmp_path / "x.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    loader = RawFilesDataset(str(tmp_path), "x.csv").load()["x.csv"]
    with pytest.raises(RawFileError) as error:
        loader()
    assert str(error.value).startswith(
        "x.csv: cell too large in row 3, column '标题' (120,000 bytes"
    )
