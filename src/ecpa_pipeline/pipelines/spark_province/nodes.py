"""A province (or the nation) on Spark: each county's cleaning and features run on an
executor as ``groupBy("county").applyInPandas`` over the project's own Kedro pipelines (the
same node functions as ``kedro run`` on one county; no second implementation), and the
registered exit model scores every county's households through ``mlflow.pyfunc.spark_udf``.

A county's raw exports are files of its own (Excel, GBK CSV, JSON lines) that the cleaning
reads and writes as a whole: the unit of work Spark distributes is therefore the county
folder (``data_dir/county_*``, on storage every executor reads, e.g. a shared filesystem).
What the counties produce is then read back as one Spark table."""

from __future__ import annotations

import logging
import resource
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow.parquet as pq

from ecpa_pipeline.datasets import RegisteredModel
from ecpa_pipeline.domain.exit_plan import plan_share
from ecpa_pipeline.errors import ProjectError

if TYPE_CHECKING:  # pyspark is imported where Spark runs, not by every `kedro run`
    from pyspark.sql import DataFrame, SparkSession

logger = logging.getLogger(__name__)

#: One row per table a county's run wrote (rows = its row count), or one row with ``error``.
COUNTY_RUN_SCHEMA = (
    "county string, table string, rows long, seconds double, worker_peak_rss_gb double, "
    "error string"
)
#: The layers whose tables the county runs report (and the equality test compares):
#: quarantine ledger, primary tables, features, model inputs.
REPORTED_LAYERS = ("02_intermediate", "03_primary", "04_feature", "05_model_input")


def county_folders(params: dict) -> pd.DataFrame:
    """The province's county folders (``params["counties"]`` under ``params["data_dir"]``),
    as absolute paths: executors may start elsewhere.

    Raises:
        ProjectError: no county folder holds raw exports.
    """
    root = Path(params["data_dir"]).resolve()
    folders = sorted(p for p in root.glob(params["counties"]) if (p / "01_raw").is_dir())
    if not folders:
        raise ProjectError(
            f"no county folder {params['counties']} with an 01_raw folder under {root}: "
            "each county's exports go to <data_dir>/county_<k>/01_raw (make simulate-counties)"
        )
    return pd.DataFrame({"county": [p.name for p in folders], "folder": [str(p) for p in folders]})


def run_county(group: pd.DataFrame, settings: dict) -> pd.DataFrame:
    """On an executor: the Kedro pipelines ``settings["pipelines"]`` on one county's folder,
    in this worker's process (memory: one county's). A failure is returned as a row (the
    driver names the county), not raised inside Spark's own traceback."""
    from kedro.framework.project import configure_project  # noqa: PLC0415 - executor side
    from kedro.framework.session import KedroSession  # noqa: PLC0415

    county, folder = group["county"].iloc[0], Path(group["folder"].iloc[0])
    start, started = time.perf_counter(), time.time()
    try:
        # The installed package (a wheel on a cluster): no pyproject.toml needed there.
        configure_project(__name__.split(".")[0])
        with KedroSession.create(
            project_path=settings["project_path"],
            env=settings.get("env"),
            conf_source=settings.get("conf_source"),
            runtime_params={"data_dir": str(folder)},
        ) as session:
            session.run(pipeline_names=list(settings["pipelines"]))
    except Exception as exc:  # reported per county to the driver
        message = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=-3)}"
        return pd.DataFrame([{"county": county, "table": "", "rows": 0, "seconds": 0.0,
                              "worker_peak_rss_gb": 0.0, "error": message}])  # fmt: skip
    seconds = time.perf_counter() - start
    tables = sorted(
        f
        for layer in REPORTED_LAYERS
        for f in (folder / layer).glob("*.parquet")
        if f.stat().st_mtime >= started  # written by this run, not left by another pipeline
    )
    return pd.DataFrame(
        {
            "county": county,
            "table": [f"{f.parent.name}/{f.stem}" for f in tables],
            "rows": [pq.ParquetFile(f).metadata.num_rows for f in tables],
            "seconds": round(seconds, 1),
            # Linux reports KiB; the worker's peak over every county it ran.
            "worker_peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
            "error": None,
        }
    )


