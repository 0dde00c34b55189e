"""Ranking metrics against hand-computed values, including the all-irrelevant village."""

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
