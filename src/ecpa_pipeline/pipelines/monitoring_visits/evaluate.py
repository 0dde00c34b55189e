"""The visit model against the baselines on the held-out year, month by month, at the same
capacity: the yearly ``monitoring_risk`` list alone, the official rule (every clue, oldest
first), the combined model, and the truth (the households identified within the window) as
the ceiling."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

from ecpa_pipeline.domain.metrics import bootstrap_interval

from .model import VisitModel
from .months import KEY, yyyymm
from .plan import simulate_visits

SCORERS = ("yearly", "official_rule", "model", "model_probability_only", "truth")
#: The truth's shock months (1–12, 0 when none that year).
SHOCK_MONTHS = (
    "illness_month",
    "disability_month",
    "school_month",
    "disaster_month",
    "accident_month",
    "project_failure_month",
    "job_loss_month",
)


def scorer_scores(
    test: pd.DataFrame, model: VisitModel, shocks: pd.DataFrame, history: int
) -> dict[str, np.ndarray]:
    """Each scorer's score of every test household-month (higher: visit sooner). The truth
    knows which households will be identified within the window and visits them once their
    shock has happened (a visit before it finds nothing to verify)."""
    probability = model.probability(test)
    shock = shocks.drop_duplicates(KEY).set_index(KEY)["shock"]
    prior = 1 / (1 + np.exp(-test["prior_logit"].to_numpy(float)))
    clue_age = np.where(test["clues_12m"] > 0, 1 + test["months_since_clue"] / history, 0)
    return {
        "yearly": np.nan_to_num(prior, nan=-1.0),
        "official_rule": np.nan_to_num(clue_age.astype(float), nan=0.0),
        "model": probability,
        "model_probability_only": probability,
        "truth": (test["label"] * (test[KEY].map(shock) <= test["month"])).to_numpy(float)
        + probability * 1e-3,
    }


def shocks_of_identified(
    found: pd.DataFrame, truth: pd.DataFrame | None, keys: pd.DataFrame, months: np.ndarray
) -> pd.DataFrame:
    """The identifications of the test months, each with the month of the shock behind it
    (the truth's first shock of the year; the identification month where the truth has none
    or is absent) and whether the truth has the household below the line."""
    ident = found[(found["identified"] >= months.min()) & (found["identified"] <= months.max())]
    ident = ident[[KEY, "identified"]].drop_duplicates(KEY).reset_index(drop=True)
    ident["year"] = (ident["identified"] // 12).astype("int64")
    if truth is None or truth.empty:
        return ident.assign(shock=ident["identified"], below_line=np.nan, shock_known=False)
    rows = truth.merge(keys, on="household_code", how="inner")
    first = rows[list(SHOCK_MONTHS)].where(rows[list(SHOCK_MONTHS)] > 0).min(axis=1)
    rows = rows.assign(
        shock=(rows["year"] * 12 + first - 1), below=rows["below_line"].astype(float)
    )[[KEY, "year", "shock", "below"]]
    ident = ident.merge(rows, on=[KEY, "year"], how="left")
    known = ident["shock"].notna() & (ident["shock"] <= ident["identified"])
    return ident.assign(
        shock=ident["shock"].where(known, ident["identified"]),
        below_line=ident.pop("below"),
        shock_known=known,
    )


def _reach(visits: pd.DataFrame, ident: pd.DataFrame) -> pd.DataFrame:
    """Months from each identification's shock to its first visit at or after the shock
    (NaN: not visited before identification)."""
    pairs = ident[[KEY, "shock", "identified"]].merge(visits[[KEY, "month"]], on=KEY, how="left")
    after = pairs[(pairs["month"] >= pairs["shock"]) & (pairs["month"] <= pairs["identified"])]
    first = after.groupby(KEY)["month"].min()
    return ident.assign(delay=ident[KEY].map(first) - ident["shock"])


def _within(reach: pd.DataFrame, months: int) -> np.ndarray:
    return (reach["delay"] <= months).to_numpy(float)


def _ranking(y: np.ndarray, score: np.ndarray, resamples: int, seed: int) -> dict:
    """ROC and PR AUC of a scorer's ranking of the test household-months, with intervals."""
    out = {}
    for name, metric in (("roc_auc", roc_auc_score), ("pr_auc", average_precision_score)):
        out[name] = float(metric(y, score)) if len(np.unique(y)) == 2 else np.nan
        out[f"{name}_low"], out[f"{name}_high"] = bootstrap_interval(
            y, score, metric, resamples, seed
        )
    return out


