"""Ranking metrics per query (village), one explicit implementation.

Gain of a product with graded relevance ``rel`` (0-4) is ``2**rel - 1``, discounted by
``log2(position + 1)``; NDCG@k divides by the ideal ordering's DCG@k. A village whose products
are all irrelevant has no ideal ordering: its NDCG is undefined here (NaN) — LightGBM would
call it 1, scikit-learn 0 — and it is reported separately, not averaged in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _dcg(relevance: np.ndarray, k: int) -> float:
    rel = relevance[:k]
    return float(((2.0**rel - 1) / np.log2(np.arange(2, len(rel) + 2))).sum())


def ndcg_at_k(relevance_in_ranked_order: np.ndarray, k: int) -> float:
    """NDCG@k of one query, relevances listed in the order the scorer ranked them.

    >>> round(ndcg_at_k(np.array([0, 2, 1]), 3), 4)
    0.659
    >>> ndcg_at_k(np.array([0, 0, 0]), 3)
    nan
    """
    ideal = _dcg(np.sort(relevance_in_ranked_order)[::-1], k)
    return float("nan") if ideal == 0 else _dcg(relevance_in_ranked_order, k) / ideal


def hit_rate_at_k(relevance_in_ranked_order: np.ndarray, k: int, relevant_from: int = 1) -> float:
    """1 if a relevant item (relevance ≥ ``relevant_from``) is in the top k, else 0."""
    return float((relevance_in_ranked_order[:k] >= relevant_from).any())


def average_precision_at_k(
    relevance_in_ranked_order: np.ndarray, k: int, relevant_from: int = 1
) -> float:
    """AP@k: mean precision at the ranks of relevant items in the top k, over min(k, #relevant).

    >>> round(average_precision_at_k(np.array([1, 0, 1]), 3), 4)
    0.8333
    """
    hits = relevance_in_ranked_order >= relevant_from
    n_relevant = int(hits.sum())
    if n_relevant == 0:
        return float("nan")
    top = hits[:k]
    precisions = np.cumsum(top) / np.arange(1, len(top) + 1)
    return float((precisions * top).sum() / min(k, n_relevant))


def ranking_metrics(
    frame: pd.DataFrame, group: str, score: str, relevance: str, ks=(1, 3), relevant_from: int = 1
) -> dict[str, float]:
    """Mean NDCG@k over queries with any relevance, HR@k and MAP@k over queries with an item
    of relevance ≥ ``relevant_from``; queries whose items are all 0 are counted apart."""
    rows = []
    ordered = frame.sort_values([group, score], ascending=[True, False], kind="stable")
    for _, q in ordered.groupby(group, sort=False):  # one small query (village) at a time
        rel = q[relevance].to_numpy(float)
        row = {f"ndcg@{k}": ndcg_at_k(rel, k) for k in ks}
        relevant = bool((rel >= relevant_from).any())
        nan = float("nan")
        row |= {f"hr@{k}": hit_rate_at_k(rel, k, relevant_from) if relevant else nan for k in ks}
        row |= {f"map@{k}": average_precision_at_k(rel, k, relevant_from) for k in ks}
        row["all_zero"] = not (rel > 0).any()
        rows.append(row)
    table = pd.DataFrame(rows)
    out = {c: float(table[c].mean()) for c in table.columns if c != "all_zero"}  # NaN-skipping
    out["queries"] = float(len(table))
    out["queries_without_relevant"] = float(table["all_zero"].sum())
    return out
