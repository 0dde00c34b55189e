"""A file dataset written beside its file and renamed into place."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import Any

from kedro.io import AbstractDataset


class WrittenInPlace(AbstractDataset):
    """Saves the wrapped local-file dataset (``pandas.ParquetDataset``, ``json.JSONDataset``
    …) to a temporary name beside its file, then renames it into place (atomic on one file
    system): a reader, or a run that is killed, never leaves half a file under the real name.
    Loads as the wrapped dataset does."""

    def __init__(self, dataset: AbstractDataset):
        self._dataset = dataset

    def load(self) -> Any:
        return self._dataset.load()

    def save(self, data: Any) -> None:
        real = PurePosixPath(str(self._dataset._filepath))
        partial = real.with_name(f".{real.name}.{os.getpid()}.partial")
        self._dataset._filepath = partial
        try:
            self._dataset.save(data)
        except Exception:
            Path(partial).unlink(missing_ok=True)
            raise
        finally:
            self._dataset._filepath = real
        os.replace(partial, real)

    def _exists(self) -> bool:
        return self._dataset.exists()

    def _release(self) -> None:
        self._dataset.release()

    def _describe(self) -> dict[str, Any]:
        return {"written_in_place": self._dataset._describe()}
