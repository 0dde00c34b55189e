"""OptionalDataset, SecretDataset, WorkbookDataset, SpreadsheetSafeCSVDataset and
MlflowTagsDataset on their own."""

from __future__ import annotations

import csv
import zipfile

import mlflow
import openpyxl
import pandas as pd
import pytest
from kedro.io import DatasetError
from kedro_datasets.pandas import ParquetDataset

from ecpa_pipeline.datasets import (
    MlflowTagsDataset,
    OptionalDataset,
    SecretDataset,
    SpreadsheetSafeCSVDataset,
    WorkbookDataset,
)
from ecpa_pipeline.datasets.atomic import WrittenInPlace

#: Texts a spreadsheet would run: formulas, DDE, and an already quoted formula.
FORMULAS = ['=HYPERLINK("http://x","y")', "+2*3", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "'=1"]


def test_optional_dataset_is_none_until_the_owner_writes_it(tmp_path):
    path = tmp_path / "recs.csv"
    dataset = OptionalDataset({"type": "pandas.CSVDataset", "filepath": str(path)})
    assert dataset.load() is None
    pd.DataFrame({"a": [1]}).to_csv(path, index=False)
    assert dataset.load()["a"].tolist() == [1]
    with pytest.raises(DatasetError, match="read-only"):
        dataset.save(pd.DataFrame())


def test_secret_dataset_gives_the_key_and_never_shows_it():
    dataset = SecretDataset({"key": "s3cr3t-key"})
    assert dataset.load() == "s3cr3t-key"
    assert "s3cr3t" not in str(dataset)
    assert SecretDataset(None).load() == ""  # the node that needs a key says what to do


def test_workbook_dataset_keeps_what_pandas_would_drop(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["户编号", "风险"])
    sheet.append(["H1", "高风险"])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = "A1:B2"
    dataset = WorkbookDataset(str(tmp_path / "out" / "county.xlsx"))
    assert not dataset.exists()
    dataset.save(book)
    loaded = dataset.load().active
    assert loaded.freeze_panes == "A2" and loaded.auto_filter.ref == "A1:B2"
    assert loaded["B2"].value == "高风险"


def test_workbook_dataset_writes_formula_looking_text_as_text(tmp_path):
    texts = [t for t in FORMULAS if "\r" not in t]  # XML reads a carriage return as \n
    book = openpyxl.Workbook()
    for text in texts:
        book.active.append([text, 1])
    path = tmp_path / "county.xlsx"
    WorkbookDataset(str(path)).save(book)
    with zipfile.ZipFile(path) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    cells = [row[0] for row in openpyxl.load_workbook(path).active.iter_rows()]
    assert [c.value for c in cells] == texts
    assert {c.data_type for c in cells} == {"s"}


def test_safe_csv_quotes_formulas_on_disk_and_reads_back_what_was_written(tmp_path):
    frame = pd.DataFrame(
        {
            "text": [*FORMULAS, "仁松县", "'plain", None],
            "number": [-1.5, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        }
    )
    path = tmp_path / "list.csv"
    dataset = SpreadsheetSafeCSVDataset(filepath=str(path), save_args={"index": False})
    dataset.save(frame)
    with path.open(encoding="utf-8", newline="") as handle:
        cells = [row[0] for row in csv.reader(handle)][1:]
    assert cells[:7] == ["'" + t for t in FORMULAS]
    assert cells[7:] == ["仁松县", "'plain", ""]
    pd.testing.assert_frame_equal(dataset.load(), frame)


def test_tags_dataset_sets_tags_or_params_on_the_active_run_only(mlflow_store):
    experiment = mlflow.create_experiment("tags", artifact_location=str(mlflow_store / "art"))
    MlflowTagsDataset().save({"outside": "a run"})  # no run: nothing, no error
    with mlflow.start_run(experiment_id=experiment) as run:
        MlflowTagsDataset().save({"git_commit": "abc"})
        MlflowTagsDataset(as_params=True).save({"market_source_present": False})
    data = mlflow.MlflowClient().get_run(run.info.run_id).data
    assert data.tags["git_commit"] == "abc" and "git_commit" not in data.params
    assert data.params["market_source_present"] == "False"
    assert "outside" not in data.tags
    with pytest.raises(DatasetError, match="write-only"):
        MlflowTagsDataset().load()


def test_a_file_is_written_beside_and_renamed_into_place(tmp_path):
    path = tmp_path / "03_primary" / "villages.parquet"
    dataset = WrittenInPlace(ParquetDataset(filepath=str(path)))
    old = pd.DataFrame({"village_code": ["520122101201"]})
    dataset.save(old)
    assert sorted(p.name for p in path.parent.iterdir()) == ["villages.parquet"]
    pd.testing.assert_frame_equal(dataset.load(), old)

    class Broken(dict):  # a run killed while writing: the writer fails halfway
        pass

    with pytest.raises(DatasetError):
        dataset.save(Broken())
    pd.testing.assert_frame_equal(pd.read_parquet(path), old)  # the old file is intact
    assert sorted(p.name for p in path.parent.iterdir()) == ["villages.parquet"]
