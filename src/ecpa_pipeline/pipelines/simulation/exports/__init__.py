"""Raw exports exactly as the source systems write them (see raw-data-contract.md), one
module per kind of source: ``registry`` (建档立卡 registry), ``income`` (income survey),
``monitoring`` (防返贫监测 export), ``catalogues``
(villages, products, production, shops), ``orders`` (Taobao, Pinduoduo, 832).

Each function takes simulated state (English columns) and returns the file's table with the
source system's Chinese headers and cell conventions, with defects injected and marked
(see ``defects.py``). Values are strings: the export is text, as in the real files. The
cell conventions shared by all sources are here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..ecommerce import pick_per_row

BOOLEAN_STYLES = [("是", "否"), ("Y", "N"), ("1", "0"), ("有", "无"), ("TRUE", "FALSE")]
MISSING_MARKERS = np.array(["", "", "", "-", "/", "无", "NULL"])


def _bool(values: np.ndarray, style: tuple[str, str]) -> np.ndarray:
    return np.where(np.asarray(values, dtype=bool), style[0], style[1])


def _num(values) -> np.ndarray:
    """Numbers as an export writes them: integers without '.0'."""
    arr = np.asarray(values, dtype=float)
    as_int = np.round(arr).astype(np.int64).astype(str)
    return np.where(arr == np.round(arr), as_int, np.round(arr, 2).astype(str))


def _fmt_g(values: np.ndarray) -> np.ndarray:
    """Numbers formatted like ``f"{x:g}"`` (5, 2.5, 0.25), computed once per distinct value."""
    unique, inverse = np.unique(np.asarray(values, dtype=float), return_inverse=True)
    return np.array([f"{u:g}" for u in unique], dtype=object)[inverse]


def _headers(frame: pd.DataFrame, mapping: dict) -> pd.DataFrame:
    return frame.rename(columns=mapping)


def _product_names(
    products: pd.DataFrame, product_idx: np.ndarray, alias_rate: float, rng
) -> tuple[np.ndarray, np.ndarray]:
    """Free-text product names: the catalogue name, or an alias / variety spelling."""
    n = len(product_idx)
    names = products["product_name"].to_numpy()[product_idx]
    alias_pick = pick_per_row(products["aliases"], product_idx, rng)
    variety = np.array(["高山", "本地", "有机", "生态", ""])[rng.integers(0, 5, n)]
    use_alias = rng.random(n) < alias_rate
    return np.where(use_alias, variety + alias_pick, names), use_alias
