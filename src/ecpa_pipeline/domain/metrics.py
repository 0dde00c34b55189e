"""Binary-outcome metrics: one implementation, used by every model, baseline and slice.

Conventions (domain-facts.md): at a budget of k households selected (the k highest scores),
inclusion error = selected who did not exit / selected (1 − precision), exclusion error =
exiters not selected / all exiters (1 − recall). The wrongful-exit rate at an operating
threshold is households put forward for exit (score ≥ threshold) that did not exit / all
put forward — the model's analogue of 错退率.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

#: The metrics every report and MLflow run shows, in this order.
REPORTED = (
    "roc_auc",
    "pr_auc",
    "brier",
    "log_loss",
    "ece",
    "precision_at_k",
    "recall_at_k",
    "inclusion_error",
    "exclusion_error",
    "wrongful_exit_rate",
)


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Mean |observed − predicted| over equal-width probability bins, weighted by bin size.

    >>> round(expected_calibration_error(np.array([0, 1, 1, 0]), np.array([0.1, 0.9, 0.8, 0.3])), 3)
    0.175
    """
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in np.unique(which):
        in_bin = which == b
        total += in_bin.sum() * abs(y[in_bin].mean() - p[in_bin].mean())
    return float(total / len(y))


def ece_if_calibrated(p: np.ndarray, draws: int = 200, seed: int = 0) -> float:
    """The ECE a perfectly calibrated scorer with these scores would show on this many rows
    (outcomes drawn from the scores themselves, mean of ``draws``): the sampling floor an
    observed ECE is read against — on a few thousand households it is near 0.02.
    """
    p = np.asarray(p, dtype=float)
    rng = np.random.default_rng(seed)
    return float(
        np.mean([expected_calibration_error(rng.random(len(p)) < p, p) for _ in range(draws)])
    )


def budget_metrics(y: np.ndarray, p: np.ndarray, k: int) -> dict[str, float]:
    """Precision, recall, inclusion and exclusion errors when the k highest scores are selected."""
    order = np.argsort(-p, kind="stable")
    selected = np.zeros(len(y), dtype=bool)
    selected[order[:k]] = True
    true_pos = int((selected & (y == 1)).sum())
    positives = int((y == 1).sum())
    precision = true_pos / k if k else float("nan")
    recall = true_pos / positives if positives else float("nan")
    return {
        "precision_at_k": precision,
        "recall_at_k": recall,
        "inclusion_error": 1 - precision,
        "exclusion_error": 1 - recall,
        "k": float(k),
        "positives": float(positives),
    }


def binary_metrics(
    y: np.ndarray, p: np.ndarray, k: int | None = None, threshold: float = 0.5
) -> dict[str, float]:
    """ROC AUC, PR AUC, Brier, log loss, ECE, budget metrics at k (default: the observed
    number of exits) and the wrongful-exit rate at ``threshold``."""
    y = np.asarray(y, dtype=int)
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    both = len(np.unique(y)) == 2
    k = int(y.sum()) if k is None else k
    put_forward = p >= threshold
    return {
        "n": float(len(y)),
        "exit_rate": float(y.mean()),
        "mean_prediction": float(p.mean()),
        "roc_auc": float(roc_auc_score(y, p)) if both else float("nan"),
        "pr_auc": float(average_precision_score(y, p)) if both else float("nan"),
        "brier": float(brier_score_loss(y, p)),
        "log_loss": float(log_loss(y, p, labels=[0, 1])),
        "ece": expected_calibration_error(y, p),
        **budget_metrics(y, p, k),
        "put_forward": float(put_forward.sum()),
        "wrongful_exit_rate": float((put_forward & (y == 0)).sum() / put_forward.sum())
        if put_forward.any()
        else float("nan"),
    }


def bootstrap_interval(
    y: np.ndarray,
    p: np.ndarray,
    metric=roc_auc_score,
    resamples: int = 200,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """The percentile bootstrap interval of ``metric(y, p)`` over households resampled with
    replacement (resamples with a single outcome are skipped): how much the test set's
    figure could move with another draw of households."""
    y, p = np.asarray(y), np.asarray(p, dtype=float)
    rng = np.random.default_rng(seed)
    ranked = _RankedScores(y, p) if metric in _BY_WEIGHTS else None
    values = []
    for _ in range(resamples):  # a few hundred resamples, each vectorised
        at = rng.integers(0, len(y), len(y))
        if ranked is not None:
            value = ranked.metric(metric, np.bincount(at, minlength=len(y)))
            if not np.isnan(value):
                values.append(value)
        elif len(np.unique(y[at])) == 2:
            values.append(metric(y[at], p[at]))
    if not values:
        return float("nan"), float("nan")
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


class _RankedScores:
    """Scores sorted once, so that a resample's ROC or PR AUC is a weighted sum over the
    distinct scores (the weight of a row: how often the resample drew it) — the same value
    as the metric on the resampled rows, without sorting them again."""

    def __init__(self, y: np.ndarray, p: np.ndarray):
        # Distinct scores, highest first; each row's group.
        values, self.group = np.unique(-p, return_inverse=True)
        self.groups = len(values)
        self.positive = np.asarray(y) == 1

    def metric(self, metric, weights: np.ndarray) -> float:
        pos = np.bincount(self.group, weights * self.positive, self.groups)
        neg = np.bincount(self.group, weights * ~self.positive, self.groups)
        n_pos, n_neg = pos.sum(), neg.sum()
        if n_pos == 0 or n_neg == 0:
            return float("nan")
        if metric is roc_auc_score:  # pairs ranked right, ties counted half
            below = n_neg - np.cumsum(neg)
            return float((pos * (below + 0.5 * neg)).sum() / (n_pos * n_neg))
        hits, drawn = np.cumsum(pos), np.cumsum(pos + neg)
        precision = np.divide(hits, drawn, out=np.zeros_like(hits), where=drawn > 0)
        return float((pos * precision).sum() / n_pos)  # average precision


_BY_WEIGHTS = (roc_auc_score, average_precision_score)


def budget_size(y: np.ndarray, budget: dict | None) -> int:
    """How many households a list selects: ``budget.count``, else ``budget.share`` of the
    rows, else (default) the observed number of positives (exits)."""
    budget = budget or {}
    if budget.get("count") is not None:
        return min(int(budget["count"]), len(y))
    if budget.get("share") is not None:
        return round(float(budget["share"]) * len(y))
    return int(np.asarray(y).sum())
