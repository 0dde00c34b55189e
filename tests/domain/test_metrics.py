"""The one metric implementation, against hand-computed values."""

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from ecpa_pipeline.domain.metrics import (
    binary_metrics,
    bootstrap_interval,
    budget_metrics,
    budget_size,
    ece_if_calibrated,
    expected_calibration_error,
)


def test_budget_metrics_by_hand():
    y = np.array([1, 0, 1, 1, 0, 0])
    p = np.array([0.9, 0.8, 0.7, 0.2, 0.1, 0.05])
    m = budget_metrics(y, p, k=3)  # selected: 0.9 (1), 0.8 (0), 0.7 (1)
    assert m["precision_at_k"] == pytest.approx(2 / 3)
    assert m["recall_at_k"] == pytest.approx(2 / 3)  # 2 of 3 exiters selected
    assert m["inclusion_error"] == pytest.approx(1 / 3)
    assert m["exclusion_error"] == pytest.approx(1 / 3)


def test_ece_by_hand():
    y = np.array([0, 0, 1, 1])
    p = np.array([0.05, 0.15, 0.85, 0.95])  # bins 0, 1, 8, 9: |0-.05|,|0-.15|,|1-.85|,|1-.95|
    assert expected_calibration_error(y, p) == pytest.approx((0.05 + 0.15 + 0.15 + 0.05) / 4)


def test_the_ece_floor_is_what_sampling_alone_gives_and_shrinks_with_more_households():
    rng = np.random.default_rng(5)
    few, many = rng.uniform(0.3, 0.9, 500), rng.uniform(0.3, 0.9, 50_000)
    assert ece_if_calibrated(few) == ece_if_calibrated(few)  # seeded
    # one bin of n rows at p: E|mean − p| = sqrt(2 p (1 − p) / (π n)); six bins here
    assert 0.03 < ece_if_calibrated(few) < 0.06
    assert ece_if_calibrated(many, draws=20) < 0.006
    assert ece_if_calibrated(np.array([0.0, 1.0, 1.0])) == 0  # certain scores cannot miss


def test_wrongful_exit_rate_and_perfect_ranking():
    y = np.array([1, 1, 0, 0])
    p = np.array([0.9, 0.6, 0.55, 0.1])
    m = binary_metrics(y, p, threshold=0.5)
    assert m["roc_auc"] == 1.0
    assert m["wrongful_exit_rate"] == pytest.approx(1 / 3)  # 3 put forward, one did not exit
    assert m["k"] == 2 and m["exclusion_error"] == 0.0


def test_single_class_gives_no_auc_rather_than_an_error():
    m = binary_metrics(np.array([1, 1, 1]), np.array([0.2, 0.5, 0.9]))
    assert np.isnan(m["roc_auc"]) and m["exit_rate"] == 1.0


def test_the_bootstrap_interval_holds_the_figure_and_narrows_with_more_households():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 4000)
    p = np.clip(0.5 * y + rng.normal(0.25, 0.3, 4000), 0, 1)
    low, high = bootstrap_interval(y, p, seed=3)
    small = bootstrap_interval(y[:400], p[:400], seed=3)
    assert low < roc_auc_score(y, p) < high
    assert high - low < small[1] - small[0]
    assert bootstrap_interval(y, p, seed=3) == (low, high)  # seeded: reproducible


@pytest.mark.parametrize("metric", [roc_auc_score, average_precision_score])
def test_the_bootstrap_of_a_ranking_metric_is_the_metric_on_the_resampled_rows(metric):
    # ROC and PR AUC are computed from each resample's weights over scores sorted once (fast
    # on a county's household-months); the interval must be that of resampling the rows.
    rng = np.random.default_rng(2)
    y = (rng.random(300) < 0.1).astype(int)
    p = np.round(rng.random(300) * (1 + y), 1)  # ties, as lists of rounded scores have
    draws = np.random.default_rng(5)
    values = []
    for _ in range(50):
        at = draws.integers(0, 300, 300)
        if len(np.unique(y[at])) == 2:
            values.append(metric(y[at], p[at]))
    expected = tuple(np.percentile(values, [2.5, 97.5]))
    assert bootstrap_interval(y, p, metric, resamples=50, seed=5) == pytest.approx(expected)


def test_the_budget_is_a_count_a_share_or_the_observed_positives():
    y = np.array([1, 0, 1, 1, 0, 0, 0, 0, 0, 0])
    assert budget_size(y, None) == 3
    assert budget_size(y, {"share": 0.5, "count": None}) == 5
    assert budget_size(y, {"share": None, "count": 4}) == 4
    assert budget_size(y, {"count": 40}) == 10  # never more than the households
