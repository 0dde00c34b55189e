"""Nodes of the ``exit_model`` pipeline. Data-agnostic: the id, label, time, feature,
categorical, group and audit-group columns all come from ``params:exit_model``, so the same
nodes serve another household survey by catalog and parameters alone."""

from __future__ import annotations

import logging
from fnmatch import fnmatch

import numpy as np
import pandas as pd

from ecpa_pipeline.domain.metrics import (
    REPORTED,
    binary_metrics,
    bootstrap_interval,
    budget_size,
    ece_if_calibrated,
)

from .baselines import baselines, oracle_scores
from .model import (
    Calibrator,
    FeatureEncoder,
    anchor_to_plan,
    contributions,
    fit_calibrator,
    predict,
    raw_probability,
    refit_booster,
    train_booster,
)
from .split import feature_names

logger = logging.getLogger(__name__)


def score_column(params: dict) -> str:
    """The name of the calibrated probability in the model's output (``score_column``)."""
    return params.get("score_column", "exit_probability")


def fit_encoder(train: pd.DataFrame, params: dict) -> FeatureEncoder:
    """Fix feature columns and category levels on the training rows."""
    return FeatureEncoder.fit(
        train,
        feature_names(params, train.columns),
        params["categorical"],
        params.get("offset_column"),
    )


def recency_weights(frame: pd.DataFrame, params: dict) -> np.ndarray | None:
    """Training weights ``base ** (t - latest t)``: the years nearest the scoring year count
    most (drift: the exit regime of 2019 is not that of 2014). None without a base."""
    base = params.get("training", {}).get("recent_year_weight")
    if not base or base == 1 or not params.get("time_column"):
        return None
    time = frame[params["time_column"]].astype(float)
    return (float(base) ** (time - time.max())).to_numpy()


def fit_booster(
    encoder: FeatureEncoder,
    train: pd.DataFrame,
    validation: pd.DataFrame,
    lightgbm: dict,
    params: dict,
):
    """LightGBM (``lightgbm``: its settings, configured or searched) with early stopping on
    the validation transitions; then, with
    ``training.refit_on_validation``, refitted on train + validation with the early-stopped
    number of rounds (the last labelled year is the closest to the one scored).

    Returns:
        the booster, its learning curve as MLflow metric history, and the early-stopped
        booster's probabilities on the validation rows (what calibration is fitted to: the
        validation rows are not held out from a refitted booster).
    """
    label = params["label"]
    params = params | {"lightgbm": lightgbm}
    booster, history = _early_stopped(encoder, train, validation, params)
    logger.info("LightGBM stopped at iteration %d", booster.best_iteration)
    curve = {
        f"learning_curve.{name}_logloss": [
            {"value": float(v), "step": i} for i, v in enumerate(values)
        ]
        for name, values in history.items()
    }
    validation_scores = raw_probability(encoder, booster, validation)
    if params.get("training", {}).get("refit_on_validation"):
        both = pd.concat([train, validation], ignore_index=True)
        booster = refit_booster(
            encoder,
            both,
            both[label].to_numpy(int),
            recency_weights(both, params),
            params["lightgbm"],
            params["seed"],
            booster.best_iteration,
        )
        logger.info("Refitted on train + validation with %d rounds", booster.num_trees())
    return booster, curve, validation_scores


def _early_stopped(encoder: FeatureEncoder, train, validation, params: dict):
    """LightGBM on ``train`` (recent years weighted), early-stopped on ``validation``."""
    label = params["label"]
    return train_booster(
        encoder,
        train,
        train[label].to_numpy(int),
        validation,
        validation[label].to_numpy(int),
        params["lightgbm"],
        params["seed"],
        weight=recency_weights(train, params),
    )


