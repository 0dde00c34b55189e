"""A throw-away MLflow store per test, the previous tracking URI restored afterwards."""

from __future__ import annotations

import mlflow
import pytest


@pytest.fixture
def mlflow_store(tmp_path, monkeypatch):
    previous = mlflow.get_tracking_uri()
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    mlflow.set_tracking_uri(uri)
    yield tmp_path
    mlflow.set_tracking_uri(previous)
