"""A version of a model from the MLflow model registry, with the facts an auditor needs."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import mlflow
import pandas as pd
from kedro.io import AbstractDataset, DatasetError
from mlflow.exceptions import MlflowException
from mlflow.types import DataType

from ecpa_pipeline.errors import ProjectError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RegisteredModel:
    """A loaded registered model version: its name, version, training run and pyfunc model."""

    name: str
    version: str
    run_id: str
    model: Any  # mlflow.pyfunc.PyFuncModel
    tags: dict  # the training run's tags (code version, input digests, key fingerprint)

    def part(self, dataset: str) -> Any:
        """A dataset the logged Kedro inference pipeline carries (e.g. ``exit_booster`` or
        ``params:exit_model``), exactly as that version was trained."""
        return self.model.unwrap_python_model().loaded_catalog.load(dataset)

    def check_key(self, key: dict, retrain: str) -> None:
        """Stop when the model was trained on pseudonyms made with another key than this
        data folder's (``key``: its fingerprint): its households would be other households.

        Raises:
            ProjectError: naming both fingerprints and the way out (``retrain``: the command).
        """
        name = "pseudonym_key_fingerprint"
        trained, here = self.tags.get(name), key.get(name)
        if not trained:
            raise ProjectError(
                f"model {self.name} version {self.version} carries no {name} tag on its "
                f"training run {self.run_id}: nothing shows which households it was trained "
                f"on; retrain it ({retrain})"
            )
        if trained != here:
            raise ProjectError(
                f"model {self.name} version {self.version} was trained on pseudonyms "
                f"of the key {trained}, this data folder's households are keyed with {here}: use "
                "the key the model was trained with (conf/<env>/credentials.yml) and re-run "
                f"features, or retrain the model ({retrain})"
            )

    def score(self, rows: pd.DataFrame, source: str, offset: float | None = None) -> pd.DataFrame:
        """The model's output for ``rows``: its input columns taken as its signature declares
        them (numbers as floats), the offset column (if the model has one) set to ``offset``.

        Raises:
            ValueError: ``rows`` (from ``source``) lack a column the model reads.
        """
        frame = rows.copy()
        offset_column = self.settings().get("offset_column")
        if offset_column:
            frame[offset_column] = offset
        names, doubles = self.inputs(frame.columns, source)
        return self.model.predict(frame[names].astype(dict.fromkeys(doubles, float)))

    def inputs(self, columns, source: str) -> tuple[list[str], list[str]]:
        """The columns the model reads, in its signature's order, and those it reads as
        floats (numbers of any type are passed as floats).

        Raises:
            ValueError: ``columns`` (of ``source``) lack one of them.
        """
        schema = self.model.metadata.get_input_schema()
        missing = [c for c in schema.input_names() if c not in set(columns)]
        if missing:
            raise ValueError(
                f"{source} lacks column(s) {missing} that model {self.name} version "
                f"{self.version} reads: re-run the features pipeline or choose the version "
                "trained on this input (--params model_version=…)"
            )
        doubles = [c.name for c in schema.inputs if c.type == DataType.double]
        return schema.input_names(), doubles

    def settings(self) -> dict:
        """The model's own parameters (``params:<name>`` of its inference pipeline): id,
        label, features … as that version was trained."""
        catalog = self.model.unwrap_python_model().loaded_catalog
        names = [n for n in catalog.keys() if n.startswith("params:")]
        return catalog.load(names[0]) if len(names) == 1 else self.part("params:exit_model")


class RegisteredModelDataset(AbstractDataset[None, RegisteredModel | None]):
    """Loads version ``model_version`` (a number, or ``latest``: the highest) of the registered
    model ``name`` from the MLflow registry kedro-mlflow configured for this run. Read-only.
    With ``required: false``, ``latest`` of a model never registered loads as ``None`` (the
    nodes say what is missing without it); a named version must exist.

    Example catalog entry::

        poverty_exit_model:
          type: ecpa_pipeline.datasets.RegisteredModelDataset
          name: poverty_exit
          model_version: ${runtime_params:model_version,latest}
    """

    # ``version`` is a reserved word of Kedro's catalog, hence ``model_version``.
    def __init__(
        self,
        name: str,
        model_version: str | int = "latest",
        required: bool = True,
        metadata: dict | None = None,
    ):
        self._name = name
        self._version = str(model_version)
        self._required = required
        self.metadata = metadata

    def _resolve_version(self, client: mlflow.MlflowClient) -> Any:
        where = mlflow.get_registry_uri()
        if self._version == "latest":
            versions = client.search_model_versions(f"name='{self._name}'")
            if not versions and not self._required:
                return None
            if not versions:
                raise ProjectError(
                    f"no version of model {self._name!r} is registered in {where}: "
                    "train it first (kedro run --pipelines=exit_model)"
                )
            return max(versions, key=lambda v: int(v.version))
        try:
            return client.get_model_version(self._name, self._version)
        except MlflowException:
            known = sorted(
                int(v.version) for v in client.search_model_versions(f"name='{self._name}'")
            )
            raise ProjectError(
                f"model {self._name!r} has no version {self._version} in {where} "
                f"(registered versions: {', '.join(map(str, known)) or 'none'}): choose one "
                "with --params model_version=<n>"
            ) from None

    def load(self) -> RegisteredModel | None:
        # One version per run: every node of it reads the one loaded first (a training that
        # registers a newer version meanwhile does not change a list halfway).
        if not hasattr(self, "_loaded"):
            self._loaded = self._load_version()
        return self._loaded

    def _load_version(self) -> RegisteredModel | None:
        client = mlflow.MlflowClient()
        version = self._resolve_version(client)
        if version is None:
            logger.info("No version of model %s is registered", self._name)
            return None
        model = mlflow.pyfunc.load_model(f"models:/{self._name}/{version.version}")
        tags = client.get_run(version.run_id).data.tags if version.run_id else {}
        logger.info(
            "Using model %s version %s (training run %s)",
            self._name,
            version.version,
            version.run_id,
        )
        return RegisteredModel(self._name, str(version.version), version.run_id, model, tags)

    def save(self, data: Any) -> None:
        raise DatasetError("RegisteredModelDataset is read-only: models are registered by training")

    def _describe(self) -> dict[str, Any]:
        return {"name": self._name, "version": self._version}
