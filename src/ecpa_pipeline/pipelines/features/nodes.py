"""Nodes of the ``features`` pipeline: one row per household-year of households registered
poor at year t, with conditions known at t and the label ``exit_next_year`` (exited at t+1).

Nothing recorded after t enters a feature; the exit year and the status written at exit are
never features; households are keyed by pseudonyms; names, ID numbers and phones never
enter this table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecpa_pipeline.domain.pseudonym import MIN_KEY_BYTES, fingerprint, key_problem, pseudonymise
from ecpa_pipeline.domain.registry import VILLAGE_CONDITIONS
from ecpa_pipeline.errors import ProjectError

KEY = ["year", "household_code"]


def member_features(persons: pd.DataFrame) -> pd.DataFrame:
    """Household composition per household-year: ages, labour, education, health, work."""
    p = persons
    age = p["age"]
    health = p["health"].fillna("")
    adults = age >= 16
    frame = p[KEY].assign(
        child=age < 16,
        elderly=age >= 60,
        working_age=age.between(16, 59),
        labour_ordinary=p["labour_skill"] == "普通劳动力",
        labour_skilled=p["labour_skill"] == "技能劳动力",
        labour_weak=p["labour_skill"] == "弱劳动力或半劳动力",
        # Able workers of 18–45: whom training and e-commerce reach (measure_effects).
        young_labour=p["labour_skill"].isin(["普通劳动力", "技能劳动力"]) & age.between(18, 45),
        no_labour=p["labour_skill"].isin(["丧失劳动力", "无劳动力"]),
        serious_illness=health.str.contains("患有大病"),
        chronic_illness=health.str.contains("长期慢性病"),
        disabled=health.str.contains("残疾"),
        student=~p["school_status"].isin(["非在校生", "学龄前儿童", "辍学"])
        & p["school_status"].notna(),
        migrant=p["migrant_months"].fillna(0) > 0,
        migrant_months=p["migrant_months"].fillna(0),
        edu_adult=p["education_level"].where(adults),
    )
    g = frame.groupby(KEY)
    out = g[
        [
            "child",
            "elderly",
            "working_age",
            "labour_ordinary",
            "labour_skilled",
            "labour_weak",
            "young_labour",
            "no_labour",
            "serious_illness",
            "chronic_illness",
            "disabled",
            "student",
            "migrant",
            "migrant_months",
        ]
    ].sum()
    out = out.rename(columns={c: f"n_{c}" for c in out.columns if c != "migrant_months"})
    out["education_max"] = g["edu_adult"].max()
    out["education_mean"] = g["edu_adult"].mean()
    out["dependency_ratio"] = (out["n_child"] + out["n_elderly"]) / out["n_working_age"].clip(
        lower=1
    )
    return out.reset_index()


def village_context(
    villages: pd.DataFrame, households: pd.DataFrame, order_lines: pd.DataFrame
) -> pd.DataFrame:
    """Village conditions per village-year: survey facts, poverty incidence among the
    village's households, online sales (revenue lines only) and their growth."""
    years = sorted(households["year"].unique())
    base = villages[["village_code", "county_code", "region", *VILLAGE_CONDITIONS, "households"]]
    grid = base.merge(pd.DataFrame({"year": years}), how="cross")
    poor = (
        households[households["registered_poor"]]
        .groupby(["year", "village_code"])
        .size()
        .rename("registered_poor_households")
    )
    sales = (
        order_lines[order_lines["is_revenue"]]
        .groupby(["year", "village_code"])["amount_yuan"]
        .sum()
        .rename("online_sales_yuan")
    )
    grid = grid.merge(poor, on=["year", "village_code"], how="left").merge(
        sales, on=["year", "village_code"], how="left"
    )
    grid[["registered_poor_households", "online_sales_yuan"]] = grid[
        ["registered_poor_households", "online_sales_yuan"]
    ].fillna(0)
    grid["village_incidence"] = grid["registered_poor_households"] / grid["households"].where(
        grid["households"] > 0
    )
    grid = grid.sort_values(["village_code", "year"])
    previous = grid.groupby("village_code")["online_sales_yuan"].shift(1)
    grid["online_sales_growth"] = np.log1p(grid["online_sales_yuan"]) - np.log1p(previous)
    # Remoteness quintile (1 = nearest the county seat), an audit group.
    grid["remoteness_quintile"] = remoteness_quintile(grid["county_distance_km"])
    return grid.drop(columns=["households", "registered_poor_households"])


