"""Officials' files are published as one set: a killed or failing run leaves the previous set
whole, concurrent runs each publish a whole set and the last one stays (#26)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from ecpa_pipeline.datasets import ReportSetDataset

PARTS = {
    "listing": {"type": "pandas.CSVDataset", "at": "list.csv", "save_args": {"index": False}},
    "pages": {
        "type": "partitions.PartitionedDataset",
        "at": "html",
        "dataset": "text.TextDataset",
        "filename_suffix": ".html",
    },
}


def report_set(folder: Path) -> ReportSetDataset:
    return ReportSetDataset(str(folder / "reports"), PARTS)


def one_set(run: str, villages: int = 3) -> dict:
    return {
        "listing": pd.DataFrame({"run": [run] * 4, "row": range(4)}),
        "pages": {f"village_{v}": f"<p>{run} {v}</p>" for v in range(villages)},
    }


def published(folder: Path) -> set[str]:
    """Which runs the files now in the report folder come from."""
    reports = folder / "reports"
    runs = set(pd.read_csv(reports / "list.csv")["run"])
    runs |= {p.read_text().split()[0][3:] for p in (reports / "html").glob("*.html")}
    return runs


def test_a_new_set_replaces_the_previous_one_whole(tmp_path):
    dataset = report_set(tmp_path)
    dataset.save(one_set("first", villages=3))
    dataset.save(one_set("second", villages=2))
    assert published(tmp_path) == {"second"}
    assert sorted(p.name for p in (tmp_path / "reports" / "html").iterdir()) == [
        "village_0.html",
        "village_1.html",
    ]  # the first run's third page is gone with its set
    assert (tmp_path / "reports").is_symlink()
    assert (tmp_path / "reports").resolve().stat().st_mode & 0o755 == 0o755  # others may read
    assert len(list((tmp_path / ".reports.sets").iterdir())) == 1
    assert dataset.load()["listing"]["run"].eq("second").all()


def test_a_report_folder_written_in_place_before_becomes_a_set(tmp_path):
    (tmp_path / "reports" / "html").mkdir(parents=True)
    (tmp_path / "reports" / "list.csv").write_text("run,row\nold,0\n")
    report_set(tmp_path).save(one_set("new"))
    assert published(tmp_path) == {"new"}


def test_a_run_failing_while_it_writes_leaves_the_previous_set(tmp_path):
    dataset = report_set(tmp_path)
    dataset.save(one_set("first"))
    broken = one_set("second") | {"pages": {"village_0": "<p>second 0</p>", "village_1": None}}
    with pytest.raises(Exception, match="Saving 'None'"):
        dataset.save(broken)
    assert published(tmp_path) == {"first"}
    assert len(list((tmp_path / ".reports.sets").iterdir())) == 1


SLOW_SAVE = """
import sys, time
import pandas as pd
from tests.datasets.test_report_set import one_set, report_set
from pathlib import Path

data = one_set(sys.argv[2], villages=int(sys.argv[3]))
# A page that takes long to write: the run is killed (or overtaken) while it writes.
data["pages"] = {k: (lambda v=v: (time.sleep(0.05), v)[1]) for k, v in data["pages"].items()}
report_set(Path(sys.argv[1])).save(data)
print("published", flush=True)
"""


def _saving(folder: Path, run: str, villages: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", SLOW_SAVE, str(folder), run, str(villages)],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_run_killed_while_it_writes_leaves_the_previous_set_whole(tmp_path):
    report_set(tmp_path).save(one_set("first"))
    saving = _saving(tmp_path, "killed", villages=400)  # ~20 s of writing
    sets = tmp_path / ".reports.sets"
    deadline = time.monotonic() + 60
    while len(list(sets.iterdir())) < 2 or not list(sets.glob("*/html/*.html")):
        assert time.monotonic() < deadline and saving.poll() is None, saving.communicate()
        time.sleep(0.05)
    os.kill(saving.pid, signal.SIGKILL)
    saving.wait()
    assert published(tmp_path) == {"first"}
    report_set(tmp_path).save(one_set("next"))  # the killed run's folder is cleared
    assert published(tmp_path) == {"next"}
    assert len(list(sets.iterdir())) == 1


def test_concurrent_runs_each_publish_a_whole_set_and_the_last_stays(tmp_path):
    runs = [_saving(tmp_path, name, villages=40) for name in ("left", "right")]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert published(tmp_path) in ({"left"}, {"right"})
    assert len(list((tmp_path / "reports" / "html").glob("*.html"))) == 40