def fit_exit_calibrator(
    validation_scores: np.ndarray,
    train: pd.DataFrame,
    validation: pd.DataFrame,
    lightgbm: dict,
    params: dict,
):
    """Calibration on the held-out validation transitions: ``calibration`` names the map
    (isotonic, sigmoid, none) or ``auto`` chooses it — by a rolling origin where the split
    is by time and training spans two periods or more (what a calibrator fitted on one
    period does on the next: the regime drifts), else by cross-fitted Brier score."""
    method = params.get("calibration", "isotonic")
    if method == "auto":
        inner = params | {"lightgbm": lightgbm}
        method = rolling_origin_calibration(train, validation, inner) or "auto"
    calibrator = fit_calibrator(
        np.asarray(validation_scores, dtype=float),
        validation[params["label"]].to_numpy(int),
        method,
    )
    logger.info("Calibration: %s", calibrator.method)
    return calibrator


def plan_anchored(probabilities: np.ndarray, frame: pd.DataFrame, params: dict) -> np.ndarray:
    """With ``plan_anchor`` and an offset column, each cohort's probabilities summed to its
    planned share (``anchor_to_plan``); else unchanged."""
    offset = params.get("offset_column")
    if not (params.get("plan_anchor") and offset):
        return probabilities
    return anchor_to_plan(probabilities, frame[offset])


def rolling_origin_calibration(
    train: pd.DataFrame, validation: pd.DataFrame, params: dict
) -> str | None:
    """The calibration that generalises a period ahead: a booster trained on the training
    periods but the last, early-stopped on the last; each calibrator fitted on its scores of
    the last training period and judged by Brier score on the validation period. None
    where the split has no time order or training a single period."""
    time, label = params.get("time_column"), params["label"]
    if params["split"].get("kind", "time") != "time" or not time or train[time].nunique() < 2:
        return None
    last = train[time].max()
    inner_train, inner_valid = train[train[time] < last], train[train[time] == last]
    encoder = fit_encoder(inner_train, params)
    booster, _ = _early_stopped(encoder, inner_train, inner_valid, params)
    fitted_on = raw_probability(encoder, booster, inner_valid)
    judged_on = raw_probability(encoder, booster, validation)
    y_fit, y_judge = inner_valid[label].to_numpy(int), validation[label].to_numpy(int)

    def brier_ahead(method: str) -> float:
        judged = Calibrator.fit(method, fitted_on, y_fit).predict(judged_on)
        return float(np.mean((plan_anchored(judged, validation, params) - y_judge) ** 2))

    brier = {method: brier_ahead(method) for method in ("isotonic", "sigmoid", "none")}
    logger.info("Calibration by rolling origin (Brier a period ahead): %s",
                {m: round(b, 4) for m, b in brier.items()})  # fmt: skip
    return min(brier, key=brier.get)


def score_exit(
    encoder: FeatureEncoder, booster, calibrator, features: pd.DataFrame, params: dict
) -> pd.DataFrame:
    """Exit likelihood of each household and its three strongest reasons: the logged model's
    whole inference path, so that one model version produces every column of a list's row."""
    raw, calibrated = predict(encoder, booster, calibrator, features)
    calibrated = plan_anchored(calibrated, features, params)
    scores = pd.DataFrame(
        {
            params["id_column"]: features[params["id_column"]].to_numpy(),
            score_column(params): calibrated,
            "raw_score": raw,
        }
    )
    reasons = explain_exit(encoder, booster, features, params)
    return pd.concat([scores, reasons.drop(columns=params["id_column"])], axis=1)


