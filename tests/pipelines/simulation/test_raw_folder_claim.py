"""The simulator never deletes real exports: it writes only into an empty raw folder or one
it made itself, holding nothing but its own files (#26)."""

from __future__ import annotations

import pytest
from kedro.io import DatasetError

from ecpa_pipeline.datasets import SimulationTargetDataset
from ecpa_pipeline.datasets.simulation_target import MARKER
from ecpa_pipeline.errors import project_error
from tests.conftest import load_config, simulate_world


def target(raw) -> SimulationTargetDataset:
    """The catalog's own entry, pointed at ``raw``."""
    entry = dict(load_config({"raw_dir": str(raw)})["catalog"]["raw_folder_for_simulation"])
    entry.pop("type")
    return SimulationTargetDataset(**entry)


def refusal(raw) -> str:
    """The one line a run gets when the simulator may not write into ``raw``."""
    with pytest.raises(DatasetError) as error:  # Kedro wraps a dataset's load error
        target(raw).load()
    return str(project_error(error.value))


def test_an_empty_or_missing_folder_is_taken_and_marked(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / ".gitkeep").touch()
    for raw in (tmp_path / "a", tmp_path / "b" / "01_raw"):
        assert target(raw).load() == str(raw)
        assert (raw / MARKER).exists()


@pytest.mark.parametrize(
    "foreign",
    ["registry/registry_2013_REAL_EXPORT.csv", "registry/archive/registry_2014.csv", "notes.txt"],
)
def test_a_folder_with_other_files_is_refused_naming_them(tmp_path, foreign):
    (tmp_path / foreign).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / foreign).write_text("户编号\n1\n", encoding="utf-8")
    message = refusal(tmp_path)
    assert f"the raw folder holds files ({foreign})" in message
    assert "simulator writes only into an empty raw folder" in message
    (tmp_path / MARKER).touch()  # a folder the simulator made, with a file it does not write
    assert f"files the simulator does not write ({foreign})" in refusal(tmp_path)
    assert (tmp_path / foreign).exists()


def test_real_exports_survive_a_simulation_run_pointed_at_them(tmp_path):
    real = tmp_path / "registry" / "registry_2013.csv"
    real.parent.mkdir()
    real.write_bytes("户编号\n5201\n".encode("gbk"))
    with pytest.raises(DatasetError) as error:
        simulate_world(tmp_path, "tiny")
    assert "registry/registry_2013.csv" in str(project_error(error.value))
    assert real.read_bytes() == "户编号\n5201\n".encode("gbk")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["registry", "registry_2013.csv"]


def test_the_simulator_writes_again_into_its_own_folder(tmp_path):
    simulate_world(tmp_path, "tiny")
    first = (tmp_path / "villages.csv").read_bytes()
    simulate_world(tmp_path, "tiny", seed=5)
    assert (tmp_path / MARKER).exists()
    assert (tmp_path / "villages.csv").read_bytes() != first
