"""Writes ``households.csv``: a small made-up household survey for the ``survey_example``
environment — not a registry: its own column names, its own ids, no time column, one
observation per household and the outcome of the next survey round (``poor_next_round``).

Outcomes depend on the columns *and* on what no column shows, so no model can be perfect.
Run from the project root: ``.venv/bin/python examples/survey/make_survey.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SEED, ROWS = 2024, 2000


def make_survey(seed: int = SEED, rows: int = ROWS) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    region = rng.choice(["east", "central", "west"], rows, p=[0.3, 0.35, 0.35])
    hh_size = rng.choice(np.arange(1, 8), rows, p=[0.1, 0.2, 0.25, 0.2, 0.13, 0.08, 0.04])
    n_workers = np.minimum(rng.binomial(hh_size, 0.5), hh_size)
    n_elderly = np.minimum(rng.binomial(hh_size, 0.2), hh_size - n_workers)
    head_age = rng.integers(22, 80, rows)
    head_female = (rng.random(rows) < 0.2).astype(int)
    schooling = np.clip(np.round(rng.normal(7, 3, rows)), 0, 16)
    land_mu = np.round(rng.gamma(2.0, 2.0, rows), 1)
    livestock = rng.poisson(1.5, rows)
    dist_market_km = np.round(rng.gamma(2.0, 6.0, rows), 1)
    migrant = (rng.random(rows) < 0.35 * (n_workers > 0)).astype(int)
    dwelling = rng.choice(["concrete", "brick", "wood", "earth"], rows, p=[0.3, 0.4, 0.15, 0.15])
    tap_water = (rng.random(rows) < 0.75).astype(int)
    west = region == "west"
    log_income = (
        8.3
        + 0.25 * np.log1p(n_workers) - 0.15 * np.log(hh_size) + 0.04 * schooling
        + 0.05 * np.log1p(land_mu) + 0.3 * migrant - 0.01 * dist_market_km - 0.2 * west
        + 0.15 * (dwelling == "concrete") - 0.2 * (dwelling == "earth")
        + rng.normal(0, 0.45, rows)
    )  # fmt: skip
    income = np.round(np.exp(log_income))
    # Next round: last year's income, the household's make-up and a shock no column shows.
    latent = (
        -1.2 - 1.3 * (log_income - 8.3) + 0.25 * n_elderly - 0.3 * migrant + 0.3 * west
        - 0.03 * schooling + rng.logistic(0, 1.0, rows)
    )  # fmt: skip
    survey = pd.DataFrame(
        {
            "hh_id": [f"{c}-{i:05d}" for c, i in zip(rng.integers(100, 999, rows), range(rows))],
            "region": region,
            "hh_size": hh_size,
            "n_workers": n_workers,
            "n_elderly": n_elderly,
            "head_age": head_age,
            "head_female": head_female,
            "head_schooling_years": schooling,
            "land_mu": land_mu,
            "livestock_units": livestock,
            "dist_market_km": dist_market_km,
            "has_migrant_worker": migrant,
            "dwelling": dwelling,
            "tap_water": tap_water,
            "income_pc_last_year": income,
            "poor_next_round": (latent > 0).astype(int),
        }
    )
    # Surveys have gaps: a few incomes and schooling years not reported.
    survey.loc[rng.random(rows) < 0.03, "income_pc_last_year"] = np.nan
    survey.loc[rng.random(rows) < 0.02, "head_schooling_years"] = np.nan
    return survey


if __name__ == "__main__":
    out = Path(__file__).with_name("households.csv")
    make_survey().to_csv(out, index=False)
    print(f"wrote {out}")