def evaluate_exit_model(
    scores: pd.DataFrame,
    train: pd.DataFrame,
    validation: pd.DataFrame,
    test: pd.DataFrame,
    truth: pd.DataFrame,
    poverty_line: dict,
    params: dict,
) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """Model, baselines and (with ``_truth``, keyed by pseudonym in ``features``) the oracle on
    the same test transitions.

    Returns:
        MLflow metrics, the metrics table (one row per scorer, budget k and its denominators
        stated), and the test predictions of every scorer (for plots).
    """
    y = test[params["label"]].to_numpy(int)
    k = budget_size(y, params.get("budget"))
    threshold = params["operating_threshold"]
    predictions = {"model": scores[score_column(params)].to_numpy(float)}
    predictions |= baselines(train, validation, test, poverty_line, params)
    scored = {name: (y, p, k) for name, p in predictions.items()}
    oracle = oracle_scores(test, truth, params)
    known = np.isfinite(oracle) if oracle is not None else np.zeros(0, dtype=bool)
    if known.all() and len(known):
        predictions["oracle"] = oracle
        scored["oracle"] = (y, oracle, k)
    elif known.any():
        # The truth knows no risk for a few rows (an export's planted error made them look
        # unmonitored): the oracle is scored on the rest, its n says how many.
        logger.info("Oracle scored on %d of %d test rows", int(known.sum()), len(known))
        scored["oracle"] = (y[known], oracle[known], budget_size(y[known], params.get("budget")))
    rows = []
    for name, (yy, p, kk) in scored.items():
        low, high = bootstrap_interval(yy, p, seed=params["seed"])
        rows.append(
            {"scorer": name, **binary_metrics(yy, p, kk, threshold)}
            | {"roc_auc_low": low, "roc_auc_high": high}
            | {"ece_if_calibrated": ece_if_calibrated(p, seed=params["seed"])}
        )
    table = pd.DataFrame(rows)
    many = positive_words(params)["many"]
    table["budget_k_denominator"] = (
        f"k = {_budget_words(params.get('budget'), many)}; inclusion error / k; "
        f"exclusion error / all {many}; roc_auc_low/high: 95 % bootstrap interval "
        "(200 resamples); ece_if_calibrated: the ECE of outcomes drawn from the scores "
        "themselves (200 draws), the sampling floor"
    )
    metrics = {
        f"test.{r['scorer']}.{m}": {"value": float(r[m]), "step": 0}
        for r in rows
        for m in REPORTED
        if np.isfinite(r[m])
    }
    logger.info(
        "Test metrics:\n%s",
        table[["scorer", "roc_auc", "pr_auc", "brier", "ece", "exclusion_error"]]
        .round(3)
        .to_string(index=False),
    )
    curves = pd.DataFrame({"label": y, **predictions})
    return metrics, table, curves


def positive_words(params: dict) -> dict:
    """How reports name the positive class (``positive_class``: ``one``, ``many``; default
    exit, exits): a survey's model predicts "poor", not "exit"."""
    return {"one": "exit", "many": "exits"} | (params.get("positive_class") or {})


def _budget_words(budget: dict | None, many: str) -> str:
    budget = budget or {}
    if budget.get("count") is not None:
        return f"{budget['count']} households (budget.count)"
    if budget.get("share") is not None:
        return f"{budget['share']:.0%} of the test households (budget.share)"
    return f"observed {many} in the test period"


def fairness_table(scores: pd.DataFrame, test: pd.DataFrame, params: dict) -> pd.DataFrame:
    """The test metrics and calibration within each audit group (e.g. minority head, female
    head, disability, region, remoteness). The budget is the overall one (``budget``): the
    same k households the overall metrics select (ties in stable order), counted per group,
    so that group errors add up to the overall ones."""
    y = test[params["label"]].to_numpy(int)
    p = scores[score_column(params)].to_numpy(float)
    selected = np.zeros(len(p), dtype=bool)
    selected[np.argsort(-p, kind="stable")[: budget_size(y, params.get("budget"))]] = True
    rows = []
    for column in params["audit_groups"]:
        for value, idx in test.groupby(column).indices.items():
            yy, pp = y[idx], p[idx]
            m = binary_metrics(yy, pp, int(selected[idx].sum()), params["operating_threshold"])
            rows.append(
                {
                    "group": column,
                    "value": str(value),
                    **m,
                    "calibration_gap": m["mean_prediction"] - m["exit_rate"],
                }
            )
    return pd.DataFrame(rows)