def remoteness_quintile(distance: pd.Series) -> pd.Series:
    """Quintile of the distance to the county seat (1 = nearest), an audit group; with fewer
    than five values, as many groups as values."""
    groups = min(5, int(distance.notna().sum())) or 1
    return pd.qcut(distance.rank(method="first"), groups, labels=False).astype("Int64") + 1


def household_keys(
    households: pd.DataFrame, secret: str, monitoring_households: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, dict, dict]:
    """Each household code's pseudonym (HMAC with the local key) — of the registry's
    households and the monitoring system's (普通农户 included) — and the key's fingerprint
    ``{"pseudonym_key_fingerprint": …}`` twice: for the data folder (the runs that use these
    pseudonyms tag it and compare it) and as this run's MLflow tag. The only
    node that holds the key: every other step joins on this table (kept in the local data
    folder).

    Raises:
        ProjectError: the key is missing, not hex, or shorter than 32 bytes.
    """
    problem = key_problem(secret)
    if problem:
        raise ProjectError(
            f"{problem} (pseudonym_secret.key in conf/<env>/credentials.yml): set it to "
            f"{MIN_KEY_BYTES} random bytes as hex, e.g. python -c "
            "'import secrets; print(secrets.token_hex(32))' — and keep it: another key gives "
            "every household another pseudonym"
        )
    tables = [households] if monitoring_households is None else [households, monitoring_households]
    listed = pd.concat([t["household_code"] for t in tables], ignore_index=True)
    codes = pd.Series(listed.dropna().unique(), name="household_code")
    codes = codes.sort_values(ignore_index=True)
    keys = pd.DataFrame({"household_code": codes, "household_key": pseudonymise(codes, secret)})
    key = {"pseudonym_key_fingerprint": fingerprint(secret)}
    return keys, key, key


#: Pseudonyms of residents (department clues about people no record lists) are made from
#: their ID numbers in a namespace of their own, never equal to a household code's.
RESIDENT = "resident:"


def keys_of_everyone(
    households: pd.DataFrame,
    secret: str,
    monitoring_households: pd.DataFrame,
    alert_identities: pd.DataFrame,
    visit_identities: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, dict, dict]:
    """``household_keys`` and, for every department clue and every visit outcome (by its
    file and row), the pseudonym of the resident it names (``resident_key``): a
    new-household candidate is followed month by month under it, and no ID number leaves the
    restricted layer."""
    keys, key, tags = household_keys(households, secret, monitoring_households)
    named = pd.concat([alert_identities, visit_identities], ignore_index=True)
    ids = named["id_number"].astype("str")  # missing (a masked number): no key
    residents = pd.DataFrame(
        {
            "source_file": named["source_file"].astype("str"),
            "source_row": named["source_row"].astype("int64"),
            "resident_key": pseudonymise(RESIDENT + ids, secret).str.replace(
                "h_", "r_", n=1, regex=False
            ),
        }
    )
    return keys, residents, key, tags


def exit_truth_by_key(truth: pd.DataFrame | None, keys: pd.DataFrame) -> pd.DataFrame:
    """The simulation's true exit probability of each household-year under its pseudonym,
    for the exit model's evaluation (no rows with real data, where ``_truth/`` is absent).

    ``exit_prob`` of year t+1 is the probability of exiting during t+1; it is keyed by the
    transition's starting year t, as the model input is."""
    return truth_by_key(truth, keys, "exit_prob")