def _reached(reach: pd.DataFrame, within: list[int], resamples: int, seed: int) -> dict:
    """Shares of identifications visited within each of ``within`` months of their shock
    (with intervals), the median delay of those visited and the share visited at all."""
    out = {}
    for k in within:
        hit = _within(reach, k)
        low, high = _interval_of_mean(hit, resamples, seed)
        out |= {f"within_{k}m": hit.mean(), f"within_{k}m_low": low, f"within_{k}m_high": high}
    out["median_delay_months"] = float(reach["delay"].median())
    out["visited_share"] = float(reach["delay"].notna().mean())
    return out


def evaluate_scorers(
    test: pd.DataFrame,
    warmup: pd.DataFrame,
    clues: pd.DataFrame,
    model: VisitModel,
    found: pd.DataFrame,
    truth: pd.DataFrame | None,
    keys: pd.DataFrame,
    params: dict,
) -> tuple[pd.DataFrame, pd.DataFrame, dict, pd.DataFrame]:
    """Each scorer over the test year at each capacity of ``evaluation.capacities`` (the
    configured one among them): identifications visited within 1 and 2 months of their
    shock, the median delay, the share of visits that find a household identified within the
    window (and, with the truth, below the line), ROC and PR AUC of the months' ranking —
    95 % bootstrap intervals — and the paired difference of the model against each baseline.
    Visits start with the ``warmup`` months (the validation year), so that the test year
    begins with the backlog and the visited households a running office has.

    Returns:
        the table, the configured capacity's table by month, MLflow metrics, the model's
        visits at the configured capacity.
    """
    evaluation = params["evaluation"]
    resamples, seed = int(evaluation["bootstrap"]), int(params["seed"])
    first = int(test["month"].min())
    both = pd.concat([warmup, test], ignore_index=True)
    shocks = shocks_of_identified(found, truth, keys, both["month"].to_numpy())
    ident = shocks[shocks["identified"] >= first].reset_index(drop=True)
    scores = scorer_scores(both, model, shocks, params["history_months"])
    in_test = (both["month"] >= first).to_numpy()
    y = both.loc[in_test, "label"].to_numpy(int)
    ranking = {s: _ranking(y, scores[s][in_test], resamples, seed) for s in SCORERS}
    below = ident.set_index(KEY)["below_line"]
    configured = int(params["capacity"]["visits_per_township"])
    capacities = sorted({configured, *map(int, evaluation.get("capacities") or [])})
    within, k = evaluation["within_months"], max(evaluation["within_months"])
    rows, monthly, model_visits = [], [], None
    for capacity in capacities:
        plan = params | {"capacity": {**params["capacity"], "visits_per_township": capacity}}
        reach = {}
        for scorer in SCORERS:
            visits = simulate_visits(both.assign(score=scores[scorer]), clues, scorer, plan)
            visits = visits[visits["month"] >= first]
            reach[scorer] = _reach(visits, ident)
            rows.append(
                {
                    "capacity": capacity,
                    "scorer": scorer,
                    "visits": len(visits),
                    "identifications": len(ident),
                    **_reached(reach[scorer], within, resamples, seed),
                    "hit_rate": float(visits["label"].mean()) if len(visits) else np.nan,
                    "below_line_rate": float(visits[KEY].map(below).mean())
                    if len(visits)
                    else np.nan,
                    **ranking[scorer],
                }
            )
            if capacity == configured:
                monthly.append(_by_month(test, visits, scores[scorer][in_test], scorer))
                model_visits = visits if scorer == "model" else model_visits
        for baseline in ("yearly", "official_rule"):
            diff = _within(reach["model"], k) - _within(reach[baseline], k)
            low, high = _interval_of_mean(diff, resamples, seed)
            row = next(r for r in rows if r["capacity"] == capacity and r["scorer"] == baseline)
            row |= {f"model_gain_{k}m": diff.mean(), "gain_low": low, "gain_high": high}
    table = pd.DataFrame(rows)
    clue = (both.loc[in_test, "clues_12m"] > 0).to_numpy()
    table["roc_auc_clue_ceiling"] = (
        float(roc_auc_score(y, y * clue)) if len(set(y)) == 2 else np.nan
    )
    metrics = {
        f"test.{r['scorer']}.{name}": float(r[name])
        for r in rows
        if r["capacity"] == configured
        for name in ("within_1m", "within_2m", "hit_rate", "roc_auc", "pr_auc")
        if pd.notna(r[name])
    } | {
        f"test.capacity_{r['capacity']}.{r['scorer']}.within_{k}m": float(r[f"within_{k}m"])
        for r in rows
    }
    return table, pd.concat(monthly, ignore_index=True), metrics, model_visits


