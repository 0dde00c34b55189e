"""The exit model's parts: a feature encoder fixed on training data, a LightGBM booster and
a calibrator. Each is a small picklable object so that the inference pipeline
logged to MLflow carries exactly what training produced."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from scipy.special import expit, logit
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from ecpa_pipeline.domain.base_rate import intercept_for_mean


@dataclass
class FeatureEncoder:
    """Columns as the booster saw them in training: numbers as floats, categories with the
    training levels (an unseen level becomes missing, never a new code)."""

    features: list[str]
    categorical: list[str]
    levels: dict[str, list[str]] = field(default_factory=dict)
    offset: str | None = None

    @classmethod
    def fit(
        cls,
        frame: pd.DataFrame,
        features: list[str],
        categorical: list[str],
        offset: str | None = None,
    ) -> FeatureEncoder:
        levels = {c: sorted(frame[c].dropna().astype(str).unique().tolist()) for c in categorical}
        return cls(list(features), list(categorical), levels, offset)

    def columns(self) -> list[str]:
        """Every column the model reads: the features and the offset, if any."""
        return [*self.features, *([self.offset] if self.offset else [])]

    def base_margin(self, frame: pd.DataFrame) -> np.ndarray:
        """Log-odds of the known base rate (e.g. next year's planned exit share), which the
        booster learns deviations from; zeros without an offset column."""
        if not self.offset:
            return np.zeros(len(frame))
        rate = pd.to_numeric(frame[self.offset], errors="coerce").to_numpy(float)
        if np.isnan(rate).any():
            raise ValueError(f"offset column {self.offset!r} has missing values")
        return logit(np.clip(rate, 1e-3, 1 - 1e-3))

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        missing = [c for c in self.features if c not in frame]
        if missing:
            raise KeyError(f"model input lacks feature column(s): {missing}")
        columns = {}
        for c in self.features:
            if c in self.categorical:
                values = frame[c].astype("str").where(frame[c].notna())
                known = values.where(values.isin(self.levels[c]))
                columns[c] = pd.Categorical(known, categories=self.levels[c])
            else:
                columns[c] = pd.to_numeric(frame[c], errors="coerce").astype(float)
        return pd.DataFrame(columns, index=frame.index)


def _booster_params(options: dict, seed: int) -> dict:
    params = {
        k: v for k, v in options.items() if k not in ("num_boost_round", "early_stopping_rounds")
    }
    return params | {
        "objective": "binary",
        "metric": "binary_logloss",
        "seed": seed,
        "deterministic": True,
        "force_row_wise": True,
        "num_threads": 1,
        "verbose": -1,
    }


def _training_set(
    encoder: FeatureEncoder, frame: pd.DataFrame, y: np.ndarray, weight: np.ndarray | None
) -> lgb.Dataset:
    x = encoder.transform(frame)
    categorical = [c for c in x.columns if isinstance(x[c].dtype, pd.CategoricalDtype)]
    return lgb.Dataset(
        x,
        y,
        weight=weight,
        init_score=encoder.base_margin(frame),
        categorical_feature=categorical,
        free_raw_data=False,
    )


def refit_booster(
    encoder: FeatureEncoder,
    frame: pd.DataFrame,
    y: np.ndarray,
    weight: np.ndarray | None,
    options: dict,
    seed: int,
    rounds: int,
) -> lgb.Booster:
    """LightGBM on ``frame`` for a fixed number of rounds (the early-stopped size)."""
    return lgb.train(
        _booster_params(options, seed),
        _training_set(encoder, frame, y, weight),
        num_boost_round=max(int(rounds), 1),
    )


def train_booster(
    encoder: FeatureEncoder,
    train: pd.DataFrame,
    y_train: np.ndarray,
    valid: pd.DataFrame,
    y_valid: np.ndarray,
    options: dict,
    seed: int,
    weight: np.ndarray | None = None,
) -> tuple[lgb.Booster, dict[str, list[float]]]:
    """LightGBM with early stopping on the validation log loss; deterministic given ``seed``."""
    x_valid = encoder.transform(valid)
    params = _booster_params(options, seed)
    train_set = _training_set(encoder, train, y_train, weight)
    categorical = [c for c in x_valid.columns if isinstance(x_valid[c].dtype, pd.CategoricalDtype)]
    valid_set = lgb.Dataset(
        x_valid,
        y_valid,
        init_score=encoder.base_margin(valid),
        reference=train_set,
        categorical_feature=categorical,
    )
    history: dict = {}
    booster = lgb.train(
        params,
        train_set,
        num_boost_round=options["num_boost_round"],
        valid_sets=[train_set, valid_set],
        valid_names=["train", "validation"],
        callbacks=[
            lgb.early_stopping(options["early_stopping_rounds"], verbose=False),
            lgb.record_evaluation(history),
        ],
    )
    return booster, {name: values["binary_logloss"] for name, values in history.items()}


#: Weight of the raw score in a calibrated probability: breaks the ties of isotonic steps in
#: the raw score's order (calibration then never costs ranking), too small to move a band.
TIE_BREAK = 1e-4


@dataclass
class Calibrator:
    """A map from the booster's probability to the observed rate: ``isotonic`` (steps, ties
    broken by the raw score), ``sigmoid`` (Platt: a logistic curve on the raw log-odds) or
    ``none``."""

    method: str
    model: Any = None

    @classmethod
    def fit(cls, method: str, raw_scores: np.ndarray, y: np.ndarray) -> Calibrator:
        if len(np.unique(y)) < 2:
            raise ValueError(
                "the validation transitions have a single outcome: calibration needs both"
            )
        if method == "isotonic":
            model = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
            return cls(method, model.fit(raw_scores, y))
        if method == "sigmoid":
            model = LogisticRegression(C=1e6).fit(_log_odds(raw_scores), y)
            return cls(method, model)
        if method == "none":
            return cls(method)
        raise ValueError(f"unknown calibration {method!r} (isotonic, sigmoid, none or auto)")

    def predict(self, raw_scores: np.ndarray) -> np.ndarray:
        raw_scores = np.asarray(raw_scores, dtype=float)
        if self.method == "isotonic":
            return (1 - TIE_BREAK) * self.model.predict(raw_scores) + TIE_BREAK * raw_scores
        if self.method == "sigmoid":
            return self.model.predict_proba(_log_odds(raw_scores))[:, 1]
        return raw_scores


def _log_odds(p: np.ndarray) -> np.ndarray:
    return logit(np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)).reshape(-1, 1)


def choose_calibration(raw_scores: np.ndarray, y: np.ndarray, methods: list[str]) -> str:
    """The method with the lowest Brier score when cross-fitted on two halves of the
    validation rows (fit on one half, scored on the other, and back): a calibrator judged on
    the rows it was fitted to would always look best as isotonic steps."""
    half = np.arange(len(y)) % 2 == 0
    scores = {}
    for method in methods:
        errors = []
        for fit_on in (half, ~half):
            fitted = Calibrator.fit(method, raw_scores[fit_on], y[fit_on])
            errors.append(((fitted.predict(raw_scores[~fit_on]) - y[~fit_on]) ** 2).sum())
        scores[method] = sum(errors) / len(y)
    return min(scores, key=scores.get)


def fit_calibrator(raw_scores: np.ndarray, y: np.ndarray, method: str = "isotonic") -> Calibrator:
    """The calibration map of ``method`` (``auto``: chosen by ``choose_calibration``)."""
    if method == "auto":
        method = choose_calibration(raw_scores, y, ["isotonic", "sigmoid", "none"])
    return Calibrator.fit(method, raw_scores, y)


def raw_probability(
    encoder: FeatureEncoder, booster: lgb.Booster, frame: pd.DataFrame
) -> np.ndarray:
    """The booster's probability, its learned log-odds added to the offset's."""
    margin = booster.predict(
        encoder.transform(frame), num_iteration=booster.best_iteration, raw_score=True
    )
    return expit(margin + encoder.base_margin(frame))


def predict(
    encoder: FeatureEncoder,
    booster: lgb.Booster,
    calibrator: Calibrator,
    frame: pd.DataFrame,
) -> tuple[np.ndarray, np.ndarray]:
    """Raw booster probabilities and calibrated exit probabilities for ``frame``."""
    raw = raw_probability(encoder, booster, frame)
    return raw, calibrator.predict(raw)


def anchor_to_plan(probabilities: np.ndarray, shares: pd.Series) -> np.ndarray:
    """Each cohort's probabilities (the rows sharing a planned share) shifted by one log-odds
    intercept so that they sum to the plan: the plan fixes how many exit, the model who is
    most likely to (the order within a cohort is kept). Order-free: the solve runs on the
    sorted log-odds, so the same households in another row order get identical scores."""
    log_odds = logit(np.clip(np.asarray(probabilities, dtype=float), 1e-9, 1 - 1e-9))
    shares = pd.to_numeric(shares, errors="coerce").to_numpy(float)
    anchored = np.asarray(probabilities, dtype=float).copy()
    for share in np.unique(shares[np.isfinite(shares)]):
        cohort = shares == share
        if 0 < share < 1:
            shift = intercept_for_mean(np.sort(log_odds[cohort]), float(share))
            anchored[cohort] = expit(log_odds[cohort] + shift)
    return anchored


def contributions(
    encoder: FeatureEncoder, booster: lgb.Booster, frame: pd.DataFrame
) -> pd.DataFrame:
    """Per-row feature contributions to the log-odds (LightGBM ``pred_contrib``)."""
    values = booster.predict(
        encoder.transform(frame), num_iteration=booster.best_iteration, pred_contrib=True
    )
    return pd.DataFrame(values[:, :-1], columns=encoder.features, index=frame.index)
