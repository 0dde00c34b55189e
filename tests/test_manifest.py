"""Each layer's files are stamped with the run that wrote them; a pipeline refuses inputs
from a run that did not finish, files changed since, or inputs older than their sources."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ecpa_pipeline.manifest import file_digest, input_problems, read_manifest, write_manifest
from tests.conftest import kedro_cli


def _stamp(folder: Path, file: str, run: str, step: str, inputs: dict | None = None) -> Path:
    path = folder / file
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(f"{file} of {run}\n", encoding="utf-8")
    entry = {"run": run, "pipeline": step, "digest": file_digest(path), "inputs": inputs or {}}
    write_manifest(folder, {file: entry})
    return path


def test_inputs_of_one_finished_run_pass(tmp_path):
    villages = _stamp(tmp_path, "03_primary/villages.parquet", "A", "cleaning")
    households = _stamp(tmp_path, "03_primary/households.parquet", "A", "cleaning")
    assert input_problems({"villages": villages, "households": households}, tmp_path) == []
    assert set(read_manifest(tmp_path)) == {
        "03_primary/villages.parquet",
        "03_primary/households.parquet",
    }


def test_a_run_that_stopped_midway_is_named_with_the_step_to_rerun(tmp_path):
    villages = _stamp(tmp_path, "03_primary/villages.parquet", "B", "cleaning")
    households = _stamp(tmp_path, "03_primary/households.parquet", "A", "cleaning")
    (problem,) = input_problems({"villages": villages, "households": households}, tmp_path)
    assert problem == (
        "the inputs written by cleaning come from different runs of it (households from run A, "
        "villages from run B): a run did not finish: re-run kedro run --pipelines=cleaning"
    )


def test_a_file_changed_since_its_run_wrote_it_is_refused(tmp_path):
    villages = _stamp(tmp_path, "03_primary/villages.parquet", "A", "cleaning")
    villages.write_text("half a file", encoding="utf-8")
    (problem,) = input_problems({"villages": villages}, tmp_path)
    assert problem.startswith("03_primary/villages.parquet is not the file run A of cleaning")


def test_an_input_made_from_an_older_source_is_refused(tmp_path):
    households = _stamp(tmp_path, "03_primary/households.parquet", "A", "cleaning")
    digest = file_digest(households)
    model_input = _stamp(
        tmp_path,
        "05_model_input/exit_model_input.parquet",
        "F",
        "features",
        {"03_primary/households.parquet": digest},
    )
    households.write_text("households of run B\n", encoding="utf-8")
    _stamp(tmp_path, "03_primary/households.parquet", "B", "cleaning")
    (problem,) = input_problems({"exit_model_input": model_input}, tmp_path)
    assert problem == (
        "05_model_input/exit_model_input.parquet was made from another "
        "03_primary/households.parquet than the one there now (written by cleaning run B): "
        "re-run kedro run --pipelines=features"
    )


@pytest.mark.slow
def test_features_refuse_primary_tables_of_an_unfinished_cleaning(tiny_world, tmp_path, kedro_env):
    data = tmp_path / "data"
    shutil.copytree(tiny_world, data / "01_raw")
    # the features before any cleaning: one line naming what is missing and what makes it
    early = kedro_cli(data, tmp_path, "--pipelines=features")
    assert early.returncode == 1 and "Traceback" not in early.stderr
    assert (early.stdout + early.stderr).strip().splitlines()[-1] == (
        f"Error: {data} has no 03_primary/restricted/alert_identities.parquet, "
        "03_primary/households.parquet, 03_primary/monitoring_households.parquet "
        "(and 5 more): run kedro run --pipelines=cleaning on this data folder first"
    )
    assert kedro_cli(data, tmp_path).returncode == 0  # cleaning + features, one run
    manifest = read_manifest(data)
    assert manifest["03_primary/villages.parquet"]["pipeline"] == "cleaning"
    assert manifest["05_model_input/exit_model_input.parquet"]["inputs"]
    # a cleaning that stopped after its first step: new villages beside old households
    partial = kedro_cli(data, tmp_path, "--pipelines=cleaning", "--nodes=clean_villages_node")
    assert partial.returncode == 0, partial.stderr[-2000:]
    result = kedro_cli(data, tmp_path, "--pipelines=features")
    assert result.returncode == 1
    last = (result.stdout + result.stderr).strip().splitlines()[-1]
    assert last.startswith("Error: the inputs written by cleaning come from different runs")
    assert last.endswith("re-run kedro run --pipelines=cleaning")