def _interval_of_mean(values: np.ndarray, resamples: int, seed: int) -> tuple[float, float]:
    """The 95 % percentile bootstrap interval of a mean (pairs resampled together)."""
    if len(values) == 0:
        return np.nan, np.nan
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), (resamples, len(values)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


def _by_month(test: pd.DataFrame, visits: pd.DataFrame, score: np.ndarray, scorer: str):
    frame = test[["month", "label"]].assign(score=score)
    out = []
    for month, rows in frame.groupby("month"):
        seen = visits[visits["month"] == month]
        y = rows["label"].to_numpy(int)
        both = len(np.unique(y)) == 2
        out.append(
            {
                "scorer": scorer,
                "month": int(yyyymm(month)),
                "households": len(rows),
                "identified_within_window": int(y.sum()),
                "visits": len(seen),
                "hits": int(seen["label"].sum()),
                "roc_auc": float(roc_auc_score(y, rows["score"])) if both else np.nan,
            }
        )
    return pd.DataFrame(out)


def candidates_against_truth(
    test: pd.DataFrame,
    visits_of_model: pd.DataFrame,
    resident_keys: pd.DataFrame,
    alert_identities: pd.DataFrame,
    household_keys: pd.DataFrame,
    truth_events: pd.DataFrame | None,
    truth_years: pd.DataFrame | None,
) -> pd.DataFrame:
    """The test year's households a clue named that the export of the year before did not
    list (new-household candidates): how many, how many the model's lists visited, how many
    the exports later show identified — and, with the truth, how many were below the line
    or identified that year. A resident's household is found through the clue's ID number in
    the truth (evaluation only; the restricted identities never leave this node)."""
    unlisted = test[test["listed"] == 0]
    keys = unlisted.groupby(KEY)["label"].max().rename("identified").reset_index()
    keys["visited"] = keys[KEY].isin(visits_of_model[KEY])
    keys["year"] = int(test["month"].max() // 12)
    row = {
        "candidates": len(keys),
        "residents_no_record_lists": int(keys[KEY].str.startswith("r_").sum()),
        "visited_by_model": int(keys["visited"].sum()),
        "identified_within_a_window": int(keys["identified"].sum()),
    }
    if truth_events is not None and truth_years is not None and len(truth_years):
        residents = resident_keys.merge(alert_identities, on=["source_file", "source_row"])
        by_id = truth_events.drop_duplicates("id_number").set_index("id_number")["household_code"]
        residents = residents.assign(household_code=residents["id_number"].map(by_id))
        codes = (
            pd.concat(
                [
                    residents.rename(columns={"resident_key": KEY})[[KEY, "household_code"]],
                    household_keys[[KEY, "household_code"]],
                ]
            )
            .dropna()
            .drop_duplicates(KEY)
        )
        year = truth_years[truth_years["year"] == keys["year"].iloc[0]]
        state = year.set_index("household_code")[["below_line", "identified_this_year"]]
        found = keys.merge(codes, on=KEY, how="left").join(state, on="household_code")
        row |= {
            "matched_to_truth": int(found["below_line"].notna().sum()),
            "truth_below_line": int(found["below_line"].fillna(False).astype(bool).sum()),
            "truth_identified_that_year": int(
                found["identified_this_year"].fillna(False).astype(bool).sum()
            ),
            "visited_and_truth_below_line": int(
                (found["visited"] & found["below_line"].fillna(False).astype(bool)).sum()
            ),
        }
    return pd.DataFrame([row])
