"""The one metric implementation, against hand-computed values."""

import numpy as np
import pytest

from ecpa_pipeline.domain.metrics import binary_metrics, budget_metrics, expected_calibration_error


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