def reason_groups(features: list[str], params: dict) -> tuple[list[str], np.ndarray, dict]:
    """How a model's features become officials' reasons (``reasons`` in its parameters):
    features that say the same thing form one reason (income per person and income against
    the line are one "income"), ``context`` features (the year, the county: the plan, not the
    household) are never a reason, any other feature is a reason of its own.

    Returns:
        the reason codes, the membership matrix (features × reasons, 0/1) and each reason's
        ``{zh, en}`` name.
    """
    settings = params.get("reasons") or {}
    context = [f for f in features if any(fnmatch(f, p) for p in settings.get("context", []))]
    names = params["features"] if isinstance(params["features"], dict) else {}
    group_of, labels = {}, {}
    for code, group in (settings.get("groups") or {}).items():
        for feature in features:
            if feature not in group_of and any(fnmatch(feature, p) for p in group["features"]):
                group_of[feature] = code
        labels[code] = {language: group[language] for language in ("zh", "en")}
    for feature in features:
        if feature not in context and feature not in group_of:
            group_of[feature] = feature
            named = names.get(feature) or {}
            labels[feature] = {lang: named.get(lang, feature) for lang in ("zh", "en")}
    codes = list(dict.fromkeys(group_of[f] for f in features if f in group_of))
    membership = np.zeros((len(features), len(codes)))
    for i, feature in enumerate(features):
        if feature in group_of:
            membership[i, codes.index(group_of[feature])] = 1.0
    return codes, membership, labels


def explain_exit(
    encoder: FeatureEncoder, booster, features: pd.DataFrame, params: dict
) -> pd.DataFrame:
    """Each household's three strongest reasons: the reason (code and readable words), the
    household's value of its first feature (as text) and its signed contribution to the
    log-odds (positive: towards the label) — the sum of its features' SHAP contributions. A
    reason that moves the log-odds by less than ``reasons.min_contribution`` is left empty."""
    contrib = contributions(encoder, booster, features)
    codes, membership, labels = reason_groups(list(contrib.columns), params)
    grouped = contrib.to_numpy() @ membership
    # Fewer than three reasons (a small survey): the missing ones are empty, never absent.
    pad = max(0, 3 - len(codes))
    grouped = np.hstack([grouped, np.zeros((len(grouped), pad))])
    order = np.argsort(-np.abs(grouped), axis=1, kind="stable")[:, :3]
    lead = [int(np.flatnonzero(membership[:, j])[0]) for j in range(len(codes))] + [0] * pad
    minimum = float((params.get("reasons") or {}).get("min_contribution", 0.0))
    codes_ = np.array([*codes, *[""] * pad], dtype=object)
    values = features[encoder.features]
    rows = np.arange(len(contrib))
    out = pd.DataFrame({params["id_column"]: features[params["id_column"]].to_numpy()})
    for i in range(3):
        value = grouped[rows, order[:, i]]
        shown = (np.abs(value) >= minimum) & (order[:, i] < len(codes))
        factor = np.where(shown, codes_[order[:, i]], "")
        out[f"factor_{i + 1}"] = factor
        text = _values_as_text(values, np.array(lead)[order[:, i]])
        out[f"factor_{i + 1}_value"] = np.where(shown, text, "")
        for language in ("zh", "en"):
            readable = {c: labels[c][language] for c in codes} | {"": ""}
            out[f"factor_{i + 1}_{language}"] = pd.Series(factor).map(readable).to_numpy()
        out[f"factor_{i + 1}_contribution"] = np.where(shown, value, 0.0).round(4)
    return out


def _values_as_text(frame: pd.DataFrame, chosen: np.ndarray) -> np.ndarray:
    """The value of column ``chosen[r]`` in each row ``r``, as a short text (numbers to three
    decimals, missing as ''); formatted per column, only where chosen."""
    text = np.full(len(frame), "", dtype=object)
    for position in np.unique(chosen):
        at = chosen == position
        cell = frame.iloc[at, position]
        number = pd.to_numeric(cell, errors="coerce")
        shown = number.round(3).astype("str").str.removesuffix(".0")
        shown = shown.where(number.notna(), cell.astype("str")).where(cell.notna(), "")
        text[at] = shown.to_numpy(dtype=object)
    return text


def feature_importance(encoder: FeatureEncoder, booster) -> pd.DataFrame:
    """Total gain of each feature."""
    gain = booster.feature_importance(importance_type="gain", iteration=booster.best_iteration)
    return (
        pd.DataFrame({"feature": encoder.features, "gain": gain})
        .sort_values("gain", ascending=False)
        .reset_index(drop=True)
    )
