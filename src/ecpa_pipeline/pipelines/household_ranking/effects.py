"""措施到户 by effect: each listed household's expected gain from the development measures
(the registered ``measure_effects`` model), and — with ``allocation: effects`` — the
development measures given, under each village's capacity, to the households expected to
gain most.

The capacity of a village for a development measure is the number of its listed households
the rules give it: the effects change who gets a measure, never how many. Entitlements (medical,
education, disability, housing, water, the safety net) and the e-commerce routes keep their
rules. A measure goes only to an eligible household (``effects.eligible``) whose expected
gain is positive and within the records' reach (not an extrapolation of the effect model): a
capacity nobody is expected to gain from stays unused, and the run's log says so.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ecpa_pipeline.datasets.registered_model import RegisteredModel
from ecpa_pipeline.domain.allocation import allocate
from ecpa_pipeline.domain.rules import evaluate_rule
from ecpa_pipeline.errors import ProjectError
from ecpa_pipeline.officials import joined_names

logger = logging.getLogger(__name__)

ALLOCATIONS = ("rules", "effects")
RETRAIN = "kedro run --pipelines=measure_effects"


def code_flags(codes: pd.Series, names: list[str]) -> pd.DataFrame:
    """One boolean column per code of ``names``: whether a row's ``;``-joined ``codes`` hold it."""
    tokens = codes.fillna("").str.split(";").explode()
    hits = pd.crosstab(tokens.index, tokens).reindex(index=codes.index, columns=names, fill_value=0)
    return hits.fillna(0).astype(bool)


def expected_gains(
    measured: pd.DataFrame, rows: pd.DataFrame, model: RegisteredModel, year: int, key: dict
) -> pd.DataFrame:
    """Per listed household (``measured``'s index), every development measure's expected
    gain and interval (``gain_<m>``, ``gain_low_<m>``, ``gain_high_<m>``) and whether the
    records reach it (``in_reach_<m>``), from its measure-effect row of the list ``year``
    (NaN for a household without one: no income record that year).

    Raises:
        ProjectError: the model's pseudonyms come from another key, or the rows lack a
            column the model reads.
    """
    model.check_key(key, RETRAIN)
    effects = model.model.unwrap_python_model()
    mine = rows[rows["year"] == year]
    missing = [c for c in effects.features if c not in mine]
    if missing:
        raise ProjectError(
            f"model {model.name} version {model.version} reads {missing}, which "
            f"measure_effect_rows lacks: re-run features, or retrain it ({RETRAIN})"
        )
    gains = model.model.predict(mine.reset_index(drop=True))
    gains.index = mine["household_key"].to_numpy()
    return gains.reindex(measured["household_key"]).set_axis(measured.index)


def in_reach(gains: pd.DataFrame, measure: str) -> pd.Series:
    """Where the records can answer for the household's gain from ``measure`` (False where
    its gain would be an extrapolation, or there is none)."""
    column = gains.get(f"in_reach_{measure}", pd.Series(False, index=gains.index))
    return column.astype("boolean").fillna(False).astype(bool)


def allocate_by_effect(
    measured: pd.DataFrame, gains: pd.DataFrame, development: list[dict], eligible: pd.Series
) -> pd.DataFrame:
    """Per village and development measure, the rules' number of households goes to the
    eligible ones with the largest positive expected gain the records can answer for (ties by
    household key). Returns the development measures' flags (one column per rule code)."""
    rules = code_flags(measured["rule_measure_codes"], [d["rule"] for d in development])
    chosen = {}
    for d in development:
        capacity = rules[d["rule"]].groupby(measured["village_code"]).sum()
        gain, reach = gains[f"gain_{d['measure']}"], in_reach(gains, d["measure"])
        score = gain.where(eligible & reach & (gain > 0))
        picked = allocate(
            measured["village_code"], score.fillna(-np.inf), capacity, measured["household_key"]
        )
        chosen[d["rule"]] = pd.Series(picked, index=measured.index) & score.notna().to_numpy()
        unused = int(capacity.sum() - chosen[d["rule"]].sum())
        if unused:
            logger.info(
                "Allocation by effect: %d of %d %s place(s) unused (no other eligible household "
                "in their village expected to gain, within the records' reach)",
                unused,
                int(capacity.sum()),
                d["rule"],
            )
    return pd.DataFrame(chosen, index=measured.index)


def measures_with_gains(
    measured: pd.DataFrame,
    rows: pd.DataFrame,
    model: RegisteredModel | None,
    provenance: dict,
    key: dict,
    params: dict,
) -> tuple[pd.DataFrame, dict]:
    """The list with every development measure's expected gain from the registered effect
    model (none without one) and the measures chosen by ``allocation``
    (``choose_measures``); and the allocation's provenance: the effect model's version and
    training run, and what that version found (its assessment table, for the report).

    Raises:
        ProjectError: an unknown ``allocation``, or ``effects`` without a registered model.
    """
    allocation = params["allocation"]
    if allocation not in ALLOCATIONS:
        raise ProjectError(
            f"household_ranking.allocation is {allocation!r}: one of {', '.join(ALLOCATIONS)}"
        )
    columns = [
        f"{what}_{d['measure']}"
        for d in params["effects"]["development"]
        for what in ("gain", "gain_low", "gain_high", "in_reach")
    ]
    if model is None:
        if allocation == "effects":
            raise ProjectError(
                "household_ranking.allocation is 'effects' but no measure_effects model is "
                f"registered: train it first ({RETRAIN})"
            )
        logger.info("No measure_effects model registered: the lists show no expected gains")
        gains = pd.DataFrame(np.nan, index=measured.index, columns=columns)
    else:
        gains = expected_gains(measured, rows, model, int(provenance["year"]), key)
        gains = gains.reindex(columns=columns)
    return choose_measures(measured, gains, params), {
        "allocation": allocation,
        "effect_model_name": model.name if model else "",
        "effect_model_version": model.version if model else "",
        "effect_model_run_id": model.run_id if model else "",
        "assessment": model.model.unwrap_python_model().assessment if model else None,
    }


def choose_measures(measured: pd.DataFrame, gains: pd.DataFrame, params: dict) -> pd.DataFrame:
    """``measured`` with ``gains`` joined, the rules' measures kept in ``rule_measure_codes``
    and, with ``allocation: effects``, the development measures re-chosen
    (``allocate_by_effect``) — the others as the rules chose them, the work team's assessment
    where nothing is left; ``expected_gain`` (``_low`` / ``_high``: the sums of the given
    development measures' gains and bounds — wider than a joint interval)."""
    settings, development = params["effects"], params["effects"]["development"]
    out = measured.assign(rule_measure_codes=measured["measure_codes"]).join(gains)
    if params["allocation"] == "effects":
        codes = [*(r["code"] for r in params["measures"]), params["default_measure"]["code"]]
        flags = code_flags(measured["measure_codes"], codes)
        eligible = evaluate_rule(
            settings["eligible"], measured, "household_ranking.effects.eligible"
        ).astype(bool)
        flags.update(allocate_by_effect(out, gains, development, eligible))
        default = params["default_measure"]["code"]
        flags[default] = ~flags.drop(columns=default).any(axis=1)
        out["measure_codes"] = joined_names(flags, {c: c for c in codes})
    given = code_flags(out["measure_codes"], [d["rule"] for d in development])
    for bound in ("", "_low", "_high"):
        parts = pd.DataFrame(
            {d["rule"]: gains[f"gain{bound}_{d['measure']}"] for d in development}
        ).where(given)
        out[f"expected_gain{bound}"] = parts.sum(axis=1, min_count=1)
    return out
