"""The monthly visit model: LightGBM on the household-month table, its probability
calibrated (Platt scaling on the validation year, which keeps the ranking), and the three
strongest reasons of each household from its SHAP contributions — an MLflow pyfunc."""

from __future__ import annotations

import logging

import lightgbm as lgb
import mlflow
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from ecpa_pipeline.errors import ProjectError

logger = logging.getLogger(__name__)

#: Reasons per household: the officials' design always shows three slots (#27).
REASONS = 3


def feature_names(params: dict) -> list[str]:
    return list(params["features"])


def split_years(table: pd.DataFrame, params: dict) -> tuple[pd.DataFrame, ...]:
    """Labelled household-months → train, validation, test by the year of their month
    (``split``: ``auto`` tests the last labelled year and validates on the one before).

    Raises:
        ProjectError: a part is empty (too few labelled years of clues and exports).
    """
    labelled = table[table["label"].notna()]
    years = labelled["month"] // 12
    known = sorted(years.unique().tolist())
    split = params["split"]
    test = known[-1] if split["test"] == "auto" else int(split["test"])
    valid = test - 1 if split["validation"] == "auto" else int(split["validation"])
    parts = (labelled[years < valid], labelled[years == valid], labelled[years == test])
    if min(len(p) for p in parts) == 0 or min(p["label"].sum() for p in parts) == 0:
        raise ProjectError(
            f"monitoring_visits.split: train before {valid}, validate {valid}, test {test} "
            f"leaves a part without rows or without an identification (labelled years "
            f"{known}): the model needs alerts and monitoring exports of at least three "
            "labelled years after the first"
        )
    logger.info(
        "Visit model split: train %d household-months, validation %d (%d), test %d (%d)",
        len(parts[0]),
        len(parts[1]),
        valid,
        len(parts[2]),
        test,
    )
    return tuple(p.reset_index(drop=True) for p in parts)


class VisitModel(mlflow.pyfunc.PythonModel):
    """Household-month rows in (the ``features`` columns), the calibrated probability of
    identification within the label window and the three strongest reasons (feature
    names, '' when fewer) out."""

    def __init__(self, booster: lgb.Booster, calibrator: LogisticRegression, params: dict):
        self.booster = booster
        self.calibrator = calibrator
        self.features = feature_names(params)
        self.params = params

    def margin(self, rows: pd.DataFrame) -> np.ndarray:
        return self.booster.predict(rows[self.features].astype(float), raw_score=True)

    def probability(self, rows: pd.DataFrame) -> np.ndarray:
        return self.calibrator.predict_proba(self.margin(rows).reshape(-1, 1))[:, 1]

    def reasons(self, rows: pd.DataFrame) -> np.ndarray:
        """The names of the features that raise each row's log-odds most (at least
        ``reasons.min_contribution``), strongest first."""
        contrib = self.booster.predict(rows[self.features].astype(float), pred_contrib=True)
        contrib = contrib[:, : len(self.features)]
        order = np.argsort(-contrib, axis=1, kind="stable")[:, :REASONS]
        strength = np.take_along_axis(contrib, order, axis=1)
        names = np.asarray(self.features, dtype=object)[order]
        return np.where(strength >= self.params["reasons"]["min_contribution"], names, "")

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        reasons = self.reasons(model_input)
        out = pd.DataFrame(
            {"visit_probability": self.probability(model_input)}, index=model_input.index
        )
        for i in range(REASONS):
            out[f"reason_{i + 1}"] = reasons[:, i]
        return out


def fit_visit_model(train: pd.DataFrame, valid: pd.DataFrame, params: dict) -> VisitModel:
    """LightGBM with early stopping on the validation year, then Platt scaling of its
    margin on the same year."""
    features = feature_names(params)
    data = lgb.Dataset(train[features].astype(float), train["label"], free_raw_data=False)
    check = lgb.Dataset(valid[features].astype(float), valid["label"], reference=data)
    booster = lgb.train(
        {**params["lightgbm"], "seed": params["seed"]},
        data,
        num_boost_round=params["num_boost_round"],
        valid_sets=[check],
        callbacks=[lgb.early_stopping(params["early_stopping_rounds"], verbose=False)],
    )
    model = VisitModel(booster, LogisticRegression(), params)
    model.calibrator.fit(model.margin(valid).reshape(-1, 1), valid["label"].astype(int))
    logger.info("Visit model: %d trees (early stopping)", booster.best_iteration)
    return model
