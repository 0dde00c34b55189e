"""Who gets a development measure under a village's capacity, and how allocations compare.

The allocation is greedy per village and measure: the ``capacity`` households with the
largest score (expected gain) get the measure, ties by pseudonym. Measures are allocated
independently — a household may get several, as on the records — and entitlements are not
allocated here at all (they follow their rules).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecpa_pipeline.domain.allocation import allocate

from .model import programme_running

#: The allocations compared on the held-out year, at the capacities officials used.
POLICIES = ("rules", "random", "effects", "oracle")


def compare(
    held_out: pd.DataFrame,
    gains: pd.DataFrame,
    truth: pd.DataFrame,
    measures: list[str],
    seed: int,
) -> pd.DataFrame:
    """Each policy's choice per held-out row and measure, with the true effect beside it:
    ``rules`` is what officials did (the records), ``random`` a seeded lottery, ``effects``
    the estimated gain, ``oracle`` the true effect. Rows: the held-out household-years where
    the measure's programme ran; capacity per village: the number officials gave."""
    rng = np.random.default_rng(seed)
    parts = []
    for name in measures:
        column = f"assist_{name}"
        rows = held_out[programme_running(held_out, column)]
        rows = rows[["household_key", "year", "village_code", column]].merge(
            gains.loc[gains["measure"] == name, ["household_key", "year", "gain"]],
            on=["household_key", "year"],
            how="left",
        )
        rows = rows.merge(
            truth.loc[truth["measure"] == name, ["household_key", "year", "true_effect"]],
            on=["household_key", "year"],
            how="inner",
        )
        if rows.empty:
            continue
        capacity = rows.groupby("village_code")[column].sum()
        scores = {
            "rules": rows[column].astype(float),
            "random": pd.Series(rng.random(len(rows)), index=rows.index),
            "effects": rows["gain"].fillna(-np.inf),
            "oracle": rows["true_effect"],
        }
        chosen = {
            policy: allocate(rows["village_code"], scores[policy], capacity, rows["household_key"])
            for policy in POLICIES
        }
        parts.append(
            rows[["household_key", "year", "village_code", "true_effect"]].assign(
                measure=name, **chosen
            )
        )
    return pd.concat(parts, ignore_index=True)


def summarise(
    choices: pd.DataFrame,
    baseline: pd.DataFrame,
    draws: int,
    seed: int,
) -> tuple[pd.DataFrame, dict]:
    """Per policy: the true total gain of market income, the households whose own market
    income crosses next year's line because of it (``baseline``: household_key, year,
    market_income_next_none, household_size, poverty_line_next), and the share of the oracle's
    gain over the rules that the effect model captures, with a bootstrap interval over
    villages."""
    rows = []
    per_household = {}
    for policy in POLICIES:
        gain = choices["true_effect"].where(choices[policy], 0.0)
        per_household[policy] = gain.groupby([choices["household_key"], choices["year"]]).sum()
    lifted = {}
    base = baseline.set_index(["household_key", "year"])
    for policy, gain in per_household.items():
        b = base.reindex(gain.index)
        before = b["market_income_next_none"] / b["household_size"].clip(lower=1)
        after = (b["market_income_next_none"] + gain) / b["household_size"].clip(lower=1)
        lifted[policy] = int(
            ((before < b["poverty_line_next"]) & (after >= b["poverty_line_next"])).sum()
        )
    for policy in POLICIES:
        rows.append(
            {
                "policy": policy,
                "households_given": int(choices[policy].sum()),
                "true_gain_total": float(choices["true_effect"].where(choices[policy], 0.0).sum()),
                "households_lifted": lifted[policy],
            }
        )
    table = pd.DataFrame(rows)
    share, low, high = _captured_share(choices, draws, seed)
    table["share_of_oracle_gain_over_rules"] = np.where(table["policy"] == "effects", share, np.nan)
    table["share_low"] = np.where(table["policy"] == "effects", low, np.nan)
    table["share_high"] = np.where(table["policy"] == "effects", high, np.nan)
    metrics = {
        f"allocation.{r.policy}.{k}": {"value": float(getattr(r, k)), "step": 0}
        for r in table.itertuples()
        for k in ("true_gain_total", "households_lifted")
    }
    metrics["allocation.effects.share_of_oracle_gain_over_rules"] = {"value": share, "step": 0}
    return table, metrics


def _captured_share(choices: pd.DataFrame, draws: int, seed: int) -> tuple[float, float, float]:
    """(effects − rules) / (oracle − rules) of the true gain, and its 95 % bootstrap interval
    resampling villages."""
    totals = (
        pd.DataFrame(
            {
                p: choices["true_effect"].where(choices[p], 0.0)
                for p in ("rules", "effects", "oracle")
            }
        )
        .groupby(choices["village_code"])
        .sum()
    )

    def share(t: pd.DataFrame) -> float:
        room = t["oracle"].sum() - t["rules"].sum()
        return float((t["effects"].sum() - t["rules"].sum()) / room) if room else np.nan

    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(totals), (draws, len(totals)))
    values = totals.to_numpy()
    boot = []
    for pick in picks:
        r, e, o = values[pick].sum(axis=0)
        boot.append((e - r) / (o - r) if o != r else np.nan)
    low, high = np.nanpercentile(boot, [2.5, 97.5])
    return share(totals), float(low), float(high)
