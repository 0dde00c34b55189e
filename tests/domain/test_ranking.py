"""Ranking metrics against hand-computed values, including the all-irrelevant village."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from ecpa_pipeline.domain.ranking import (
    average_precision_at_k,
    hit_rate_at_k,
    ndcg_at_k,
    ranking_metrics,
)


def test_ndcg_by_hand():
    # ranked relevances 3, 0, 2: DCG = 7/1 + 0 + 3/2 = 8.5; ideal 3, 2, 0: 7 + 3/log2(3)
    assert ndcg_at_k(np.array([3, 0, 2]), 3) == pytest.approx(8.5 / (7 + 3 / math.log2(3)))
    assert ndcg_at_k(np.array([0, 3]), 1) == 0.0
    assert ndcg_at_k(np.array([2, 1, 0]), 3) == 1.0


def test_all_zero_village_is_undefined_not_one_or_zero():
    assert math.isnan(ndcg_at_k(np.array([0, 0, 0]), 3))
    assert math.isnan(average_precision_at_k(np.array([0, 0]), 3))
    assert hit_rate_at_k(np.array([0, 0, 0]), 3) == 0.0


def test_map_and_hit_rate_by_hand():
    assert average_precision_at_k(np.array([0, 2, 2, 0]), 3, relevant_from=2) == pytest.approx(
        (1 / 2 + 2 / 3) / 2
    )
    assert hit_rate_at_k(np.array([0, 1, 3]), 2, relevant_from=2) == 0.0


def test_ranking_metrics_report_villages_without_relevant_products_apart():
    frame = pd.DataFrame(
        {
            "village": ["a", "a", "a", "b", "b"],
            "score": [0.9, 0.5, 0.1, 0.7, 0.2],
            "rel": [0, 3, 0, 0, 0],
        }
    )
    m = ranking_metrics(frame, "village", "score", "rel", relevant_from=1)  # b: all zero
    assert m["queries"] == 2 and m["queries_without_relevant"] == 1
    assert m["ndcg@1"] == 0.0  # village a only: its best product ranked second
    assert m["ndcg@3"] == pytest.approx((7 / math.log2(3)) / 7)
    assert m["hr@3"] == 1.0


def test_tied_scores_count_as_unordered_not_in_input_order():
    # Two products tied at the top, relevances 0 and 3: whichever comes first in the frame,
    # NDCG@1 is the mean of the two orders (0 and 1), HR@1 one half.
    for rels in ([0, 3], [3, 0]):
        frame = pd.DataFrame({"village": "a", "score": [1.0, 1.0], "rel": rels})
        m = ranking_metrics(frame, "village", "score", "rel", relevant_from=1)
        assert m["ndcg@1"] == pytest.approx(0.5)
        assert m["hr@1"] == pytest.approx(0.5)
        assert m["map@1"] == pytest.approx(0.5)
    # A tie of three (one relevant) straddling a cut-off of 2 after a first, irrelevant item:
    # P(hit in top 2) = P(the relevant one is drawn first of the three) = 1/3.
    ranked = np.array([0, 0, 2, 0])
    scores = np.array([0.9, 0.5, 0.5, 0.5])
    assert hit_rate_at_k(ranked, 2, relevant_from=1, scores=scores) == pytest.approx(1 / 3)
    # NDCG@2: position 2 gets the block's mean gain (3/3 = 1) discounted by log2(3);
    # ideal DCG@2 is 3 (gain 2^2 - 1 at position 1).
    assert ndcg_at_k(ranked, 2, scores) == pytest.approx((1 / math.log2(3)) / 3)


def test_tie_aware_metrics_equal_the_mean_over_every_order_of_the_ties():
    rel = np.array([2, 0, 3, 1, 0, 2])
    scores = np.array([0.9, 0.7, 0.7, 0.7, 0.2, 0.2])  # blocks {0}, {1, 2, 3}, {4, 5}
    orders = [
        np.r_[0, np.array(a), np.array(b)]
        for a in itertools.permutations([1, 2, 3])
        for b in itertools.permutations([4, 5])
    ]
    for k in (1, 2, 3, 5):
        brute = [
            (
                ndcg_at_k(rel[o], k),
                hit_rate_at_k(rel[o], k, 3),
                average_precision_at_k(rel[o], k, 2),
            )
            for o in orders
        ]
        expected = np.mean(brute, axis=0)
        got = (
            ndcg_at_k(rel, k, scores),
            hit_rate_at_k(rel, k, 3, scores),
            average_precision_at_k(rel, k, 2, scores),
        )
        assert got == pytest.approx(tuple(expected))
