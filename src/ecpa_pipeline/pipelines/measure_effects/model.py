"""Each development measure's effect on next year's market income, learned from the records.

For every measure, an orthogonal (double machine learning) causal forest from econml
(``CausalForestDML``): LightGBM models of the outcome and of who gets the measure, fitted by
cross-fitting, and a generalised random forest of the effect over the effect modifiers. It
answers only where the data can:

- rows where the measure's programme ran in the township that year (someone there got it:
  elsewhere nobody could, and the records say nothing about the measure);
- rows whose cross-fitted propensity lies inside ``overlap`` (households officials always
  or never choose for it have no comparison).

What it assumes (the model card says it): given the recorded features, who got a measure is
as good as chance (no unrecorded judgement that also drives income); a measure acts on the
household's own income only (no spill-over to neighbours); its effect arrives the next year.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from econml.dml import CausalForestDML
from lightgbm import LGBMClassifier, LGBMRegressor
from scipy.stats import norm
from sklearn.model_selection import StratifiedKFold, cross_val_predict

logger = logging.getLogger(__name__)

#: What an effect row is identified by.
ROW = ["household_key", "year"]


def design(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Numeric matrix of ``columns``: categories one-hot, booleans as 0/1, gaps filled with
    the column's median (the effect forest takes no missing values)."""
    x = frame[columns]
    categorical = [
        c
        for c in columns
        if x[c].dtype == object or str(x[c].dtype) in ("str", "string", "category")
    ]
    x = pd.get_dummies(x, columns=categorical, dtype=float)
    x = x.astype(float)
    return x.fillna(x.median()).fillna(0.0)


def programme_running(frame: pd.DataFrame, treatment: str) -> pd.Series:
    """Whether anyone in the row's township got ``treatment`` that year."""
    return frame.groupby(["township", "year"])[treatment].transform("any")


def propensity(x: pd.DataFrame, t: np.ndarray, params: dict, seed: int) -> np.ndarray:
    """Cross-fitted probability of getting the measure (out-of-fold LightGBM)."""
    folds = StratifiedKFold(params["cv"], shuffle=True, random_state=seed)
    model = LGBMClassifier(**params["nuisance"], random_state=seed, verbose=-1, n_jobs=1)
    return cross_val_predict(model, x, t, cv=folds, method="predict_proba")[:, 1]


def fit_measure(frame: pd.DataFrame, treatment: str, params: dict) -> dict:
    """One measure's causal forest on the rows it can answer, and its diagnostics.

    Returns a dict: ``model`` (the fitted estimator, or None when too few treated or
    untreated rows remain), ``columns`` (the modifiers' design columns), ``summary`` (one row of
    the assessment table)."""
    seed = int(params["seed"])
    running = programme_running(frame, treatment)
    rows = frame[running]
    t = rows[treatment].to_numpy().astype(int)
    y = rows["market_income_next"].to_numpy()
    summary = {
        "measure": treatment.removeprefix("assist_"),
        "rows_supported": len(frame),
        "rows_programme_running": len(rows),
        "treated": int(t.sum()),
        "naive_difference": float(y[t == 1].mean() - y[t == 0].mean())
        if 0 < t.sum() < len(t)
        else np.nan,
    }
    minimum = params["min_treated"]
    if t.sum() < minimum or (1 - t).sum() < minimum:
        logger.warning(
            "Measure %s: %d treated and %d untreated rows where its programme ran (fewer than %d): "
            "no estimate",
            summary["measure"],
            t.sum(),
            (1 - t).sum(),
            minimum,
        )
        return {"model": None, "columns": [], "summary": summary | _no_estimate()}
    controls = [
        *params["controls"],
        *(c for c in frame.columns if c.startswith("assist_") and c != treatment),
    ]
    x = design(rows, params["effect_modifiers"])
    w = design(rows.assign(year=rows["year"].astype(str)), controls)
    p = propensity(pd.concat([x, w], axis=1), t, params, seed)
    lo, hi = params["overlap"]["min_propensity"], params["overlap"]["max_propensity"]
    inside = (p >= lo) & (p <= hi)
    x, w, t, y = x[inside], w[inside], t[inside], y[inside]
    model = CausalForestDML(
        model_y=LGBMRegressor(**params["nuisance"], random_state=seed, verbose=-1, n_jobs=1),
        model_t=LGBMClassifier(**params["nuisance"], random_state=seed, verbose=-1, n_jobs=1),
        discrete_treatment=True,
        cv=params["cv"],
        random_state=seed,
        n_jobs=1,
        **_forest(params["forest"], len(y)),
    )
    model.fit(y, t, X=x, W=w)
    # The forest's doubly robust average over its rows, with its standard error.
    effect, stderr = float(np.ravel(model.ate_)[0]), float(np.ravel(model.ate_stderr_)[0])
    z = norm.ppf(0.5 + params["confidence"] / 2)
    summary |= {
        "rows_with_overlap": int(inside.sum()),
        "share_with_overlap": float(inside.mean()),
        "treated_with_overlap": int(t.sum()),
        "effect": effect,
        "effect_low": effect - z * stderr,
        "effect_high": effect + z * stderr,
    }
    summary["significant"] = summary["effect_low"] > 0 or summary["effect_high"] < 0
    return {
        "model": model,
        "columns": list(x.columns),
        "summary": summary,
        "rows": rows.loc[inside, ROW].reset_index(drop=True),
    }


def _forest(forest: dict, rows: int) -> dict:
    """The forest's settings, its leaves at most a fiftieth of the rows (at least 10): a small
    county's forest still splits."""
    leaf = int(min(forest["min_samples_leaf"], max(rows // 50, 10)))
    return forest | {"min_samples_leaf": leaf}


def _no_estimate() -> dict:
    return {
        "rows_with_overlap": 0,
        "share_with_overlap": np.nan,
        "treated_with_overlap": 0,
        "effect": np.nan,
        "effect_low": np.nan,
        "effect_high": np.nan,
        "significant": False,
    }


def household_gains(fits: dict, frame: pd.DataFrame, params: dict) -> pd.DataFrame:
    """Each household-year's expected gain from each measure (yuan of market income next
    year) with its interval: one row per household-year and measure; no rows for a measure
    without an estimate."""
    parts = []
    alpha = 1 - params["confidence"]
    for treatment, fit in fits.items():
        if fit["model"] is None:
            continue
        x = design(frame, params["effect_modifiers"]).reindex(
            columns=fit["columns"], fill_value=0.0
        )
        gain = fit["model"].effect(x)
        low, high = fit["model"].effect_interval(x, alpha=alpha)
        parts.append(
            frame[ROW].assign(
                measure=treatment.removeprefix("assist_"),
                gain=np.ravel(gain),
                gain_low=np.ravel(low),
                gain_high=np.ravel(high),
            )
        )
    columns = [*ROW, "measure", "gain", "gain_low", "gain_high"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
