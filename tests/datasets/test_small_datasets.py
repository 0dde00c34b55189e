"""OptionalDataset, SecretDataset, WorkbookDataset and MlflowTagsDataset on their own."""

from __future__ import annotations

import mlflow
import openpyxl
import pandas as pd
import pytest
from kedro.io import DatasetError

from ecpa_pipeline.datasets import (
    MlflowTagsDataset,
    OptionalDataset,
    SecretDataset,
    WorkbookDataset,
)


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
    with pytest.raises(DatasetError, match=r"conf/local/credentials\.yml"):
        SecretDataset(None).load()


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
