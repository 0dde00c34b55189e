"""The files officials receive from one run, published together or not at all.

A list run writes several files (a CSV, a workbook and an HTML page per county, readiness
tables); officials must never find some from one run beside others from another, nor half a
set after a run was killed. ``ReportSetDataset`` writes the whole set into a folder of its own
and then makes the report folder point at it in one atomic step (a symbolic link replaced by
``rename``): readers see the previous set whole until the new one is whole.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset, DatasetError

from ecpa_pipeline.errors import ProjectError

#: Where the sets of ``<folder>`` live, beside it: ``.<name>.sets/<set>``.
SETS = ".{name}.sets"


def _umask() -> int:
    """The process's umask, read without setting it (``os.umask`` would change it for every
    thread for a moment); 022 where the system does not say."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return 0o022
    line = next((x for x in status.splitlines() if x.startswith("Umask:")), "Umask: 0022")
    return int(line.split()[1], 8)


class ReportSetDataset(AbstractDataset[dict, dict]):
    """A report folder (``path``) whose files (``parts``: a dataset configuration each, with
    ``at``, its file or folder within the set, in place of ``filepath``/``path``) are saved
    as one set.

    ``save({part: data, …})`` writes every part into a new set folder
    ``.<name>.sets/<time>-<random>/`` beside ``path``, then replaces ``path`` — a symbolic link to
    the current set — by a link to the new one with one ``rename``, and removes the sets no
    longer pointed at. A run killed while writing leaves the previous set in place (its
    unfinished folder is removed by the next save). Saves of concurrent runs take turns
    under a lock (``.<name>.lock``): each publishes a whole set, the last one stays.
    ``load()`` gives ``{part: data}`` of the published set.

    Example catalog entry::

        household_ranking_reports:
          type: ecpa_pipeline.datasets.ReportSetDataset
          path: data/08_reporting/household_ranking
          parts:
            household_list: {type: pandas.CSVDataset, at: household_list.csv}
    """

    def __init__(
        self,
        path: str,
        parts: dict[str, dict],
        lock_timeout_s: float = 600,
        metadata: dict | None = None,
    ):
        self._path = Path(path)
        self._parts = parts
        self._lock_timeout_s = lock_timeout_s
        self.metadata = metadata

    @property
    def _sets(self) -> Path:
        return self._path.parent / SETS.format(name=self._path.name)

    def _part(self, name: str, folder: Path) -> AbstractDataset:
        config = dict(self._parts[name])
        # ``at``, not ``filepath``/``path``: Kedro makes those absolute from the project root.
        at = config.pop("at")
        key = "path" if str(config["type"]).endswith("PartitionedDataset") else "filepath"
        return AbstractDataset.from_config(name, {**config, key: str(folder / at)})

    def load(self) -> dict[str, Any]:
        if not self._path.exists():
            raise DatasetError(f"{self._path}: no report set has been published yet")
        return {name: self._part(name, self._path).load() for name in self._parts}

    def save(self, data: dict[str, Any]) -> None:
        missing = set(self._parts) - set(data)
        if missing:
            raise DatasetError(f"{self._path}: the report set lacks {sorted(missing)}")
        self._sets.mkdir(parents=True, exist_ok=True)
        with self._lock():
            self._remove_unfinished()
            folder = Path(
                tempfile.mkdtemp(prefix=f"{time.strftime('%Y%m%dT%H%M%S')}-", dir=self._sets)
            )
            folder.chmod(0o777 & ~_umask())  # as a folder made by mkdir (mkdtemp's is 0700)
            try:
                for name, part in data.items():
                    self._part(name, folder).save(part)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            self._publish(folder)

    def _publish(self, folder: Path) -> None:
        """Point ``path`` at ``folder`` in one rename; remove the sets no longer in use."""
        if self._path.exists() and not self._path.is_symlink():
            # A report folder of an earlier version (written in place): kept as a set.
            self._path.rename(self._sets / "earlier")
        link = self._path.with_name(f".{self._path.name}.{os.getpid()}.link")
        link.unlink(missing_ok=True)
        link.symlink_to(os.path.relpath(folder, self._path.parent))
        os.replace(link, self._path)
        for old in self._sets.iterdir():
            if old != folder:
                shutil.rmtree(old, ignore_errors=True)

    def _remove_unfinished(self) -> None:
        """Sets of runs killed while writing: never published, safe to remove under the lock."""
        current = self._path.resolve() if self._path.is_symlink() else None
        for old in self._sets.iterdir():
            if old.resolve() != current:
                shutil.rmtree(old, ignore_errors=True)

    @contextmanager
    def _lock(self):
        lock = self._path.parent / f".{self._path.name}.lock"
        with lock.open("a") as handle:
            deadline = time.monotonic() + self._lock_timeout_s
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise ProjectError(
                            f"{self._path}: another run has been publishing this report set "
                            f"for over {self._lock_timeout_s:g} s (lock {lock.name}); wait for "
                            "it to end, or stop it"
                        ) from None
                    time.sleep(0.2)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _exists(self) -> bool:
        return self._path.exists()

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path), "parts": sorted(self._parts)}