def truth_by_key(truth: pd.DataFrame | None, keys: pd.DataFrame, column: str) -> pd.DataFrame:
    """The truth's ``column`` of year t+1 under each household's pseudonym, keyed by t (the
    year a model input row describes); no rows without ``_truth/``."""
    columns = {"household_key": "str", "year": "int64", column: "float64"}
    if truth is None:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
    known = truth[truth[column].notna()]
    keyed = known.merge(keys, on="household_code", how="inner")
    return pd.DataFrame(
        {
            "household_key": keyed["household_key"].astype("str"),
            "year": keyed["year"].astype("int64") - 1,
            column: keyed[column].astype("float64"),
        }
    ).reset_index(drop=True)


def exit_model_input(
    households: pd.DataFrame,
    members: pd.DataFrame,
    villages: pd.DataFrame,
    keys: pd.DataFrame,
    exit_plan: dict,
    params: dict,
) -> pd.DataFrame:
    """The model input: households registered poor at t, features at t, label at t+1.

    ``exit_next_year`` is 1 when the household's status at t+1 is 脱贫户 with exit year t+1,
    0 when it is still poor at t+1, and missing when t+1 is not observed, the household was
    removed, or t+1 is a year whose exits were decreed (``exit_plan.decreed_years``).
    """
    # ``households`` already carries the year's income record (see cleaning.build_households).
    hh = households.merge(members, on=KEY, how="left")
    hh = hh.merge(villages, on=["year", "village_code"], how="left")

    nxt = households[[*KEY, "household_status", "exit_year"]].assign(year=households["year"] - 1)
    hh = hh.merge(
        nxt.rename(columns={"household_status": "next_status", "exit_year": "next_exit_year"}),
        on=KEY,
        how="left",
    )
    poor = hh["household_status"].isin(params["poor_statuses"])
    hh = hh[poor].copy()
    exited = (hh["next_status"] == "脱贫户") & (hh["next_exit_year"] == hh["year"] + 1)
    still_poor = hh["next_status"].isin(params["poor_statuses"])
    label = pd.Series(np.where(exited, 1.0, np.where(still_poor, 0.0, np.nan)), index=hh.index)
    label[(hh["year"] + 1).isin(exit_plan["decreed_years"])] = np.nan

    assist = [c for c in hh.columns if c.startswith("assist_")]
    features = pd.DataFrame(
        {
            **identity(hh, keys),
            params["label"]: label,
            # Next year's planned exit share: fixed in advance, a base rate, not an outcome.
            "exit_plan_next_year": (hh["year"] + 1).map(
                {int(k): v for k, v in exit_plan["shares"].items()}
            ),
            **composition(hh),
            "household_type": hh["household_type"],
            "main_cause": hh["main_cause"],
            **income_structure(hh),
            # 两不愁三保障 at t
            "guarantees_met": hh["guarantees_met"].astype(float),
            "unmet_guarantees": hh["unmet_guarantees"],
            "housing_secure": hh["housing_secure"].astype(float),
            "water_secure": hh["water_secure"].astype(float),
            "education_secure": hh["education_secure"].astype(float),
            "medical_secure": hh["medical_secure"].astype(float),
            **assets(hh),
            **{c: hh[c].astype(float) for c in assist},
            # As numbers: a household-year without an income record has no measures listed.
            "n_assistance_measures": hh[assist].astype(float).sum(axis=1),
            # history
            "years_registered": hh["years_registered"],
            "previous_status": hh["previous_status"].fillna("首次登记"),
            **village_conditions(hh),
            "village_incidence": hh["village_incidence"],
            "village_online_sales": np.log1p(hh["online_sales_yuan"]),
            "village_online_sales_growth": hh["online_sales_growth"],
            **audit_groups(hh),
        }
    )
    return features.sort_values(["year", "household_key"]).reset_index(drop=True)


def identity(hh: pd.DataFrame, keys: pd.DataFrame) -> dict:
    """The pseudonymous key, year, village and county of each household-year."""
    return {
        "household_key": hh["household_code"].map(
            keys.set_index("household_code")["household_key"]
        ),
        "year": hh["year"],
        "village_code": hh["village_code"],
        "county_code": hh["county_code"],
    }


