"""Nodes of ``measure_effects``: split the years, fit each measure's effect, the assessment
table, each household's expected gains on the held-out year, and the comparison with the
simulation's causal truth (evaluation only)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from ecpa_pipeline.audit import code_tags, input_tags

from . import allocate, model

logger = logging.getLogger(__name__)


def held_out_year(frame: pd.DataFrame, params: dict) -> int:
    """The year whose households the effects are checked on: ``held_out_year``, or with
    ``auto`` the last year of the input (its outcome is the latest record)."""
    chosen = params["held_out_year"]
    years = sorted(frame["year"].unique())
    year = int(years[-1]) if chosen == "auto" else int(chosen)
    if year not in years or year == years[0]:
        raise ValueError(
            f"measure_effects.held_out_year {chosen!r}: the input's years are {years}; the "
            "held-out year must be one of them after the first"
        )
    return year


def split_years(frame: pd.DataFrame, params: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows of the years before the held-out one (learning), and the held-out year's."""
    year = held_out_year(frame, params)
    return (
        frame[frame["year"] < year].reset_index(drop=True),
        frame[frame["year"] == year].reset_index(drop=True),
    )


def fit_effects(train: pd.DataFrame, params: dict) -> dict:
    """Every measure's fit (``model.fit_measure``), the placebo's too."""
    fits = {}
    for name in [*params["measures"], params["placebo"]]:
        fits[f"assist_{name}"] = model.fit_measure(train, f"assist_{name}", params)
        s = fits[f"assist_{name}"]["summary"]
        logger.info(
            "Measure %s: effect %.0f yuan [%.0f, %.0f] on %d rows (%d treated); naive %.0f",
            name,
            s["effect"],
            s["effect_low"],
            s["effect_high"],
            s["rows_with_overlap"],
            s["treated_with_overlap"],
            s["naive_difference"],
        )
    return fits


def assessment(fits: dict, params: dict) -> pd.DataFrame:
    """The assessment table (``model.assessment_table``)."""
    return model.assessment_table(fits, params)


def effect_model(fits: dict, params: dict) -> model.MeasureEffectModel:
    """The development measures' fits as one model (registered in MLflow as
    ``measure_effects``): what the held-out check scores and the officials' lists read."""
    return model.MeasureEffectModel(fits, params)


def training_tags(key: dict, table: pd.DataFrame) -> dict[str, str]:
    """Tags of the training run: the key's fingerprint (a list run compares it), the code
    version and the input's digest."""
    return dict(key) | code_tags() | input_tags(measure_effect_input=table)


def held_out_gains(effects, held_out: pd.DataFrame) -> pd.DataFrame:
    """Each held-out household-year's expected gain from each measure, with its interval, from
    the model as logged (``effects``: the pyfunc model, or the model itself)."""
    if hasattr(effects, "unwrap_python_model"):
        effects = effects.unwrap_python_model()
    return effects.gains(held_out)


def truth_effects_by_key(truth: pd.DataFrame | None, keys: pd.DataFrame) -> pd.DataFrame:
    """The simulation's true effect of each measure per household-year, under pseudonyms
    (long: household_key, year, measure, true_effect, and the household's market income of
    the next year without that year's measures); no rows without ``_truth/``."""
    columns = {
        "household_key": "str",
        "year": "int64",
        "measure": "str",
        "true_effect": "float64",
        "market_income_next_none": "float64",
    }
    if truth is None:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
    keyed = truth.merge(keys, on="household_code", how="inner")
    effects = [c for c in keyed.columns if c.startswith("effect_")]
    long = keyed.melt(
        id_vars=["household_key", "year", "market_income_next_none"],
        value_vars=effects,
        var_name="measure",
        value_name="true_effect",
    )
    long["measure"] = long["measure"].str.removeprefix("effect_")
    return long[list(columns)].astype(columns)


def compare_allocations(
    held_out: pd.DataFrame, gains: pd.DataFrame, truth: pd.DataFrame, params: dict
) -> tuple[pd.DataFrame, dict]:
    """On the held-out year, at the capacities officials used per village and measure: the
    true gain and the households lifted above the line by the rules (what officials did), a
    lottery, the effect model and an oracle (``allocate``). Empty without ``_truth/``."""
    if truth.empty:
        return pd.DataFrame(columns=["policy"]), {}
    choices = allocate.compare(held_out, gains, truth, params["measures"], int(params["seed"]))
    baseline = held_out[["household_key", "year", "household_size", "poverty_line_next"]].merge(
        truth[["household_key", "year", "market_income_next_none"]].drop_duplicates(
            ["household_key", "year"]
        ),
        on=["household_key", "year"],
        how="inner",
    )
    table, metrics = allocate.summarise(
        choices, baseline, params["allocation"]["bootstrap_draws"], int(params["seed"])
    )
    logger.info(
        "Allocation on %d: %s",
        held_out["year"].iloc[0],
        table[["policy", "true_gain_total", "households_lifted"]].to_dict("records"),
    )
    return table, metrics


