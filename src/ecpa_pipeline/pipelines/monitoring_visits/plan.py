"""Who is visited in a month: each township's capacity filled in the scorer's order, the
green channel first; a household just visited is not sent again until a new clue episode
about it arrives."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .months import KEY


def capacity_of(townships: pd.Series, capacity: dict) -> np.ndarray:
    """Visits a month for each row's township (``capacity.townships`` by name, else
    ``visits_per_township``)."""
    own = {str(k): int(v) for k, v in (capacity.get("townships") or {}).items()}
    default = int(capacity["visits_per_township"])
    return townships.map(own).fillna(default).to_numpy(dtype="int64")


def choose(rows: pd.DataFrame, order: list[str], capacity: dict) -> pd.Series:
    """True for the rows a township visits: ``order`` (columns, each descending) within
    each township, up to its capacity; ties in the rows' order (``months.household_months``
    fixes it by their contents, so another pseudonym key breaks no tie another way)."""
    ranked = rows.sort_values(order, ascending=False, kind="stable")
    place = ranked.groupby("township", sort=False).cumcount().to_numpy()
    chosen = place < capacity_of(ranked["township"], capacity)
    return pd.Series(chosen, index=ranked.index).reindex(rows.index)


def still_open(rows: pd.DataFrame, last_visit: pd.Series) -> pd.Series:
    """Rows not visited before, or with a new clue episode since their last visit."""
    visited = last_visit.reindex(rows[KEY]).to_numpy()
    return pd.Series(
        np.isnan(visited) | (rows["last_new_episode"].to_numpy(float) > visited), index=rows.index
    )


def pending_since(clues: pd.DataFrame, month: int, history: int, last_visit: pd.Series):
    """Each key's oldest clue still waiting for a visit in ``month``: pushed within the
    history, after its last visit (only new episodes count after a visit)."""
    window = clues[(clues["month"] <= month) & (clues["month"] > month - history)]
    visited = last_visit.reindex(window[KEY]).to_numpy()
    waiting = np.isnan(visited) | (window["new_episode"].to_numpy() & (window["month"] > visited))
    return window[waiting].groupby(KEY)["month"].min()


def simulate_visits(
    rows: pd.DataFrame,
    clues: pd.DataFrame,
    scorer: str,
    params: dict,
) -> pd.DataFrame:
    """The visits a scorer makes month after month over ``rows`` (household-months with
    ``township``, ``green_channel``, ``last_new_episode`` and the scorer's ``score``):

    - ``model``: green channel first, then by probability (the lists' rule);
    - ``model_probability_only``: by probability alone (what the green channel costs);
    - ``yearly``: by the yearly risk alone (the yearly list worked down month by month);
    - ``official_rule``: every household with a clue waiting, the oldest clue first;
    - ``truth``: only the households identified within the window whose shock has come
      (the ceiling).
    """
    last_visit = pd.Series(dtype=float)
    visits = []
    for month, month_rows in rows.groupby("month", sort=True):
        frame = month_rows[still_open(month_rows, last_visit)]
        if scorer == "official_rule":
            waiting = pending_since(clues, month, params["history_months"], last_visit)
            frame = frame[frame[KEY].isin(waiting.index)]
            frame = frame.assign(_age=month - frame[KEY].map(waiting))
            order = ["_age"]
        elif scorer == "model":
            order = ["green_channel", "score"]
        elif scorer == "truth":  # only who is due: spare capacity would block a later visit
            frame, order = frame[frame["score"] >= 1], ["score"]
        else:  # yearly, model_probability_only
            order = ["score"]
        chosen = frame[choose(frame, order, params["capacity"])]
        visits.append(chosen[["month", KEY, "township", "label"]])
        last_visit = pd.concat(
            [last_visit.drop(chosen[KEY], errors="ignore"), pd.Series(month, index=chosen[KEY])]
        )
    return pd.concat(visits, ignore_index=True) if visits else pd.DataFrame()
