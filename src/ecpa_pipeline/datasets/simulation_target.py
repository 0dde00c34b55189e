"""The raw folder the simulator writes into: empty, or one it made itself — never real exports.

The simulator's exports are partitioned datasets that replace their folders whole; run into a
data team's raw folder, they would delete its exports. ``SimulationTargetDataset`` lets the
simulation start only where that cannot happen, and marks the folder as the simulator's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset, DatasetError

from ecpa_pipeline.errors import ProjectError

from .raw_files import printable
from .raw_scan import PROJECT_FILES, relative

#: The file that says a raw folder was made by the simulator.
MARKER = ".ecpa_simulated"


class SimulationTargetDataset(AbstractDataset[None, str]):
    """Loads the raw folder's path once the simulator may write there: the folder is empty
    (or missing, or holds only ``.gitkeep``) — it is then marked as the simulator's — or it
    carries the mark and holds only files the simulator writes (``own_files``: regular
    expressions that match the whole path relative to the folder). Read-only.

    Raises (on load):
        ProjectError: anything else in the folder, naming what is there.

    Example catalog entry::

        raw_folder_for_simulation:
          type: ecpa_pipeline.datasets.SimulationTargetDataset
          root: data/01_raw
          own_files: ['registry/registry_\\d{4}\\.csv', '_truth/defects\\.csv']
    """

    def __init__(self, root: str, own_files: list[str], metadata: dict | None = None):
        self._root = Path(root)
        self._own = [re.compile(pattern) for pattern in own_files]
        self.metadata = metadata

    def load(self) -> str:
        root = self._root
        entries = sorted(
            relative(p, root)
            for p in (root.rglob("*") if root.is_dir() else [])
            if not p.is_dir() or p.is_symlink()
        )
        entries = [e for e in entries if e not in PROJECT_FILES]
        marked = (root / MARKER).exists()
        foreign = [e for e in entries if not (marked and self._simulated(e))]
        if foreign:
            shown = ", ".join(printable(e) for e in foreign[:3])
            more = f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
            why = "files the simulator does not write" if marked else "files"
            raise ProjectError(
                f"{printable(str(root))}: the raw folder holds {why} ({shown}{more}); the "
                "simulator writes only into an empty raw folder or one it made itself, and "
                "would replace what is there: choose another data_dir (or raw_dir), or move "
                "these files out"
            )
        root.mkdir(parents=True, exist_ok=True)
        (root / MARKER).write_text(
            "This raw folder was written by the ecpa-pipeline simulator: its exports are "
            "simulated, not real.\n",
            encoding="utf-8",
        )
        return str(root)

    def _simulated(self, entry: str) -> bool:
        return any(pattern.fullmatch(entry) for pattern in self._own)

    def save(self, data: Any) -> None:
        raise DatasetError("SimulationTargetDataset is read-only")

    def _describe(self) -> dict[str, Any]:
        return {"root": str(self._root)}
