"""Which households are scored and how: the latest registered poor households, scored with
the registered exit model (probability and reasons), and each household's profile for the
measure rules."""

from __future__ import annotations

import logging

import pandas as pd

from ecpa_pipeline.datasets import RegisteredModel
from ecpa_pipeline.domain.exit_plan import plan_share
from ecpa_pipeline.domain.identities import identities_of
from ecpa_pipeline.officials import joined_names

logger = logging.getLogger(__name__)

#: 两不愁三保障 items of the households table, in the order officials list them, each worded
#: as what is wrong when it is not met (a list shows only the unmet ones, nothing when all
#: are met: "吃穿不愁" alone read as if the item were met, #27).
GUARANTEES = {
    "food_clothing_secure": {
        "zh": "吃穿有困难（收入低于贫困线）",
        "en": "food and clothing not secure (income below the line)",
    },
    "education_secure": {"zh": "义务教育有辍学", "en": "a child out of compulsory school"},
    "medical_secure": {
        "zh": "基本医疗无保障（有成员未参加大病医疗）",
        "en": "a member without critical-illness insurance",
    },
    "housing_secure": {"zh": "住房不安全（危房）", "en": "unsafe housing"},
    "water_secure": {"zh": "饮水不安全或有困难", "en": "drinking water unsafe or hard to get"},
}
#: Profile columns taken from the exit model's input (conditions at the scoring year).
PROFILE_FEATURES = [
    "household_size",
    "n_labour_ordinary",
    "n_labour_skilled",
    "n_labour_weak",
    "n_no_labour",
    "education_max",
    "head_age",
    "household_type",
    "main_cause",
    "n_serious_illness",
    "n_chronic_illness",
    "n_disabled",
    "n_students",
    "migrant_months",
    "n_migrants",
    "cooperative_member",
    "ecommerce_mode",
    "broadband",
    "express_point",
    "ecommerce_station",
    "cold_chain",
]


def select_households_to_score(
    model_input: pd.DataFrame, exit_plan: dict, params: dict
) -> tuple[pd.DataFrame, dict]:
    """The registered poor households of the scoring year (``latest`` by default) with
    their conditions at that year, and the basis of the scores.

    Raises:
        ValueError: when the year has no registered poor households.

    Returns:
        the households' model-input rows, and ``{year, exit_plan_share, basis}``.
    """
    year = int(model_input["year"].max()) if params["year"] == "latest" else int(params["year"])
    rows = model_input[model_input["year"] == year].reset_index(drop=True)
    if rows.empty:
        years = sorted(model_input["year"].unique().tolist())
        raise ValueError(
            f"no registered poor households in {year} in exit_model_input (years: {years})"
        )
    share, basis = plan_share(year, exit_plan, params["exit_plan_share"])
    logger.info(
        "Scoring %d households registered poor in %d against %s", len(rows), year, basis["en"]
    )
    return rows, {"year": year, "exit_plan_share": share, "basis": basis}


def score_households(
    exit_model: RegisteredModel, rows: pd.DataFrame, scoring: dict, key: dict
) -> tuple[pd.DataFrame, dict]:
    """Exit likelihood and the three strongest reasons of each household, as the registered
    model version returns them (its own features, encoder, booster, calibrator and factor
    names): nothing of a row comes from the checkout's training code.

    Raises:
        ProjectError: the model's pseudonyms were made with another key (fingerprints).

    Returns:
        one row per household (pseudonymous key), and the provenance of the scores.
    """
    exit_model.check_key(key, "kedro run --pipelines=exit_model")
    id_column = exit_model.settings()["id_column"]
    out = exit_model.score(rows, "exit_model_input", scoring["exit_plan_share"])
    if "factor_1" not in out:
        raise ValueError(
            f"model {exit_model.name} version {exit_model.version} returns no reasons: "
            "retrain it (kedro run --pipelines=exit_model)"
        )
    out = out.rename(columns={id_column: "household_key"})
    provenance = {
        "model_name": exit_model.name,
        "model_version": exit_model.version,
        "model_run_id": exit_model.run_id,
        **key,
        **scoring,
    }
    return out, provenance


def household_profiles(
    rows: pd.DataFrame,
    households: pd.DataFrame,
    identities: pd.DataFrame,
    villages: pd.DataFrame,
    keys: pd.DataFrame,
    poverty_line: dict,
    params: dict,
) -> pd.DataFrame:
    """What officials need to know of each scored household: where it is, who heads it
    (personal data from the restricted ``identities``, masked later), its composition,
    income against next year's line, unmet 两不愁三保障 items and the 防返贫 marginal flag."""
    year = int(rows["year"].iloc[0])
    hh = households[households["year"] == year]
    hh = hh.merge(keys, on="household_code", how="left")
    head = identities_of(identities, "registry", year)
    hh = hh.merge(
        head.rename(
            columns={
                "person_code": "head_person_code",
                "name": "head_name",
                "id_number": "head_id_number",
                "phone": "head_phone",
            }
        ),
        on="head_person_code",
        how="left",
    )
    profile = rows[["household_key", "village_code", *PROFILE_FEATURES]].merge(
        hh[
            [
                "household_key",
                "household_code",
                "head_name",
                "head_id_number",
                "head_phone",
                "income_per_capita",
                *GUARANTEES,
                *[c for c in hh.columns if c.startswith("assist_")],
            ]
        ],
        on="household_key",
        how="left",
        validate="one_to_one",
    )
    lost = profile["household_code"].isna()
    if lost.any():
        raise ValueError(
            f"{int(lost.sum())} scored household(s) are not in the {year} households table: "
            "was the model input built with another pseudonym key (conf/local/credentials.yml)?"
        )
    place = villages[["village_code", "county_code", "county", "township", "village", "region"]]
    profile = profile.merge(place, on="village_code", how="left", validate="many_to_one")

    lines = {int(k): float(v) for k, v in poverty_line.items()}
    if year + 1 not in lines:
        logger.warning(
            "poverty_line has no value for %d: judging exit criteria against %d's line",
            year + 1,
            max(lines),
        )
    next_line = lines.get(year + 1, lines[max(lines)])
    profile["able_labour"] = profile["n_labour_ordinary"] + profile["n_labour_skilled"]
    profile["next_poverty_line"] = next_line
    profile["income_to_next_line"] = profile["income_per_capita"] / next_line
    met = profile[list(GUARANTEES)].fillna(False).astype(bool)
    profile["guarantees_met"] = met.all(axis=1)
    profile["unmet_guarantees"] = joined_names(~met, {k: k for k in GUARANTEES})
    profile["meets_exit_criteria"] = (profile["income_to_next_line"] >= 1) & profile[
        "guarantees_met"
    ]
    profile["marginal"] = profile["income_to_next_line"].between(
        1, params["marginal_income_factor"], inclusive="left"
    )
    return profile
