"""Hostile texts in the villages table (place names that are spreadsheet formulas, HTML or a
path) reach the officials' exports as inert text: no formula in any workbook or CSV cell, no
markup in the HTML report, no file outside the report folders."""

from __future__ import annotations

import csv
import html
import shutil
import zipfile

import openpyxl
import pandas as pd
import pytest

from tests.conftest import kedro_run

pytestmark = pytest.mark.slow

HOSTILE = {
    "county": '../../=HYPERLINK("http://x","y")',
    "township": "=2*3",
    "village": "+SUM(1,2)<script>alert(1)</script>",
}
FORMULA_START = tuple("=+-@\t\r")


@pytest.fixture(scope="module")
def hostile(trained_store, tmp_path_factory):
    """The tiny world's data and MLflow store copied, every village renamed hostile, and the
    household lists made from it."""
    root = tmp_path_factory.mktemp("hostile")
    data, store = root / "data", root / "store"
    shutil.copytree(trained_store["data"], data)
    shutil.copytree(trained_store["path"], store)
    shutil.rmtree(data / "08_reporting" / "household_ranking", ignore_errors=True)
    villages = pd.read_parquet(data / "03_primary" / "villages.parquet")
    villages.assign(**HOSTILE).to_parquet(data / "03_primary" / "villages.parquet")
    kedro_run("household_ranking", data, store)
    return root, data / "08_reporting" / "household_ranking"


def test_county_names_never_leave_the_report_folders(hostile):
    root, out = hostile
    workbooks = sorted((out / "workbooks").iterdir())
    pages = sorted((out / "html").iterdir())
    assert [p.suffix for p in workbooks] == [".xlsx"] * 2 and len(pages) == 2  # zh and en
    for path in [*workbooks, *pages]:
        assert path.parent.parent == out and "/" not in path.stem and ".." not in path.name
    written = {p.resolve() for p in root.rglob("*") if p.is_file() and "HYPERLINK" in p.name}
    assert written == {p.resolve() for p in [*workbooks, *pages]}  # the report set's folder


def test_no_workbook_cell_is_a_formula_and_the_text_is_kept(hostile):
    _, out = hostile
    (path,) = (out / "workbooks").glob("*_zh.xlsx")
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) > 2  # summary sheets and one per village
        for name in sheets:
            assert "<f>" not in archive.read(name).decode("utf-8"), name
    book = openpyxl.load_workbook(path)
    texts = {c.value for ws in book for row in ws.iter_rows() for c in row if c.value}
    assert HOSTILE["township"] in texts and HOSTILE["county"] in texts
    assert all(
        c.data_type == "s"
        for ws in book
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("=")
    )


def test_no_csv_cell_starts_a_formula(hostile):
    _, out = hostile
    files = [
        *out.glob("*.csv"),
        hostile[0] / "data" / "07_model_output" / "household_ranking_audit_list.csv",
    ]
    assert len(files) >= 3
    seen = set()
    for path in files:
        with path.open(encoding="utf-8") as handle:
            for row in csv.reader(handle):
                assert not [c for c in row if c.startswith(FORMULA_START)], (path.name, row)
                seen |= set(row)
    assert "'" + HOSTILE["township"] in seen  # quoted, not dropped


def test_the_html_report_shows_the_names_as_text(hostile):
    _, out = hostile
    (page,) = (out / "html").glob("*_zh.html")
    text = page.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in text
    assert html.escape(HOSTILE["village"], quote=False) in text
