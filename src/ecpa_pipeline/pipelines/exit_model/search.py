"""A bounded search over LightGBM's settings: Optuna's TPE sampler, seeded, over the ranges in
``search.space``; each trial early-stopped on the validation rows and judged by its
validation log loss. ``search.trials: 0`` (the default on the county, where a search found
nothing the defaults miss) keeps ``lightgbm`` as configured."""

from __future__ import annotations

import logging

import optuna
import pandas as pd

from .model import FeatureEncoder, train_booster
from .nodes import recency_weights

logger = logging.getLogger(__name__)

#: The columns of the trials table (and of the empty one when nothing is searched).
TRIAL_COLUMNS = ["trial", "validation_logloss", "rounds", "chosen"]


def search_lightgbm(
    encoder: FeatureEncoder, train: pd.DataFrame, validation: pd.DataFrame, params: dict
) -> tuple[dict, pd.DataFrame]:
    """LightGBM's settings for training: ``lightgbm`` with, when ``search.trials`` > 0, the
    searched settings replaced by the best trial's.

    Raises:
        ValueError: a range in ``search.space`` that is not ``{low, high}`` of numbers with
            low < high, or names no LightGBM setting of ``lightgbm``.

    Returns:
        the settings, and one row per trial (its settings, validation log loss, early-stopped
        rounds, ``chosen``) for the run's artifacts.
    """
    configured = dict(params["lightgbm"])
    search = params.get("search") or {}
    trials = int(search.get("trials") or 0)
    if trials <= 0:
        return configured, pd.DataFrame(columns=TRIAL_COLUMNS)
    space = _checked_space(search.get("space") or {}, configured)
    label = params["label"]
    y_train, y_valid = train[label].to_numpy(int), validation[label].to_numpy(int)
    weight = recency_weights(train, params)

    def objective(trial: optuna.Trial) -> float:
        settings = configured | {name: _suggest(trial, name, r) for name, r in space.items()}
        booster, history = train_booster(
            encoder, train, y_train, validation, y_valid, settings, params["seed"], weight
        )
        trial.set_user_attr("rounds", booster.best_iteration)
        return float(history["validation"][booster.best_iteration - 1])

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="minimize", sampler=optuna.samplers.TPESampler(seed=params["seed"])
    )
    study.optimize(objective, n_trials=trials)
    best = study.best_trial
    table = pd.DataFrame(
        [
            {
                "trial": t.number,
                **t.params,
                "validation_logloss": t.value,
                "rounds": t.user_attrs["rounds"],
                "chosen": t.number == best.number,
            }
            for t in study.trials
        ]
    )
    logger.info(
        "LightGBM search: best of %d trials %s (validation log loss %.4f)",
        trials,
        best.params,
        best.value,
    )
    return configured | best.params, table


def _checked_space(space: dict, configured: dict) -> dict:
    for name, bounds in space.items():
        if name not in configured:
            raise ValueError(
                f"search.space.{name}: not a setting of lightgbm ({sorted(configured)}); "
                "give it a starting value there first"
            )
        low, high = (bounds or {}).get("low"), (bounds or {}).get("high")
        if not all(isinstance(v, int | float) for v in (low, high)) or not low < high:
            raise ValueError(f"search.space.{name}: needs numbers low < high, got {bounds!r}")
    return space


def _suggest(trial: optuna.Trial, name: str, bounds: dict):
    """An integer range when both bounds are integers, else a float range (``log``: on a
    log scale)."""
    low, high, log = bounds["low"], bounds["high"], bool(bounds.get("log", False))
    if isinstance(low, int) and isinstance(high, int):
        return trial.suggest_int(name, low, high, log=log)
    return trial.suggest_float(name, float(low), float(high), log=log)
