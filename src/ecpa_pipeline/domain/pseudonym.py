"""Keyed pseudonyms for household and person codes (HMAC-SHA256 with a local secret).

The same code and secret always give the same pseudonym, so a data team holding the secret
can join model outputs back to its registry; without the secret the pseudonym reveals
nothing. Only pseudonyms reach models, MLflow and shared reports.
"""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd

from .normalise import by_unique

PREFIX = "h_"
LENGTH = 20


@by_unique
def pseudonymise(codes: pd.Series, secret: str) -> pd.Series:
    """HMAC-SHA256 pseudonyms (``h_`` + 20 hex characters) of the codes; NA stays NA.

    >>> pseudonymise(pd.Series(["HH-EXAMPLE-1"]), "s3cret").tolist()
    ['h_55d235d8f139ad38285b']
    """
    if not secret:
        raise ValueError(
            "the pseudonym secret is empty: set pseudonym_secret.key in conf/local/credentials.yml"
        )
    key = secret.encode("utf-8")

    def one(code: str) -> str:
        return PREFIX + hmac.new(key, code.encode("utf-8"), hashlib.sha256).hexdigest()[:LENGTH]

    # One HMAC per distinct code (by_unique): cheap even for a province.
    return codes.map(one, na_action="ignore").astype("str")
