"""A file dataset written beside its file and renamed into place (MLflow artifact datasets
included: the file is logged once it is in place, under its own name)."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import Any

import mlflow
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
        dataset = self._dataset
        real = PurePosixPath(str(dataset._filepath))
        partial = real.with_name(f".{real.name}.{os.getpid()}.partial")
        # An MLflow artifact dataset logs the file it wrote: log it under its real name,
        # once it is in place.
        logging_on = getattr(dataset, "_logging_activated", False)
        if logging_on:
            dataset._logging_activated = False
        dataset._filepath = partial
        try:
            dataset.save(data)
        except Exception:
            Path(partial).unlink(missing_ok=True)
            raise
        finally:
            dataset._filepath = real
            if logging_on:
                dataset._logging_activated = True
        os.replace(partial, real)
        if logging_on:
            _log_artifact(dataset, real)

    def _exists(self) -> bool:
        return self._dataset.exists()

    def _release(self) -> None:
        self._dataset.release()

    def _describe(self) -> dict[str, Any]:
        return {"written_in_place": self._dataset._describe()}


def _log_artifact(dataset: Any, path: PurePosixPath) -> None:
    """Log ``path`` as kedro-mlflow's artifact dataset would (its run, its artifact path)."""
    if getattr(dataset, "run_id", None):
        mlflow.MlflowClient().log_artifact(
            run_id=dataset.run_id, local_path=path.as_posix(), artifact_path=dataset.artifact_path
        )
    else:
        mlflow.log_artifact(path.as_posix(), dataset.artifact_path)
