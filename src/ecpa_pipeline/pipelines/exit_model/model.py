"""The exit model's parts: a feature encoder fixed on training data, a LightGBM booster and
an isotonic calibrator. Each is a small picklable object so that the inference pipeline
logged to MLflow carries exactly what training produced."""

from __future__ import annotations

from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import pandas as pd
from scipy.special import expit, logit
from sklearn.isotonic import IsotonicRegression


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


def train_booster(
    encoder: FeatureEncoder,
    train: pd.DataFrame,
    y_train: np.ndarray,
    valid: pd.DataFrame,
    y_valid: np.ndarray,
    options: dict,
    seed: int,
) -> tuple[lgb.Booster, dict[str, list[float]]]:
    """LightGBM with early stopping on the validation log loss; deterministic given ``seed``."""
    x_train, x_valid = encoder.transform(train), encoder.transform(valid)
    params = {
        k: v for k, v in options.items() if k not in ("num_boost_round", "early_stopping_rounds")
    }
    params |= {
        "objective": "binary",
        "metric": "binary_logloss",
        "seed": seed,
        "deterministic": True,
        "force_row_wise": True,
        "num_threads": 1,
        "verbose": -1,
    }
    categorical = [c for c in x_train.columns if isinstance(x_train[c].dtype, pd.CategoricalDtype)]
    train_set = lgb.Dataset(
        x_train,
        y_train,
        init_score=encoder.base_margin(train),
        categorical_feature=categorical,
        free_raw_data=False,
    )
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


def fit_calibrator(raw_scores: np.ndarray, y: np.ndarray) -> IsotonicRegression:
    """Isotonic map from the booster's probability to the observed exit rate."""
    if len(np.unique(y)) < 2:
        raise ValueError("the validation transitions have a single outcome: calibration needs both")
    return IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw_scores, y)


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
    calibrator: IsotonicRegression,
    frame: pd.DataFrame,
) -> tuple[np.ndarray, np.ndarray]:
    """Raw booster probabilities and calibrated exit probabilities for ``frame``."""
    raw = raw_probability(encoder, booster, frame)
    return raw, calibrator.predict(raw)


def contributions(
    encoder: FeatureEncoder, booster: lgb.Booster, frame: pd.DataFrame
) -> pd.DataFrame:
    """Per-row feature contributions to the log-odds (LightGBM ``pred_contrib``)."""
    values = booster.predict(
        encoder.transform(frame), num_iteration=booster.best_iteration, pred_contrib=True
    )
    return pd.DataFrame(values[:, :-1], columns=encoder.features, index=frame.index)