def evaluate_against_truth(
    fits: dict, table: pd.DataFrame, gains: pd.DataFrame, truth: pd.DataFrame, params: dict
) -> tuple[pd.DataFrame, dict]:
    """The assessment table beside the truth: each measure's true average effect over the
    rows its estimate is for, whether the interval covers it; on the held-out year the rank
    correlation of estimated and true gains and the targeting gain (the true effect among
    the households ranked first by estimate, over the average, averaged over shares — the
    RATE's AUTOC computed with the true effects). The placebo's truth is 0 (it pays no
    market income). Empty (and no metrics) without ``_truth/``."""
    if truth.empty:
        return table.assign(true_effect=np.nan, covered=pd.NA, covered_allowing_hidden=pd.NA), {}
    rows = []
    for treatment, fit in fits.items():
        name = treatment.removeprefix("assist_")
        s = {"measure": name}
        if fit["model"] is not None:
            s["true_effect"] = _true_average(fit["rows"], truth, name, params)
            summary = fit["summary"]
            s["covered"] = bool(summary["effect_low"] <= s["true_effect"] <= summary["effect_high"])
            s["covered_allowing_hidden"] = bool(
                summary["effect_low_hidden"] <= s["true_effect"] <= summary["effect_high_hidden"]
            )
            held = gains[gains["measure"] == name].merge(
                _truth_of(truth, name, params), on=model.ROW, how="inner"
            )
            if len(held) > 2 and held["true_effect"].std() > 0 and held["gain"].std() > 0:
                s["rank_correlation"] = float(
                    spearmanr(held["gain"], held["true_effect"]).statistic
                )
                s["targeting_gain"] = autoc(held["gain"], held["true_effect"])
                s["targeting_gain_oracle"] = autoc(held["true_effect"], held["true_effect"])
        rows.append(s)
    evaluated = table.merge(pd.DataFrame(rows), on="measure", how="left")
    metrics = {}
    for r in evaluated.itertuples():
        for column in (
            "effect",
            "effect_low",
            "effect_high",
            "true_effect",
            "naive_difference",
            "robustness_value",
            "effect_low_hidden",
            "effect_high_hidden",
            "rank_correlation",
            "targeting_gain",
        ):
            value = getattr(r, column, np.nan)
            if pd.notna(value):
                metrics[f"{r.measure}.{column}"] = {"value": float(value), "step": 0}
    estimated = evaluated[evaluated["effect"].notna()]
    real = estimated[~estimated["placebo"]]
    metrics["coverage_share"] = {"value": float(real["covered"].mean()), "step": 0}
    metrics["coverage_share_allowing_hidden"] = {
        "value": float(real["covered_allowing_hidden"].mean()),
        "step": 0,
    }
    return evaluated, metrics


def _truth_of(truth: pd.DataFrame, name: str, params: dict) -> pd.DataFrame:
    if name == params["placebo"]:
        rows = truth[["household_key", "year"]].drop_duplicates()
        return rows.assign(true_effect=0.0)
    return truth.loc[truth["measure"] == name, ["household_key", "year", "true_effect"]]


def _true_average(rows: pd.DataFrame, truth: pd.DataFrame, name: str, params: dict) -> float:
    matched = rows.merge(_truth_of(truth, name, params), on=model.ROW, how="inner")
    return float(matched["true_effect"].mean())


def autoc(score: pd.Series, true_effect: pd.Series, shares: int = 20) -> float:
    """Mean over shares q = 1/20 … 1 of (the mean true effect among the share q ranked
    first by ``score``, minus the mean true effect of all): how much better than chance the
    ranking targets (yuan)."""
    order = np.argsort(-score.to_numpy(), kind="stable")
    effect = true_effect.to_numpy()[order]
    top = np.cumsum(effect) / np.arange(1, len(effect) + 1)
    cuts = np.maximum((np.arange(1, shares + 1) / shares * len(effect)).astype(int) - 1, 0)
    return float(np.mean(top[cuts] - effect.mean()))
