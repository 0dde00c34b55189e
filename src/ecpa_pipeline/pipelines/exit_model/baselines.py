"""What the exit model (and any model run with its nodes) is compared with on the same test
rows: a base hazard by group, the official rule, a logistic proxy-means test, and — with a
simulation's truth — the true probabilities."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler


def baselines(
    train: pd.DataFrame,
    validation: pd.DataFrame,
    test: pd.DataFrame,
    poverty_line: dict,
    params: dict,
) -> dict[str, np.ndarray]:
    """Scores of the baselines on the test rows, each fitted on earlier transitions only."""
    label = params["label"]
    base = params["baselines"]
    scores = {}
    group = base.get("hazard_group")
    if group:
        # Base hazard: the most recent observed exit rate of the household's group.
        rates = validation.groupby(group)[label].mean()
        scores["base_hazard"] = (
            test[group].map(rates).fillna(validation[label].mean()).to_numpy(float)
        )
    rule = base.get("official_rule")
    if rule:
        # The official rule as a flag, scored with the flag's observed rate in validation.
        meets, valid_meets = (
            official_rule(rows, poverty_line, rule, params) for rows in (test, validation)
        )
        rate = validation.groupby(valid_meets.to_numpy())[label].mean()
        scores["official_rule"] = meets.map(lambda m: rate.get(m, float(m))).to_numpy(float)
    pmt = base.get("pmt_features")
    if pmt:
        # Proxy-means test: a logistic regression on a few asset and composition proxies.
        fill = train[pmt].median()
        scaler = StandardScaler().fit(train[pmt].fillna(fill))
        model = LogisticRegression(max_iter=2000).fit(
            scaler.transform(train[pmt].fillna(fill)), train[label].astype(int)
        )
        scores["pmt_logit"] = model.predict_proba(scaler.transform(test[pmt].fillna(fill)))[:, 1]
    return scores


def official_rule(rows: pd.DataFrame, lines: dict, rule: dict, params: dict) -> pd.Series:
    """Whether each row meets the official rule. ``kind: exit`` (default): income at t at or
    above next year's line and the guarantees met. ``kind: at_risk``: income at t below
    ``line_multiple`` × the year's line, or any of ``shock_columns`` (a recent shock)."""
    by_year = {int(k): float(v) for k, v in lines.items()}
    time = rows[params["time_column"]]
    income = rows[rule["income_column"]]
    if rule.get("kind", "exit") == "at_risk":
        flagged = income < rule["line_multiple"] * time.map(by_year)
        for column in rule.get("shock_columns", []):
            flagged |= rows[column].fillna(0).astype(float) > 0
        return flagged
    return (income >= (time + 1).map(by_year)) & (rows[rule["guarantees_column"]] == 1)


def oracle_scores(test: pd.DataFrame, truth: pd.DataFrame, params: dict) -> np.ndarray | None:
    """The simulation's true exit probabilities for the test transitions (None with real
    data: ``truth`` has no rows, or is missing)."""
    if truth is None or truth.empty or not params.get("time_column"):
        return None
    lookup = truth.set_index(["household_key", "year"])[params.get("oracle_column", "exit_prob")]
    index = pd.MultiIndex.from_arrays(
        [test[params["id_column"]].to_numpy(), test[params["time_column"]].to_numpy()]
    )
    return lookup.reindex(index).to_numpy(float)
