"""The Spark path (``kedro run --env=spark --pipelines=spark``) on the tiny world, on
``local[2]``: its primary tables, features and exit scores equal the pandas path's row for
row (the county's own ``kedro run``, and the registered model scoring in-process)."""

from __future__ import annotations

import os
import shutil

import mlflow
import pandas as pd
import pytest

from ecpa_pipeline.datasets import RegisteredModelDataset
from ecpa_pipeline.errors import ProjectError
from ecpa_pipeline.pipelines.spark_province import nodes
from tests.conftest import PROJECT_ROOT, TEST_ENV, kedro_cli

pytestmark = pytest.mark.slow  # a Spark session (JVM), Kedro CLI runs
LAYERS = nodes.REPORTED_LAYERS


@pytest.fixture(scope="module")
def spark_run(trained_store, tmp_path_factory):
    """The tiny world's raw exports as county_01 of a province, run on Spark into a copy of
    the MLflow store that holds its exit model (the copy: the store's run counts stay)."""
    root = tmp_path_factory.mktemp("spark")
    province, store = root / "province", root / "store"
    shutil.copytree(trained_store["data"] / "01_raw", province / "county_01" / "01_raw")
    shutil.copytree(trained_store["path"], store)
    run = kedro_cli(
        province, store, "--pipelines=spark", env="spark",
        params=(f"spark_province.county_env={TEST_ENV}",),
    )  # fmt: skip
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-4000:]
    return {"pandas": trained_store["data"], "spark": province, "store": store, "output": output}


def test_the_counties_tables_equal_the_pandas_path_row_for_row(spark_run):
    county = spark_run["spark"] / "county_01"
    # (the pandas folder also holds what the exit model wrote there since)
    tables = sorted(p.relative_to(county) for layer in LAYERS
                    for p in (county / layer).glob("*.parquet"))  # fmt: skip
    assert {
        "03_primary/households.parquet",
        "03_primary/persons.parquet",
        "03_primary/order_lines.parquet",
        "03_primary/monitoring_households.parquet",
        "05_model_input/exit_model_input.parquet",
        "05_model_input/monitoring_model_input.parquet",
    } <= {str(t) for t in tables}
    for table in tables:
        pd.testing.assert_frame_equal(
            pd.read_parquet(county / table), pd.read_parquet(spark_run["pandas"] / table)
        )
    runs = pd.read_csv(spark_run["spark"] / "08_reporting" / "spark" / "county_runs.csv")
    assert runs["county"].unique().tolist() == ["county_01"]
    rows = dict(zip(runs["table"], runs["rows"], strict=True))
    assert rows == {
        f"{t.parent}/{t.stem}": len(pd.read_parquet(spark_run["pandas"] / t)) for t in tables
    }


def test_spark_udf_scores_equal_the_registered_models_own(spark_run, monkeypatch):
    scores = pd.read_parquet(
        spark_run["spark"] / "07_model_output" / "spark_exit_scores.parquet"
    ).sort_values("household_key", ignore_index=True)
    model_input = pd.read_parquet(spark_run["pandas"] / "05_model_input/exit_model_input.parquet")
    rows = model_input[model_input["year"] == model_input["year"].max()]
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{spark_run['store']}/mlflow.db")
    mlflow.set_tracking_uri(os.environ["MLFLOW_TRACKING_URI"])
    model = RegisteredModelDataset(name="poverty_exit", model_version="latest").load()
    # The pandas path's lists score 2019 against the 2019 plan (2020's exits are decreed).
    expected = model.score(rows.reset_index(drop=True), "exit_model_input", 0.67)
    expected = expected.sort_values("household_key", ignore_index=True)
    assert len(scores) == len(rows) > 10
    assert {"county_code", "village_code", "year", "factor_1"} <= set(scores.columns)
    pd.testing.assert_frame_equal(scores[expected.columns], expected, check_dtype=False)
    assert f"model poverty_exit version {model.version}" in spark_run["output"] or (
        f"Using model poverty_exit version {model.version}" in spark_run["output"]
    )


def test_a_province_without_county_folders_is_named(tmp_path):
    (tmp_path / "county_01").mkdir()  # no 01_raw
    with pytest.raises(ProjectError, match=r"no county folder county_\* with an 01_raw folder"):
        nodes.county_folders({"data_dir": str(tmp_path), "counties": "county_*"})


def test_a_failing_county_comes_back_as_its_error(tmp_path, monkeypatch, kedro_env):
    """A county whose run fails returns its error as a row (the driver names the county)
    instead of failing inside Spark's traceback."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path}/mlflow.db")
    monkeypatch.setenv("ECPA_MLFLOW_ARTIFACTS", str(tmp_path / "mlruns"))
    (tmp_path / "county_07" / "01_raw").mkdir(parents=True)
    group = pd.DataFrame({"county": ["county_07"], "folder": [str(tmp_path / "county_07")]})
    settings = {"project_path": str(PROJECT_ROOT), "env": kedro_env, "conf_source": None,
                "pipelines": ["cleaning"]}  # fmt: skip
    (row,) = nodes.run_county(group, settings).to_dict("records")
    assert row["county"] == "county_07" and row["rows"] == 0
    assert row["error"].startswith("RawFileError: products: no files found")
