"""Project hooks."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import mlflow
import mlflow.data
from kedro.config import MissingConfigException
from kedro.framework.hooks import hook_impl
from kedro.io import CachedDataset, MemoryDataset
from kedro_mlflow.pipeline.pipeline_ml import PipelineML
from mlflow.models import infer_signature
from sqlalchemy.engine import make_url

from ecpa_pipeline.datasets import OptionalDataset, RegisteredModelDataset
from ecpa_pipeline.datasets.atomic import WrittenInPlace
from ecpa_pipeline.errors import NodeFailureInOneLine, ProjectError

#: Seconds for a tracking server to answer before the run stops (MLflow retries for minutes).
CONNECT_TIMEOUT = 5


class ClearErrorHooks:
    """A node failing with a project error (a bad raw file, a missing key …) is logged as
    that error's one line, not as Kedro's "Node … failed" record; the project's ``kedro run``
    (``cli.py``) ends with the same line."""

    @hook_impl
    def after_context_created(self, context) -> None:
        node_logger = logging.getLogger("kedro.pipeline.node")
        if not any(isinstance(f, NodeFailureInOneLine) for f in node_logger.filters):
            node_logger.addFilter(NodeFailureInOneLine())


class ModelLoggingHooks:
    """Complete the model kedro-mlflow logs (before its own ``after_pipeline_run``):

    - the name it is registered under, from the model's parameters
      (``registered_model_name``; default: the name in ``pipeline_registry.py``);
    - a signature with the outputs (probability, reasons) beside the inputs and parameters;
    - an input example (a few rows of the model's input, pseudonymous keys only);
    - the training table as the run's dataset input (``mlflow.log_input``: its name, digest,
      schema and row count — not its rows).
    """

    @hook_impl(tryfirst=True)
    def after_pipeline_run(self, run_params, pipeline, catalog) -> None:
        if not isinstance(pipeline, PipelineML):
            return
        kwargs = pipeline.log_model_kwargs
        params = {
            name.removeprefix("params:"): catalog.load(name)
            for name in sorted(pipeline.inference.inputs())
            if name.startswith("params:")
        }
        settings = next((p for p in params.values() if isinstance(p, dict) and "label" in p), {})
        if settings.get("registered_model_name"):
            kwargs["name"] = kwargs["registered_model_name"] = settings["registered_model_name"]
        features = catalog.load(pipeline.input_name)
        kwargs.setdefault("input_example", features.head(5))
        if kwargs.get("signature") == "auto":
            # As kedro-mlflow's "auto" (parameters overridable at predict time), with outputs.
            (output,) = sorted(pipeline.inference.outputs())
            kwargs["signature"] = infer_signature(
                features, catalog.load(output), params | {"runner": "SequentialRunner"}
            )
        table = settings.get("input_name")
        if table and mlflow.active_run() is not None:
            mlflow.log_input(
                mlflow.data.from_pandas(catalog.load(table), name=table), context="training"
            )


def check_tracking_server(uri: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """Stop with one line when an http(s) tracking server does not answer its health check
    (``GET /health``, as ``mlflow server`` serves it) within ``timeout`` seconds.

    Raises:
        ProjectError: naming the server, the reason and where the URI is set.
    """
    if urlparse(uri).scheme not in ("http", "https"):
        return  # a local store (sqlite, file): nothing to reach
    health = uri.rstrip("/") + "/health"
    try:
        with urllib.request.urlopen(health, timeout=timeout) as answer:  # noqa: S310 - http(s) only
            status = answer.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ProjectError(
            f"MLflow tracking server {uri} is unreachable ({reason}): start it, or set "
            "MLFLOW_TRACKING_URI / server.mlflow_tracking_uri in conf/local/mlflow.yml"
        ) from None
    if status != 200:
        raise ProjectError(
            f"{uri} does not answer as an MLflow tracking server (HTTP {status} at /health): "
            "check MLFLOW_TRACKING_URI / server.mlflow_tracking_uri in conf/local/mlflow.yml"
        )


def create_sqlite_store(uri: str) -> None:
    """Create (or upgrade) a local sqlite tracking store while holding an exclusive lock on
    ``<store>.lock``: MLflow creates a new store's tables without one, so two runs started at
    the same moment on a new store (counties two at a time) fail with ``table … already
    exists``. Once the tables exist, opening the store changes nothing and needs no lock."""
    if urlparse(uri).scheme != "sqlite":
        return
    database = make_url(uri).database
    if not database or database == ":memory:":
        return
    store = Path(database)
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
        with open(f"{store}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            _check_sqlite_file(store)
            mlflow.MlflowClient(tracking_uri=uri).search_experiments(max_results=1)
    except OSError as exc:
        raise ProjectError(
            f"MLflow store {store}: cannot be written ({exc.strerror}): make its folder "
            "writable, or set MLFLOW_TRACKING_URI / server.mlflow_tracking_uri in "
            "conf/local/mlflow.yml"
        ) from None


def _check_sqlite_file(store: Path) -> None:
    """Stop in one line when the store is not an SQLite database or cannot be written (a
    copied-over file, a read-only mount), before MLflow fails with a traceback."""
    if not store.exists():
        return
    try:
        with contextlib.closing(sqlite3.connect(store)) as connection:
            connection.execute("BEGIN IMMEDIATE")  # takes the write lock: a read-only store fails
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
            connection.rollback()
    except sqlite3.DatabaseError as exc:
        raise ProjectError(
            f"MLflow store {store}: {exc}: move the file away (a new store is created) or set "
            "MLFLOW_TRACKING_URI / server.mlflow_tracking_uri in conf/local/mlflow.yml"
        ) from None


class TrackingServerHooks:
    """Before kedro-mlflow contacts the tracking store: a server that cannot be reached stops
    the run within seconds, and MLflow's own retries are kept short once it runs; a new
    local sqlite store is created by one run at a time."""

    @hook_impl(tryfirst=True)
    def after_context_created(self, context) -> None:
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "3")
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
        loader = context.config_loader
        # As kedro-mlflow reads it (its hook may run after this one).
        loader.config_patterns.setdefault("mlflow", ["mlflow*", "mlflow*/**", "**/mlflow*"])
        try:
            uri = (loader["mlflow"].get("server") or {}).get("mlflow_tracking_uri")
        except MissingConfigException:
            return
        if uri:
            check_tracking_server(str(uri))
            create_sqlite_store(str(uri))


def _local_file(dataset) -> bool:
    """A kedro-datasets dataset of one local, unversioned file (an MLflow artifact dataset
    wrapping one included; MLflow model and metric datasets are no files)."""
    return (
        getattr(dataset, "_filepath", None) is not None
        and getattr(dataset, "_protocol", None) == "file"
        and not getattr(dataset, "_version", None)
        and not type(dataset).__name__.startswith("MlflowModel")
    )


class OwnRunDataHooks:
    """Every node uses the data of its own run: a dataset a node of this run wrote, or that
    several nodes read, is read from disk at most once and then served from memory
    (``CachedDataset``), so that another run writing the same data folder meanwhile (two
    lists with other parameters, a product run) cannot slip its tables into this one. Files
    are written to a temporary name and renamed into place (``WrittenInPlace``).

    The inference inputs of a model pipeline stay as they are (kedro-mlflow logs them by
    their files), and so do MLflow model datasets (a node saves a Python model, the next
    loads the logged model)."""

    @hook_impl
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:
        keep = set()
        if isinstance(pipeline, PipelineML):
            keep = set(pipeline.inference.inputs()) | {pipeline.input_name}
        names = {d for node in pipeline.nodes for d in node.inputs} - keep
        outputs = {d for node in pipeline.nodes for d in node.outputs} - keep
        catalog_logger = logging.getLogger("kedro.io.data_catalog")
        level = catalog_logger.level
        catalog_logger.setLevel(logging.ERROR)  # replacing is the point: no warning per dataset
        try:
            for name in sorted(outputs):
                dataset = catalog.get(name)
                if _local_file(dataset):
                    catalog[name] = WrittenInPlace(dataset)
            for name in sorted(names):
                if name.startswith("params:") or name == "parameters":
                    continue
                dataset = catalog.get(name)
                if dataset is None or isinstance(dataset, MemoryDataset | CachedDataset):
                    continue
                if type(dataset).__name__.startswith("MlflowModel"):
                    continue  # saves a Python model, loads the logged MLflow model
                if isinstance(dataset, RegisteredModelDataset):
                    continue  # keeps the version it loaded (None too) for the whole run
                if isinstance(dataset, OptionalDataset):  # None is no cacheable value
                    if not isinstance(dataset._dataset, CachedDataset):
                        dataset._dataset = CachedDataset(dataset._dataset, copy_mode="assign")
                    continue
                catalog[name] = CachedDataset(dataset, copy_mode="assign")
        finally:
            catalog_logger.setLevel(level)


class EnvironmentTagHooks:
    """Tag each MLflow run with the Kedro environment it ran in (``--env``): the same
    command reads another configuration in another environment."""

    @hook_impl
    def after_context_created(self, context) -> None:
        self._env = context.env

    @hook_impl(trylast=True)  # after kedro-mlflow has started the run
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:
        if mlflow.active_run() is not None:
            mlflow.set_tag("kedro_env", str(run_params.get("env") or self._env))


class SparkHooks:
    """With a ``spark`` configuration (``conf/spark/spark.yml``, ``--env=spark``): the run's
    Spark session, its settings as defaults under what ``spark-submit`` already set (on a
    cluster the master and resources are the cluster's). Python workers run this
    interpreter unless ``PYSPARK_PYTHON`` names another. Nothing happens without it."""

    @hook_impl
    def after_context_created(self, context) -> None:
        loader = context.config_loader
        loader.config_patterns.setdefault("spark", ["spark*", "spark*/**"])
        try:
            settings = loader["spark"]
        except MissingConfigException:
            return
        if not settings:
            return
        from pyspark import SparkConf  # noqa: PLC0415 - pyspark only where Spark is configured
        from pyspark.sql import SparkSession  # noqa: PLC0415

        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        conf = SparkConf()
        for key, value in settings.items():
            conf.setIfMissing(key, str(value).lower() if isinstance(value, bool) else str(value))
        session = SparkSession.builder.config(conf=conf).getOrCreate()
        session.sparkContext.setLogLevel("WARN")