def composition(hh: pd.DataFrame) -> dict:
    """Members, labour, education, health, schooling, migrant work and the head."""
    size = hh["member_count"].clip(lower=1)
    return {
        "household_size": hh["member_count"],
        "dependency_ratio": hh["dependency_ratio"],
        "n_labour_ordinary": hh["n_labour_ordinary"],
        "n_labour_skilled": hh["n_labour_skilled"],
        "n_labour_weak": hh["n_labour_weak"],
        "n_no_labour": hh["n_no_labour"],
        "labour_share": (hh["n_labour_ordinary"] + hh["n_labour_skilled"]) / size,
        "education_max": hh["education_max"],
        "education_mean": hh["education_mean"],
        "n_serious_illness": hh["n_serious_illness"],
        "n_chronic_illness": hh["n_chronic_illness"],
        "n_disabled": hh["n_disabled"],
        "n_students": hh["n_student"],
        "migrant_months": hh["migrant_months"],
        "n_migrants": hh["n_migrant"],
        "head_female": (hh["head_sex"] == "女").astype(float).where(hh["head_sex"].notna()),
        "head_age": hh["head_age"],
        "head_minority": (hh["head_ethnicity"] != "汉族")
        .astype(float)
        .where(hh["head_ethnicity"].notna()),
    }


def income_structure(hh: pd.DataFrame) -> dict:
    """Income at t relative to the year's line (``income_to_line``), and its structure."""
    gross = hh[["wage_income", "business_income", "property_income", "transfer_income"]].sum(
        axis=1, min_count=1
    )
    earned = hh[["wage_income", "business_income"]].sum(axis=1, min_count=1)
    return {
        "income_to_line": hh["income_to_line"],
        "income_per_capita": hh["income_per_capita"],
        "log_income_per_capita": np.log1p(hh["income_per_capita"].clip(lower=0)),
        "wage_share": hh["wage_income"] / gross.where(gross > 0),
        "business_share": (hh["business_income"] - hh["business_cost"]) / gross.where(gross > 0),
        "transfer_share": hh["transfer_income"] / gross.where(gross > 0),
        "ecommerce_share": hh["ecommerce_income"] / earned.where(earned > 0),
    }


def assets(hh: pd.DataFrame) -> dict:
    """Land, housing, access and ties (cooperative, e-commerce)."""
    size = hh["member_count"].clip(lower=1)
    return {
        "farmland_mu_per_capita": hh["farmland_mu"] / size,
        "forest_mu": hh["forest_mu"],
        "housing_m2_per_capita": hh["housing_m2"] / size,
        "road_distance_km": hh["road_distance_km"],
        "access_road": hh["access_road"],
        "cooperative_member": hh["cooperative_member"].astype(float),
        "ecommerce_mode": hh["ecommerce_mode"],
    }


def village_conditions(hh: pd.DataFrame) -> dict:
    """The village survey's conditions of the household's village."""
    return {
        "terrain": hh["terrain"],
        "elevation_m": hh["elevation_m"],
        "county_distance_km": hh["county_distance_km"],
        "paved_road": hh["paved_road"].astype(float),
        "broadband": hh["broadband"].astype(float),
        "express_point": hh["express_point"].astype(float),
        "ecommerce_station": hh["ecommerce_station"].astype(float),
        "cold_chain": hh["cold_chain"].astype(float),
        "poor_village": hh["poor_village"].astype(float),
    }


def audit_groups(hh: pd.DataFrame) -> dict:
    """The groups fairness is checked in."""
    return {
        "minority_head": hh["head_ethnicity"].ne("汉族").map({True: "minority", False: "han"}),
        "female_head": hh["head_sex"].eq("女").map({True: "female", False: "male"}),
        "disability_in_household": hh["n_disabled"].gt(0).map({True: "yes", False: "no"}),
        "region": hh["region"],
        "remoteness_quintile": hh["remoteness_quintile"].astype("str"),
    }
