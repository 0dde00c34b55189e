"""Ranking metrics per query (village), one explicit implementation.

Gain of a product with graded relevance ``rel`` (0-4) is ``2**rel - 1``, discounted by
``log2(position + 1)``; NDCG@k divides by the ideal ordering's DCG@k. A village whose products
are all irrelevant has no ideal ordering: its NDCG is undefined here (NaN) — LightGBM would
call it 1, scikit-learn 0 — and it is reported separately, not averaged in.

**Ties are scored as what they are: no ordering.** Products a scorer gives equal scores
(a rule that cannot tell two fitting products apart) take, position by position, the mean of
their block — the expectation over every order of the tied items (McSherry & Najork, ECIR
2008). Breaking them by input order instead credits the scorer with the catalogue's order:
on the default county, the suitability rule's NDCG@3 against the true potential is 0.82 with
products tied in code order and about 0.6 over random orders of its ties.
"""

from __future__ import annotations

from math import comb

import numpy as np
import pandas as pd


def _discounts(n: int) -> np.ndarray:
    return 1.0 / np.log2(np.arange(2, n + 2))


def _dcg(gains: np.ndarray, k: int) -> float:
    top = gains[:k]
    return float((top * _discounts(len(top))).sum())


def _tie_blocks(scores: np.ndarray | None, n: int) -> np.ndarray:
    """Block number of each position of a ranking sorted by descending score (equal scores
    share a block); every position its own block without scores."""
    if scores is None:
        return np.arange(n)
    return np.r_[0, np.cumsum(scores[1:] != scores[:-1])]


def _block_mean(values: np.ndarray, blocks: np.ndarray) -> np.ndarray:
    sums = np.bincount(blocks, weights=values)
    return (sums / np.bincount(blocks))[blocks]


def ndcg_at_k(relevance_in_ranked_order: np.ndarray, k: int, scores=None) -> float:
    """NDCG@k of one query, relevances listed in the order the scorer ranked them (and the
    scores, in the same order, when ties are to be averaged).

    >>> round(ndcg_at_k(np.array([0, 2, 1]), 3), 4)
    0.659
    >>> ndcg_at_k(np.array([0, 0, 0]), 3)
    nan
    >>> ndcg_at_k(np.array([0, 2]), 1, scores=np.array([1.0, 1.0]))  # a tie: half the gain
    0.5
    """
    rel = np.asarray(relevance_in_ranked_order, dtype=float)
    gains = 2.0**rel - 1
    ideal = _dcg(np.sort(gains)[::-1], k)
    if ideal == 0:
        return float("nan")
    return _dcg(_block_mean(gains, _tie_blocks(scores, len(rel))), k) / ideal


def hit_rate_at_k(
    relevance_in_ranked_order: np.ndarray, k: int, relevant_from: int = 1, scores=None
) -> float:
    """The probability that a relevant item (relevance ≥ ``relevant_from``) is in the top k
    (1 or 0 without ties; a tie across the cut-off counts by the share of its orders).

    >>> round(hit_rate_at_k(np.array([0, 2, 0]), 1, 2, scores=np.array([1, 1, 1])), 4)
    0.3333
    """
    hits = np.asarray(relevance_in_ranked_order) >= relevant_from
    blocks = _tie_blocks(scores, len(hits))
    inside = np.arange(len(hits)) < k
    if (hits & inside & (blocks != blocks[min(k, len(hits)) - 1])).any():
        return 1.0
    cut = blocks == blocks[min(k, len(hits)) - 1]  # the block the cut-off falls in
    n, r, m = int(cut.sum()), int((hits & cut).sum()), int((cut & inside).sum())
    return 1.0 - comb(n - r, m) / comb(n, m)


def average_precision_at_k(
    relevance_in_ranked_order: np.ndarray, k: int, relevant_from: int = 1, scores=None
) -> float:
    """AP@k: mean precision at the ranks of relevant items in the top k, over min(k, #relevant);
    with ties, its expectation over every order of the tied items.

    >>> round(average_precision_at_k(np.array([1, 0, 1]), 3), 4)
    0.8333
    >>> average_precision_at_k(np.array([0, 1]), 1, scores=np.array([2.0, 2.0]))
    0.5
    """
    hits = (np.asarray(relevance_in_ranked_order) >= relevant_from).astype(float)
    n_relevant = int(hits.sum())
    if n_relevant == 0:
        return float("nan")
    blocks = _tie_blocks(scores, len(hits))
    size = np.bincount(blocks)[blocks].astype(float)
    relevant = np.bincount(blocks, weights=hits)[blocks]
    chance = relevant / size  # P(the item at a position is relevant)
    # Two positions of one block are both relevant with r(r-1) / (n(n-1)).
    both = np.where(size > 1, relevant * (relevant - 1) / (size * (size - 1)).clip(1), 0.0)
    total = 0.0
    for p in range(min(k, len(hits))):  # k is small (1 or 3)
        earlier = np.where(blocks[:p] == blocks[p], both[p], chance[p] * chance[:p])
        total += (chance[p] + earlier.sum()) / (p + 1)
    return float(total / min(k, n_relevant))


def ranking_metrics(
    frame: pd.DataFrame, group: str, score: str, relevance: str, ks=(1, 3), relevant_from: int = 1
) -> dict[str, float]:
    """Mean NDCG@k over queries with any relevance, HR@k and MAP@k over queries with an item
    of relevance ≥ ``relevant_from``; queries whose items are all 0 are counted apart. Tied
    scores count as unordered (see the module's docstring)."""
    rows = []
    ordered = frame.sort_values([group, score], ascending=[True, False], kind="stable")
    for _, q in ordered.groupby(group, sort=False):  # one small query (village) at a time
        rel = q[relevance].to_numpy(float)
        s = q[score].to_numpy(float)
        row = {f"ndcg@{k}": ndcg_at_k(rel, k, s) for k in ks}
        relevant = bool((rel >= relevant_from).any())
        nan = float("nan")
        row |= {f"hr@{k}": hit_rate_at_k(rel, k, relevant_from, s) if relevant else nan for k in ks}
        row |= {f"map@{k}": average_precision_at_k(rel, k, relevant_from, s) for k in ks}
        row["all_zero"] = not (rel > 0).any()
        rows.append(row)
    table = pd.DataFrame(rows)
    out = {c: float(table[c].mean()) for c in table.columns if c != "all_zero"}  # NaN-skipping
    out["queries"] = float(len(table))
    out["queries_without_relevant"] = float(table["all_zero"].sum())
    return out