def run_counties(folders: pd.DataFrame, params: dict, project_path: str) -> pd.DataFrame:
    """Every county's pipelines, one Spark task per county (``groupBy("county")``).

    Raises:
        ProjectError: a county's run failed (its name and error).

    Returns:
        per county and table written: its rows, the county's seconds and the worker's peak RSS.
    """
    from pyspark.sql import SparkSession  # noqa: PLC0415

    spark = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
    settings = {
        "project_path": project_path,
        "env": params.get("county_env"),
        "conf_source": params.get("conf_source"),
        "pipelines": params["county_pipelines"],
    }
    counties = spark.createDataFrame(folders).repartition(len(folders), "county")
    runs = (
        counties.groupBy("county")
        .applyInPandas(lambda group: run_county(group, settings), COUNTY_RUN_SCHEMA)
        .toPandas()
        .sort_values(["county", "table"], ignore_index=True)
    )
    failed = runs[runs["error"].notna()]
    if not failed.empty:
        first = failed.iloc[0]
        raise ProjectError(
            f"{len(failed)} of {len(folders)} counties failed on Spark; "
            f"{first['county']}: {first['error'].splitlines()[0]}"
        )
    logger.info(
        "%d counties ran %s on Spark (longest %.0f s, worker peak %.2f GB)",
        len(folders),
        "+".join(params["county_pipelines"]),
        runs["seconds"].max(),
        runs["worker_peak_rss_gb"].max(),
    )
    return runs.drop(columns="error")


def score_on_spark(
    county_runs: pd.DataFrame,
    model_input: DataFrame,
    exit_model: RegisteredModel,
    key: dict | None,
    exit_plan: dict,
    params: dict,
) -> DataFrame:
    """The registered exit model's output (probability and reasons) for every county's
    registered poor households of the scoring year, through ``mlflow.pyfunc.spark_udf``.

    The model anchors a cohort's probabilities to its plan (one intercept per planned share),
    so a cohort must reach the model whole: rows are partitioned by the planned share and
    Arrow batches are not split (``spark.sql.execution.arrow.maxRecordsPerBatch: 0``).

    Raises:
        ProjectError: the model was trained on pseudonyms of another key.
        ValueError: the model input lacks a column the model reads.
    """
    from pyspark.sql import functions as F  # noqa: PLC0415

    del county_runs  # only orders this node after the counties' runs
    exit_model.check_key(key or {}, "kedro run --env=province --pipelines=exit_model")
    settings = exit_model.settings()
    year = params["year"]
    if year == "latest":
        year = model_input.agg(F.max("year")).first()[0]
    share, basis = plan_share(int(year), exit_plan, params["exit_plan_share"])
    logger.info("Scoring %s's registered poor on Spark against %s", year, basis["en"])
    rows = model_input.filter(F.col("year") == int(year))
    offset = settings.get("offset_column")
    if offset:
        rows = rows.withColumn(offset, F.lit(share)).repartition(offset)
    names, doubles = exit_model.inputs(rows.columns, "exit_model_input")
    inputs = [F.col(c).cast("double").alias(c) if c in doubles else F.col(c) for c in names]
    spark = model_input.sparkSession
    udf = mlflow_udf(spark, exit_model)
    keep = [c for c in ("county_code", "village_code", "year") if c in rows.columns]
    return rows.select(*keep, udf(F.struct(*inputs)).alias("scored")).select(*keep, "scored.*")


def mlflow_udf(spark: SparkSession, model: RegisteredModel):
    """``mlflow.pyfunc.spark_udf`` of the registered version, its result the model's output
    schema (probability, reasons …), run in this environment's interpreter."""
    import mlflow.pyfunc  # noqa: PLC0415 - the pyfunc flavour's Spark part
    from pyspark.sql.types import StructField, StructType  # noqa: PLC0415

    # Arrow hands pandas columns over as nullable: the declared result must say so too.
    output = model.model.metadata.get_output_schema().as_spark_schema()
    result = StructType([StructField(f.name, f.dataType, nullable=True) for f in output])
    return mlflow.pyfunc.spark_udf(
        spark, f"models:/{model.name}/{model.version}", result_type=result, env_manager="local"
    )
