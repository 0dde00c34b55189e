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

import mlflow
import numpy as np
import pandas as pd
from econml.dml import CausalForestDML
from lightgbm import LGBMClassifier, LGBMRegressor
from scipy.stats import norm
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict

logger = logging.getLogger(__name__)

#: What an effect row is identified by.
ROW = ["household_key", "year"]


def encode(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Numeric matrix of ``columns``: categories one-hot, booleans as 0/1, gaps kept."""
    x = frame[columns]
    categorical = [
        c
        for c in columns
        if x[c].dtype == object or str(x[c].dtype) in ("str", "string", "category")
    ]
    return pd.get_dummies(x, columns=categorical, dtype=float).astype(float)


def design(frame: pd.DataFrame, columns: list[str], fill: pd.Series | None = None) -> pd.DataFrame:
    """``encode``d ``columns`` with gaps filled (the effect forest takes no missing values):
    by ``fill`` (the learning rows' medians, so that a household is scored the same alone or
    in a list), else by the column's own median; 0 where neither has a value."""
    x = encode(frame, columns)
    return x.fillna(x.median() if fill is None else fill).fillna(0.0)


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
        return {
            "model": None,
            "columns": [],
            "fill": None,
            "reach": None,
            "summary": summary | _no_estimate(),
        }
    controls = [
        *params["controls"],
        *(c for c in frame.columns if c.startswith("assist_") and c != treatment),
    ]
    fill = encode(rows, params["effect_modifiers"]).median()
    x = design(rows, params["effect_modifiers"], fill)
    w = design(rows.assign(year=rows["year"].astype(str)), controls)
    p = propensity(pd.concat([x, w], axis=1), t, params, seed)
    lo, hi = params["overlap"]["min_propensity"], params["overlap"]["max_propensity"]
    inside = (p >= lo) & (p <= hi)
    reach = fit_reach(rows, t, [*params["effect_modifiers"], *controls], params, seed)
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
    summary |= hidden_selection(model, pd.concat([x, w], axis=1), t, y, params, seed)
    return {
        "model": model,
        "columns": list(x.columns),
        "fill": fill,
        "reach": reach,
        "summary": summary,
        "rows": rows.loc[inside, ROW].reset_index(drop=True),
    }


def fit_reach(rows: pd.DataFrame, t: np.ndarray, sources: list[str], params: dict, seed) -> dict:
    """Who got the measure, from the modifiers and controls but not the year (a list's year is
    new to it): a household this gives a propensity outside ``overlap`` is one the records
    cannot answer for — its gain would be the forest's extrapolation."""
    sources = [c for c in sources if c != "year"]
    fill = encode(rows, sources).median()
    x = design(rows, sources, fill)
    classifier = LGBMClassifier(**params["nuisance"], random_state=seed, verbose=-1, n_jobs=1)
    return {
        "model": classifier.fit(x, t),
        "sources": sources,
        "columns": list(x.columns),
        "fill": fill,
    }


def within_reach(reach: dict, frame: pd.DataFrame, overlap: dict) -> np.ndarray:
    """Whether each row's propensity (``fit_reach``) lies inside the ``overlap`` bounds."""
    x = design(frame, reach["sources"], reach["fill"]).reindex(
        columns=reach["columns"], fill_value=0.0
    )
    p = reach["model"].predict_proba(x)[:, 1]
    return (p >= overlap["min_propensity"]) & (p <= overlap["max_propensity"])


def _benchmarked(columns, names: list[str]) -> list[str]:
    """The design columns made from ``names`` (the column itself, or its one-hot columns)."""
    return [c for c in columns if any(c == n or c.startswith(f"{n}_") for n in names)]


def _residual_share(model, xw: pd.DataFrame, target: np.ndarray, left_out: list, cv) -> float:
    """The share of ``target``'s cross-fitted residual variance that the ``left_out`` columns
    explain beyond the others (0 when they explain nothing)."""
    method = "predict_proba" if hasattr(model, "predict_proba") else "predict"

    def mse(columns):
        fitted = cross_val_predict(model, xw[columns], target, cv=cv, method=method)
        fitted = fitted[:, 1] if fitted.ndim == 2 else fitted
        return float(np.mean((target - fitted) ** 2))

    rest = [c for c in xw.columns if c not in set(left_out)]
    return float(min(max(1 - mse(list(xw.columns)) / mse(rest), 0.0), 0.99))


def hidden_selection(
    model: CausalForestDML, xw: pd.DataFrame, t: np.ndarray, y: np.ndarray, params: dict, seed
) -> dict:
    """How much hidden selection the estimate can bear (Chernozhukov, Cinelli, Newey, Sharma &
    Syrgkanis 2022, as econml computes it):

    - ``robustness_value``: the share of the residual variation of *both* who got the measure
      and next year's income that an unrecorded judgement would have to explain for the
      interval to reach 0;
    - the interval allowing a judgement as strong as benchmarks in the records
      (``sensitivity``): of who got the measure, what the recorded main cause explains beyond
      the other records (cadres follow it; their unrecorded judgement is taken as strong);
      of the income, what the household's past incomes explain (what capability shows as).
    """
    bench = params["sensitivity"]
    alpha = 1 - params["confidence"]
    nuisance = params["nuisance"]
    c_t = _residual_share(
        LGBMClassifier(**nuisance, random_state=seed, verbose=-1, n_jobs=1),
        xw,
        t,
        _benchmarked(xw.columns, bench["measure_benchmark"]),
        StratifiedKFold(params["cv"], shuffle=True, random_state=seed),
    )
    c_y = _residual_share(
        LGBMRegressor(**nuisance, random_state=seed, verbose=-1, n_jobs=1),
        xw,
        y,
        _benchmarked(xw.columns, bench["outcome_benchmark"]),
        KFold(params["cv"], shuffle=True, random_state=seed),
    )
    low, high = model.sensitivity_interval(alpha=alpha, c_y=c_y, c_t=c_t)
    return {
        "robustness_value": float(model.robustness_value(alpha=alpha)),
        "hidden_share_measure": c_t,
        "hidden_share_income": c_y,
        "effect_low_hidden": float(low),
        "effect_high_hidden": float(high),
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
        "robustness_value": np.nan,
        "hidden_share_measure": np.nan,
        "hidden_share_income": np.nan,
        "effect_low_hidden": np.nan,
        "effect_high_hidden": np.nan,
    }


def assessment_table(fits: dict, params: dict) -> pd.DataFrame:
    """The assessment table: per measure, the average effect on next year's market income
    (yuan per household) with its interval, the naive comparison, the rows and overlap."""
    table = pd.DataFrame([fit["summary"] for fit in fits.values()])
    table["placebo"] = table["measure"] == params["placebo"]
    return table


class MeasureEffectModel(mlflow.pyfunc.PythonModel):
    """The registered measure-effect model (``measure_effects``): household rows in (the
    effect modifiers), each development measure's expected gain in market income next year
    (yuan) with its interval out — ``gain_<measure>``, ``gain_low_<measure>``,
    ``gain_high_<measure>``; NaN for a measure the records could not estimate — and
    ``in_reach_<measure>``: False where the household is unlike anyone who got or did not get it
    (its gain is an extrapolation, ``fit_reach``). It carries its
    assessment table (``assessment``: every measure's and the placebo's average effect), so a
    list says what the very version it read found."""

    def __init__(self, fits: dict, params: dict):
        self.assessment = assessment_table(fits, params)
        self.measures = list(params["measures"])
        self.fits = {
            name: {k: fits[f"assist_{name}"][k] for k in ("model", "columns", "fill", "reach")}
            for name in self.measures
            if f"assist_{name}" in fits
        }
        self.modifiers = list(params["effect_modifiers"])
        reach = [f["reach"]["sources"] for f in self.fits.values() if f["reach"]]
        self.features = list(dict.fromkeys([*self.modifiers, *(c for r in reach for c in r)]))
        self.overlap = dict(params["overlap"])
        self.confidence = float(params["confidence"])

    def gains(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Long: one row per row of ``frame`` (its ``ROW`` columns) and estimated measure,
        with ``gain``, ``gain_low`` and ``gain_high``."""
        wide = self.predict(None, frame)
        parts = [
            frame[ROW].assign(
                measure=name,
                gain=wide[f"gain_{name}"].to_numpy(),
                gain_low=wide[f"gain_low_{name}"].to_numpy(),
                gain_high=wide[f"gain_high_{name}"].to_numpy(),
                in_reach=wide[f"in_reach_{name}"].to_numpy(),
            )
            for name in self.measures
            if self.fits.get(name, {}).get("model") is not None
        ]
        columns = [*ROW, "measure", "gain", "gain_low", "gain_high", "in_reach"]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        out = pd.DataFrame(index=model_input.index)
        for name in self.measures:
            fit = self.fits.get(name, {})
            gain = low = high = np.full(len(model_input), np.nan)
            reach = np.zeros(len(model_input), dtype=bool)
            if fit.get("model") is not None and len(model_input):
                shown = design(model_input, self.modifiers, fit["fill"]).reindex(
                    columns=fit["columns"], fill_value=0.0
                )
                reach = within_reach(fit["reach"], model_input, self.overlap)
                gain = np.ravel(fit["model"].effect(shown))
                low, high = (
                    np.ravel(b)
                    for b in fit["model"].effect_interval(shown, alpha=1 - self.confidence)
                )
            out[f"gain_{name}"] = gain
            out[f"gain_low_{name}"] = low
            out[f"gain_high_{name}"] = high
            out[f"in_reach_{name}"] = reach
        return out
