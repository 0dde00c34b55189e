"""The project's hooks: the input example the logged exit model carries, and the check of the
tracking server before anything runs, a new sqlite store created by one run at a time (the
one-line node errors: ``test_errors.py``)."""

from __future__ import annotations

import functools
import http.server
import os
import socketserver
import subprocess
import sys
import threading
import time

import mlflow
import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.pipeline import Node, Pipeline
from kedro.runner import SequentialRunner
from kedro_datasets.pandas import CSVDataset
from kedro_mlflow.pipeline import pipeline_ml_factory

from ecpa_pipeline.errors import ProjectError
from ecpa_pipeline.hooks import (
    ModelLoggingHooks,
    OwnRunDataHooks,
    check_tracking_server,
    create_sqlite_store,
)


def _identity(frame: pd.DataFrame) -> pd.DataFrame:
    return frame


def _score(frame: pd.DataFrame, settings: dict) -> pd.DataFrame:
    return frame.assign(probability=0.5, factor_1="x")


def _model_pipeline(**log_model_kwargs):
    training = Pipeline([Node(_identity, "features", "fitted", name="fit")])
    inference = Pipeline([Node(_score, ["features", "params:model"], "scores", name="score")])
    return pipeline_ml_factory(
        training=training,
        inference=inference,
        input_name="features",
        log_model_kwargs={"name": "m", "registered_model_name": "m", **log_model_kwargs},
    )


def _catalog(features: pd.DataFrame, **settings) -> DataCatalog:
    return DataCatalog(
        {
            "features": MemoryDataset(features),
            "scores": MemoryDataset(_score(features, {})),
            "params:model": MemoryDataset({"label": "y", **settings}),
        }
    )


def test_the_logged_model_gets_five_rows_of_its_input_as_example():
    features = pd.DataFrame(
        {"household_key": [f"h_{i}" for i in range(8)], "x": [float(i) for i in range(8)]}
    )
    pipeline = _model_pipeline()
    ModelLoggingHooks().after_pipeline_run(
        run_params={}, pipeline=pipeline, catalog=_catalog(features)
    )
    pd.testing.assert_frame_equal(pipeline.log_model_kwargs["input_example"], features.head(5))


def test_the_logged_model_has_its_configured_name_and_a_signature_with_outputs():
    features = pd.DataFrame({"household_key": ["h_1", "h_2"], "x": [1.0, 2.0]})
    pipeline = _model_pipeline(signature="auto")
    catalog = _catalog(features, registered_model_name="survey_poor")
    ModelLoggingHooks().after_pipeline_run(run_params={}, pipeline=pipeline, catalog=catalog)
    kwargs = pipeline.log_model_kwargs
    assert kwargs["name"] == kwargs["registered_model_name"] == "survey_poor"
    signature = kwargs["signature"]
    assert signature.inputs.input_names() == ["household_key", "x"]
    assert signature.outputs.input_names() == ["household_key", "x", "probability", "factor_1"]
    assert {p.name for p in signature.params.params} == {"model", "runner"}


def test_an_input_example_set_by_configuration_is_kept_and_plain_pipelines_are_ignored():
    own = pd.DataFrame({"household_key": ["h_x"], "x": [1.0]})
    catalog = _catalog(own.iloc[:0])
    pipeline = _model_pipeline(input_example=own)
    ModelLoggingHooks().after_pipeline_run(run_params={}, pipeline=pipeline, catalog=catalog)
    assert pipeline.log_model_kwargs["input_example"] is own
    plain = Pipeline([Node(_identity, "features", "out", name="n")])
    ModelLoggingHooks().after_pipeline_run(run_params={}, pipeline=plain, catalog=catalog)


def test_an_unreachable_tracking_server_stops_with_one_line_at_once():
    with pytest.raises(
        ProjectError, match=r"^MLflow tracking server http://127\.0\.0\.1:9 is unreachable"
    ):
        check_tracking_server("http://127.0.0.1:9", timeout=2)
    check_tracking_server("sqlite:////tmp/mlflow.db")  # a local store: nothing to reach


