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
#: A key must hold at least this many random bytes, written as hex (64 characters).
MIN_KEY_BYTES = 32
#: ... and this many different byte values: 32 random bytes show ≈ 30; an all-zero key, a
#: repeated byte or a short repeated pattern (``7e57`` × 16) show a handful.
MIN_DISTINCT_KEY_BYTES = 16
_FINGERPRINT_TEXT = b"ecpa-pipeline pseudonym key fingerprint v1"


def normalise_key(secret: str | None) -> str:
    """The key as every use of it sees it: surrounding white space dropped (a YAML block
    ``key: |`` ends in a newline) and hex digits in lower case, so that one key written two
    ways gives one fingerprint *and* the same pseudonyms.

    >>> normalise_key("  7E57AB\\n") == normalise_key("7e57ab")
    True
    """
    return (secret or "").strip().lower()


def key_problem(secret: str | None) -> str | None:
    """Why ``secret`` cannot key pseudonyms (None when it can): it must be at least
    ``MIN_KEY_BYTES`` random bytes written as hex, as ``secrets.token_hex(32)`` gives, with
    at least ``MIN_DISTINCT_KEY_BYTES`` different byte values (not all zeros, not a pattern).

    >>> key_problem("00" * 32)
    'the pseudonym key is not random: 1 different byte values, at least 16 are needed'
    """
    text = normalise_key(secret)
    if not text:
        return "no pseudonym key"
    try:
        key = bytes.fromhex(text)
    except ValueError:
        return "the pseudonym key is not hexadecimal"
    if len(key) < MIN_KEY_BYTES:
        return f"the pseudonym key has {len(key)} bytes, at least {MIN_KEY_BYTES} are needed"
    if len(set(key)) < MIN_DISTINCT_KEY_BYTES:
        return (
            f"the pseudonym key is not random: {len(set(key))} different byte values, at "
            f"least {MIN_DISTINCT_KEY_BYTES} are needed"
        )
    return None


def fingerprint(secret: str) -> str:
    """A short, public name of the key (an HMAC of a fixed text, never the key): equal
    fingerprints mean equal pseudonyms; it reveals nothing of the key.

    >>> fingerprint("00" * 32)
    'fp_810743031bae5cfb'
    """
    digest = hmac.new(normalise_key(secret).encode("utf-8"), _FINGERPRINT_TEXT, hashlib.sha256)
    return "fp_" + digest.hexdigest()[:16]


@by_unique
def pseudonymise(codes: pd.Series, secret: str) -> pd.Series:
    """HMAC-SHA256 pseudonyms (``h_`` + 20 hex characters) of the codes; NA stays NA.

    >>> pseudonymise(pd.Series(["HH-EXAMPLE-1"]), "s3cret").tolist()
    ['h_55d235d8f139ad38285b']
    """
    if not normalise_key(secret):
        raise ValueError(
            "the pseudonym secret is empty: set pseudonym_secret.key in conf/local/credentials.yml"
        )
    key = normalise_key(secret).encode("utf-8")

    def one(code: str) -> str:
        return PREFIX + hmac.new(key, code.encode("utf-8"), hashlib.sha256).hexdigest()[:LENGTH]

    # One HMAC per distinct code (by_unique): cheap even for a province.
    return codes.map(one, na_action="ignore").astype("str")


@by_unique
def hash_ids(ids: pd.Series) -> pd.Series:
    """A survey's own ids as SHA-256 digests (``id_`` + 20 hex characters): what reaches a
    model and MLflow when the ids are not pseudonyms already; the data team gets the same
    digest by hashing its id. NA stays NA.

    >>> hash_ids(pd.Series(["P00001"])).tolist()
    ['id_a68e289339a0bbc86318']
    """

    def one(value: str) -> str:
        return "id_" + hashlib.sha256(str(value).encode("utf-8")).hexdigest()[:LENGTH]

    return ids.map(one, na_action="ignore").astype("str")
