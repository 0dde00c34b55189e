"""Independent, named random streams so that adding a component never shifts another's draws."""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """A generator determined by the world seed and a component name.

    >>> bool(stream(1, "villages").integers(100) == stream(1, "villages").integers(100))
    True
    """
    return np.random.default_rng([int(seed), zlib.crc32(name.encode("utf-8"))])


def choice_from_shares(rng: np.random.Generator, shares: dict, size: int) -> np.ndarray:
    """Draw ``size`` labels with the probabilities given as ``{label: share}``."""
    labels = np.array(list(shares.keys()), dtype=object)
    p = np.array(list(shares.values()), dtype=float)
    return labels[rng.choice(len(labels), size=size, p=p / p.sum())]