def test_a_server_that_is_not_mlflow_is_named(tmp_path):
    # any web server without MLflow's /health answers 404
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    with socketserver.TCPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        uri = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            with pytest.raises(ProjectError, match=r"HTTP 404 at /health"):
                check_tracking_server(uri)
        finally:
            server.shutdown()


def test_a_store_that_is_not_a_database_stops_with_one_line(tmp_path):
    store = tmp_path / "mlflow.db"
    store.write_bytes(b"not an sqlite file, e.g. a half-copied store " * 100)
    with pytest.raises(ProjectError) as error:
        create_sqlite_store(f"sqlite:///{store}")
    assert str(error.value) == (
        f"MLflow store {store}: file is not a database: move the file away (a new store is "
        "created) or set MLFLOW_TRACKING_URI / server.mlflow_tracking_uri in conf/local/mlflow.yml"
    )


#: A run's start as far as the store is concerned: the store made ready, then a run logged.
_RUN_ON_STORE = """
import pathlib, sys, time
import mlflow
from ecpa_pipeline.hooks import create_sqlite_store
uri, go = sys.argv[1], pathlib.Path(sys.argv[2])
go.with_name(f"ready_{sys.argv[3]}").touch()
while not go.exists():
    time.sleep(0.001)
create_sqlite_store(uri)
mlflow.set_tracking_uri(uri)
with mlflow.start_run():
    mlflow.log_param("county", sys.argv[3])
"""


def test_runs_starting_together_on_a_new_sqlite_store_all_log(tmp_path):
    # MLflow alone fails one of them with "table … already exists" (counties run two at a time).
    uri = f"sqlite:///{tmp_path}/new/mlflow.db"
    go = tmp_path / "go"
    # Fresh processes: nothing of this session's MLflow state (an active experiment id …).
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env["MLFLOW_DISABLE_TELEMETRY"] = "true"
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", _RUN_ON_STORE, uri, str(go), str(county)],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for county in range(4)
    ]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("ready_*"))) < len(runs) and time.monotonic() < deadline:
        time.sleep(0.05)  # until every process has imported mlflow and waits
    go.touch()
    failures = [run.communicate(timeout=120)[1] for run in runs if run.wait(timeout=120)]
    assert failures == []
    logged = mlflow.MlflowClient(tracking_uri=uri).search_runs(["0"])
    assert sorted(run.data.params["county"] for run in logged) == ["0", "1", "2", "3"]
    create_sqlite_store("sqlite://")  # in memory: nothing to create or lock


def test_a_node_reads_what_its_own_run_wrote_even_if_another_run_overwrites_the_file(
    tmp_path,
):
    path = tmp_path / "readiness.csv"
    ours = pd.DataFrame({"county_code": ["520122"], "readiness": [0.8]})

    def summarise() -> pd.DataFrame:
        return ours

    def other_run_writes_the_same_file(frame: pd.DataFrame) -> bool:
        frame.assign(readiness=0.1).to_csv(path, index=False)  # a concurrent run
        return True

    def metrics(frame: pd.DataFrame, _: bool) -> pd.DataFrame:
        return frame

    pipeline = Pipeline(
        [
            Node(summarise, None, "county_readiness", name="summarise"),
            Node(other_run_writes_the_same_file, "county_readiness", "meddled", name="other"),
            Node(metrics, ["county_readiness", "meddled"], "list_metrics", name="metrics"),
        ]
    )
    catalog = DataCatalog({"county_readiness": CSVDataset(filepath=str(path))})
    OwnRunDataHooks().before_pipeline_run(run_params={}, pipeline=pipeline, catalog=catalog)
    SequentialRunner().run(pipeline, catalog)
    pd.testing.assert_frame_equal(catalog.load("list_metrics"), ours)
