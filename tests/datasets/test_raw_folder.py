"""Nothing in a raw folder is passed over without a word, and no file can make the cleaning
hold more than its limits allow (#26: every case here was silent or unbounded before)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import openpyxl
import pytest

from ecpa_pipeline.datasets import RawFileError, RawFilesDataset, RawSkippedDataset
from ecpa_pipeline.datasets.raw_files import LINE
from tests.conftest import load_config

HEADER = "户编号,人数\n"
SOURCES = ["registry/*", "villages.*", "orders/taobao/*"]


@pytest.fixture
def raw(tmp_path):
    (tmp_path / "registry").mkdir()
    (tmp_path / "registry" / "registry_2019.csv").write_text(HEADER + "H1,2\n", encoding="utf-8")
    return tmp_path


def load(raw, pattern="registry/*", **limits):
    return RawFilesDataset(str(raw), pattern, limits=limits or None).load()


def read_all(raw, pattern="registry/*", **limits):
    """Every file of the source read, as the cleaning reads them."""
    return {name: loader() for name, loader in load(raw, pattern, **limits).items()}


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("registry/.registry_2018.csv", "hidden_file"),
        ("registry/~$registry_2019.xlsx", "excel_lock_file"),
        ("registry/Thumbs.db", "system_file"),
        ("registry_2017.csv", "not_a_source"),
        (".DS_Store", "hidden_file"),
    ],
)
def test_entries_not_read_are_listed_with_their_reason(raw, entry, reason):
    (raw / entry).write_text(HEADER + "H9,1\n", encoding="utf-8")
    assert list(load(raw)) == ["registry/registry_2019.csv"]
    skipped = RawSkippedDataset(str(raw), SOURCES).load()
    assert skipped.to_dict("records") == [{"source_file": entry, "reason": reason}]


def test_the_projects_own_files_are_neither_read_nor_listed(raw):
    (raw / ".gitkeep").touch()
    (raw / ".ecpa_simulated").touch()
    assert RawSkippedDataset(str(raw), SOURCES).load().empty


@pytest.mark.parametrize("suffix", [".txt", ".tsv", ".xlsm", ".parquet", ".csv.bak"])
def test_only_the_contracts_file_types_are_read(raw, suffix):
    (raw / "registry" / f"registry_2018{suffix}").write_bytes(HEADER.encode())
    with pytest.raises(RawFileError, match="unsupported file type") as error:
        read_all(raw)
    assert error.value.file == f"registry/registry_2018{suffix}"


def test_a_broken_link_stops_the_run(raw):
    (raw / "registry" / "registry_2018.csv").symlink_to(raw / "gone.csv")
    with pytest.raises(RawFileError) as error:
        read_all(raw)
    assert str(error.value) == (
        "registry/registry_2018.csv: a link to nothing (broken link): replace it with the file"
    )


def test_a_link_out_of_the_raw_folder_stops_the_run(raw, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere")
    (outside / "passwd.csv").write_text(HEADER + "root,0\n", encoding="utf-8")
    (raw / "registry" / "registry_2018.csv").symlink_to(outside / "passwd.csv")
    with pytest.raises(RawFileError, match="a link to a place outside the raw folder"):
        read_all(raw)
    (raw / "registry" / "registry_2018.csv").unlink()
    (raw / "registry" / "2018").symlink_to(outside, target_is_directory=True)
    with pytest.raises(RawFileError, match=r"^registry/2018: a link to a place outside"):
        read_all(raw)


def test_links_within_the_raw_folder_are_read(raw):
    (raw / "exports" / "2018").mkdir(parents=True)
    (raw / "exports" / "2018" / "registry_2018.csv").write_text(HEADER + "H2,1\n", "utf-8")
    (raw / "registry" / "older").symlink_to(raw / "exports" / "2018", target_is_directory=True)
    assert list(load(raw)) == ["registry/older/registry_2018.csv", "registry/registry_2019.csv"]


def test_a_folder_named_like_an_export_stops_the_run(raw):
    (raw / "registry" / "registry_2018.csv").mkdir()
    with pytest.raises(RawFileError) as error:
        read_all(raw)
    assert str(error.value) == (
        "registry/registry_2018.csv: a folder where an export file is expected"
    )


def test_a_pipe_in_a_source_folder_stops_the_run_without_blocking(raw):
    os.mkfifo(raw / "registry" / "registry_2018.csv")
    with pytest.raises(RawFileError, match="not a regular file"):
        read_all(raw)


def test_a_file_or_folder_that_cannot_be_opened_stops_the_run(raw, monkeypatch):
    # As root every file opens: the permission error is the operating system's answer to
    # another user, given here by os.open / os.scandir themselves.
    real_open = os.open

    def refuse(path, *args, **kwargs):
        if str(path).endswith("registry_2019.csv"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(RawFileError) as error:
        read_all(raw)
    assert str(error.value) == "registry/registry_2019.csv: cannot be read (Permission denied)"


def test_a_folder_that_cannot_be_listed_stops_the_run(raw, monkeypatch):
    (raw / "registry" / "2018").mkdir()
    real_iterdir = Path.iterdir

    def refuse(self):
        if self.name == "2018":
            raise PermissionError(13, "Permission denied")
        return real_iterdir(self)

    monkeypatch.setattr(Path, "iterdir", refuse)
    with pytest.raises(RawFileError) as error:
        read_all(raw)
    assert str(error.value) == "registry/2018: folder cannot be read (Permission denied)"


def test_row_numbers_are_the_files_line_numbers(raw):
    """Blank lines and line breaks inside quoted cells count, as an editor shows them."""
    text = HEADER + '\nH1,1\n\n"H\n2",2\n\r\nH3,3\n,\n'
    (raw / "registry" / "registry_2019.csv").write_text(text, encoding="utf-8")
    table = load(raw)["registry/registry_2019.csv"]()
    assert table.column(LINE).to_pylist() == [3, 5, 8, 9]
    assert table.column("户编号").to_pylist() == ["H1", "H\n2", "H3", ""]  # "," is a row


def test_a_ragged_row_is_named_by_its_line(raw):
    text = HEADER + '\n\nH1,1\n"H\n2",2\nH3,3,3\n'
    (raw / "registry" / "registry_2019.csv").write_text(text, encoding="utf-8")
    with pytest.raises(RawFileError, match="row 7 has 3 fields where the header has 2"):
        load(raw)["registry/registry_2019.csv"]()


def test_sheet_rows_are_the_sheets_row_numbers(raw):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["户编号", "人数"])
    sheet.append(["H1", 1])
    sheet.append([None, None])
    sheet.append(["H2", 2])
    book.save(raw / "registry" / "registry_2018.xlsx")
    table = load(raw)["registry/registry_2018.xlsx"]()
    assert table.column(LINE).to_pylist() == [2, 4]


# Bombs: each built small, with the limits lowered where the default would need a big file.


def test_a_header_of_too_many_fields_stops_before_parsing(raw):
    (raw / "registry" / "registry_2019.csv").write_bytes(b"," * 5_000 + b"\n")
    with pytest.raises(RawFileError, match="the header has 5,001 fields, more than the 1,000"):
        load(raw)["registry/registry_2019.csv"]()


def test_a_line_beyond_the_limit_stops_naming_it(raw):
    text = HEADER + "H1,1\nH2," + "9" * 3_000 + "\n"
    (raw / "registry" / "registry_2019.csv").write_text(text, encoding="utf-8")
    with pytest.raises(RawFileError, match=r"line 3 is 3,004 bytes long, more than the 2 KB"):
        load(raw, max_line_kb=2)["registry/registry_2019.csv"]()


def test_a_file_beyond_the_size_limit_stops(raw):
    with pytest.raises(RawFileError, match=r"more than the 1e-06 MB a raw file may have"):
        load(raw, max_file_mb=0.000001)["registry/registry_2019.csv"]()


def _workbook(path, rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)


def test_a_compression_bomb_stops_before_the_workbook_is_opened(raw):
    path = raw / "registry" / "registry_2018.xlsx"
    _workbook(path, [["户编号", "人数"], ["H1", 1]])
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * 20_000_000)
    with pytest.raises(RawFileError, match=r"unpacks [0-9,]+-fold, more than the 100-fold"):
        load(raw)["registry/registry_2018.xlsx"]()
    with pytest.raises(RawFileError, match=r"unpacks to 19 MB, more than the 5 MB"):
        load(raw, max_xlsx_uncompressed_mb=5, max_xlsx_ratio=1e9)["registry/registry_2018.xlsx"]()


def test_a_cell_far_to_the_right_stops_before_rows_are_built(raw):
    path = raw / "registry" / "registry_2018.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["户编号", "人数"])
    for row in range(2, 200):
        book.active.cell(row=row, column=1, value=f"H{row}")
        book.active.cell(row=row, column=16_384, value="x")  # column XFD
    book.save(path)
    with pytest.raises(RawFileError) as error:
        load(raw)["registry/registry_2018.xlsx"]()
    assert str(error.value) == (
        "registry/registry_2018.xlsx: row 2 has a cell in column XFD (16,384), beyond the "
        "1,000 columns allowed (limits.max_columns)"
    )


def test_a_sheet_reaching_beyond_the_row_limit_stops(raw):
    path = raw / "registry" / "registry_2018.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["户编号", "人数"])
    book.active.cell(row=5_000, column=1, value="H1")
    book.save(path)
    with pytest.raises(RawFileError, match="reaches row 5,000, more than the 1,000 allowed"):
        load(raw, max_rows=1_000)["registry/registry_2018.xlsx"]()


def test_an_unknown_limit_is_refused():
    with pytest.raises(ValueError, match=r"unknown raw-file limit\(s\) \['max_cells'\]"):
        RawFilesDataset("x", "registry/*", limits={"max_cells": 1})


def test_the_catalogs_list_of_what_was_not_read_covers_every_source():
    """``raw_skipped`` lists the sources' patterns again: one left out would be passed over."""
    catalog = load_config()["catalog"]
    sources = {
        entry["pattern"]
        for entry in catalog.values()
        if isinstance(entry, dict) and entry.get("type", "").endswith("RawFilesDataset")
    }
    assert sources and set(catalog["raw_skipped"]["patterns"]) == sources
