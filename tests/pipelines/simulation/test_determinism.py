"""Same seed ⇒ the same files; another seed ⇒ another world."""

from __future__ import annotations

import filecmp

import openpyxl
import pandas as pd

from tests.conftest import simulate_world


def _files(root):
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


def _cells(path):
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def test_same_seed_gives_identical_files(tiny_world, tmp_path):
    again = tmp_path / "01_raw"
    simulate_world(again, "tiny")
    assert _files(again) == _files(tiny_world)
    for rel in _files(tiny_world):
        if rel.suffix == ".csv":
            assert filecmp.cmp(tiny_world / rel, again / rel, shallow=False), rel
        elif rel.suffix == ".xlsx":
            # Workbooks carry their own save time in metadata: compare every cell instead.
            assert _cells(tiny_world / rel) == _cells(again / rel), rel
        elif rel.suffix == ".parquet":
            pd.testing.assert_frame_equal(
                pd.read_parquet(tiny_world / rel), pd.read_parquet(again / rel)
            )


def test_another_seed_gives_another_world(tiny_world, tmp_path):
    other = tmp_path / "01_raw"
    simulate_world(other, "tiny", seed=7)
    a = (tiny_world / "registry" / "registry_2016.csv").read_bytes()
    b = (other / "registry" / "registry_2016.csv").read_bytes()
    assert a != b
