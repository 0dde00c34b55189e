"""End to end through the commands a data team types: ``make run`` and ``kedro run``."""

from __future__ import annotations

import subprocess

import pandas as pd
import pytest

from tests.conftest import PROJECT_ROOT, mlflow_env


@pytest.mark.slow
def test_make_run_simulates_an_empty_raw_folder_then_runs_the_default_pipeline(tmp_path):
    data = tmp_path / "data"
    result = subprocess.run(
        ["make", "run", f"DATA_DIR={data}", "SCALE=tiny"],
        cwd=PROJECT_ROOT,
        env=mlflow_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "01_raw is empty: simulating the tiny world" in output
    assert (data / "01_raw" / "registry" / "registry_2020.csv").is_file()
    assert "Row accounting (read = clean + quarantined + duplicates)" in output
    households = pd.read_parquet(data / "03_primary" / "households.parquet")
    assert len(households) > 1000
    assert (data / "08_reporting" / "data_quality_report.md").is_file()
    # ... and trains the exit model, registered in the (temporary) MLflow store.
    assert "Created version '1' of model 'poverty_exit'" in output
    assert (data / "08_reporting" / "exit_model" / "model_card.md").is_file()
    # ... and ranks characteristic products per village (一村一品).
    assert "Created version '1' of model 'village_products'" in output
    assert (data / "07_model_output" / "village_product_recommendations.csv").is_file()
    # ... and learns what each development measure does, registered for the lists.
    assert "Created version '1' of model 'measure_effects'" in output
    # ... and lists the households for officials, with the model version they came from.
    ranking = data / "08_reporting" / "household_ranking"
    # published as one set inside the data folder, nothing beside the project (#26)
    assert ranking.is_symlink() and not (PROJECT_ROOT / "household_list.csv").exists()
    listed = pd.read_csv(ranking / "household_list.csv")
    assert len(listed) > 10 and (listed["model_version"] == 1).all()
    assert listed["expected_gain"].notna().any()  # the development measures' expected gains
    per_language = 2 * listed["county_code"].nunique()  # zh and en
    assert len(list((ranking / "workbooks").glob("*.xlsx"))) == per_language
    assert len(list((ranking / "html").glob("*.html"))) == per_language

    # Raw files present: nothing is simulated, real exports are never overwritten (the step
    # `make run` takes before the pipelines).
    stamp = (data / "01_raw" / "villages.csv").stat().st_mtime_ns
    again = subprocess.run(
        ["make", "simulate-if-empty", f"DATA_DIR={data}"],
        cwd=PROJECT_ROOT,
        env=mlflow_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert again.returncode == 0
    assert "01_raw holds files: using them, simulating nothing" in again.stdout
    assert (data / "01_raw" / "villages.csv").stat().st_mtime_ns == stamp
