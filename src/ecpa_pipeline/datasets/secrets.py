"""A secret from ``conf/local/credentials.yml``, given to nodes as a dataset."""

from __future__ import annotations

from typing import Any

from kedro.io import AbstractDataset, DatasetError


class SecretDataset(AbstractDataset[None, str]):
    """Loads one secret string from Kedro credentials (never logged, never saved); an empty
    string when none is configured, for the node that needs it to say what to do.

    Example catalog entry::

        pseudonym_secret:
          type: ecpa_pipeline.datasets.SecretDataset
          credentials: pseudonym_secret     # credentials.yml: pseudonym_secret: {key: ...}
    """

    def __init__(self, credentials: dict[str, Any] | None = None, metadata: dict | None = None):
        self._secret = (credentials or {}).get("key")
        self.metadata = metadata

    def load(self) -> str:
        return str(self._secret or "")

    def save(self, data: Any) -> None:
        raise DatasetError("SecretDataset is read-only")

    def _describe(self) -> dict[str, Any]:
        return {"secret": "***"}
