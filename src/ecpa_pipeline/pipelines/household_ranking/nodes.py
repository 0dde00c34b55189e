"""Nodes of the ``household_ranking`` pipeline: score the latest registered poor households
with the registered exit model, rank them, choose measures (措施到户) and judge village and
county readiness for exit.

Personal data (head's name, ID number, phone) is joined in for the officials' exports only;
it is masked or dropped in ``officials_view`` and never reaches the audit list or MLflow.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ecpa_pipeline.audit import code_tags, input_tags
from ecpa_pipeline.datasets import RegisteredModel
from ecpa_pipeline.domain.masking import mask_id_number, mask_phone
from ecpa_pipeline.domain.pseudonym import pseudonymise
from ecpa_pipeline.pipelines.exit_model.nodes import explain_exit, model_features

logger = logging.getLogger(__name__)

#: 两不愁三保障 items of the households table, in the order officials list them.
GUARANTEES = {
    "food_clothing_secure": {"zh": "吃穿不愁", "en": "food and clothing"},
    "education_secure": {"zh": "义务教育", "en": "compulsory education"},
    "medical_secure": {"zh": "基本医疗", "en": "basic medical care"},
    "housing_secure": {"zh": "住房安全", "en": "safe housing"},
    "water_secure": {"zh": "饮水安全", "en": "safe drinking water"},
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
    "n_disabled",
    "n_students",
    "migrant_months",
    "cooperative_member",
    "ecommerce_mode",
    "broadband",
    "express_point",
    "ecommerce_station",
    "cold_chain",
]


def _plan_share(year: int, features_params: dict, setting) -> tuple[float, dict[str, str]]:
    """Next year's planned exit share for scoring, and where it came from (zh and en)."""
    if setting != "auto":
        share = float(setting)
        return share, {
            "zh": f"配置的计划脱贫比例 {share:.0%}",
            "en": f"configured plan {share:.0%}",
        }
    plan = {int(k): float(v) for k, v in features_params["exit_plan"].items()}
    decreed = {int(y) for y in features_params["exclude_label_years"]}
    target = year + 1
    if target in plan and target not in decreed:
        share = plan[target]
        return share, {
            "zh": f"{target} 年计划脱贫比例 {share:.0%}",
            "en": f"the {target} exit plan ({share:.0%})",
        }
    regular = [y for y in plan if y < target and y not in decreed]
    if not regular:
        raise ValueError(
            f"no exit plan to score {year}: set household_ranking.exit_plan_share to a number"
        )
    last = max(regular)
    share = plan[last]
    return share, {
        "zh": (
            f"{last} 年计划脱贫比例 {share:.0%}：{target} 年为全部脱贫的收官之年（无常规计划），"
            "故按常规计划下的脱贫可能性排序"
        ),
        "en": (
            f"the {last} exit plan ({share:.0%}): {target} has no regular plan (all remaining "
            "households exit by decree), so households are ranked by their likelihood of exit "
            "under a regular plan"
        ),
    }


def select_households_to_score(
    model_input: pd.DataFrame, features_params: dict, params: dict
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
    share, basis = _plan_share(year, features_params, params["exit_plan_share"])
    logger.info(
        "Scoring %d households registered poor in %d against %s", len(rows), year, basis["en"]
    )
    return rows, {"year": year, "exit_plan_share": share, "basis": basis}


def score_households(
    exit_model: RegisteredModel, rows: pd.DataFrame, scoring: dict
) -> tuple[pd.DataFrame, dict]:
    """Exit likelihood and the three strongest reasons of each household, from the registered
    model version (its own features, encoder, booster, calibrator and factor names).

    Returns:
        one row per household (pseudonymous key), and the provenance of the scores.
    """
    params = exit_model.part("params:exit_model")
    features = model_features(rows, params)
    if params.get("offset_column"):
        features[params["offset_column"]] = scoring["exit_plan_share"]
    scores = exit_model.model.predict(features)
    reasons = explain_exit(
        exit_model.part("exit_encoder"), exit_model.part("exit_booster"), features, params
    )
    out = scores.merge(reasons, on=params["id_column"], validate="one_to_one")
    out = out.rename(columns={params["id_column"]: "household_key"})
    provenance = {
        "model_name": exit_model.name,
        "model_version": exit_model.version,
        "model_run_id": exit_model.run_id,
        **scoring,
    }
    return out, provenance


def household_profiles(
    rows: pd.DataFrame,
    households: pd.DataFrame,
    persons: pd.DataFrame,
    villages: pd.DataFrame,
    secret: str,
    poverty_line: dict,
    params: dict,
) -> pd.DataFrame:
    """What officials need to know of each scored household: where it is, who heads it
    (personal data, masked later), its composition, income against next year's line, unmet
    两不愁三保障 items and the 防返贫 marginal flag."""
    year = int(rows["year"].iloc[0])
    hh = households[households["year"] == year]
    hh = hh.assign(household_key=pseudonymise(hh["household_code"], secret))
    head = persons.loc[persons["year"] == year, ["person_code", "name", "id_number", "phone"]]
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
    profile["unmet_guarantees"] = _joined(~met, {k: k for k in GUARANTEES})
    profile["meets_exit_criteria"] = (profile["income_to_next_line"] >= 1) & profile[
        "guarantees_met"
    ]
    profile["marginal"] = profile["income_to_next_line"].between(
        1, params["marginal_income_factor"], inclusive="left"
    )
    return profile


def _joined(flags: pd.DataFrame, names: dict[str, str], sep: str = ";") -> pd.Series:
    """For each row, the names of its True columns joined by ``sep`` ('' when none)."""
    text = np.full(len(flags), "", dtype=object)
    for column in flags.columns:  # a handful of columns; vectorised over rows
        text = text + np.where(flags[column].to_numpy(bool), names[column] + sep, "")
    return pd.Series(text, index=flags.index, dtype="str").str.removesuffix(sep)


def _risk_band(probability: pd.Series, bands: list[dict]) -> pd.Series:
    bounds = np.array([b["below"] for b in bands])
    codes = np.array([b["code"] for b in bands])
    which = np.searchsorted(bounds, probability.to_numpy(float), side="right")
    return pd.Series(codes[np.clip(which, 0, len(codes) - 1)], index=probability.index)


def _ordinal(frame: pd.DataFrame, keys: list[str], ascending: list[bool], by) -> np.ndarray:
    """1-based position of each row within its ``by`` group when sorted by ``keys``."""
    order = frame.sort_values(keys, ascending=ascending, kind="stable")
    rank = order.groupby(by, sort=False).cumcount() + 1
    return rank.reindex(frame.index).to_numpy()


def rank_households(scores: pd.DataFrame, profiles: pd.DataFrame, params: dict) -> pd.DataFrame:
    """Risk band, rank within village / township / county (most in need first: lowest exit
    likelihood) and the exit-readiness order (households meeting the exit criteria first,
    then the most likely to exit: the order to put them forward for verification).

    Ties of the calibrated likelihood are broken by the booster's raw score, then by the
    household code, so that the same inputs always give the same lists.
    """
    ranked = profiles.merge(scores, on="household_key", how="left", validate="one_to_one")
    ranked["risk_band"] = _risk_band(ranked["exit_probability"], params["risk_bands"])
    need = ["exit_probability", "raw_score", "household_code"]
    up = [True, True, True]
    ranked["rank_county"] = _ordinal(ranked, need, up, "county_code")
    ranked["rank_township"] = _ordinal(ranked, need, up, ["county_code", "township"])
    ranked["rank_village"] = _ordinal(ranked, need, up, "village_code")
    ranked["readiness_rank"] = _ordinal(
        ranked,
        ["meets_exit_criteria", "exit_probability", "raw_score", "household_code"],
        [False, False, False, True],
        "county_code",
    )
    return ranked.sort_values(["county_code", "rank_county"]).reset_index(drop=True)


def _village_products(
    recommendations: pd.DataFrame | None, products: pd.DataFrame, villages: pd.Series
) -> pd.DataFrame:
    """Each village's leading product (first of its *expand* list, else of its *develop*
    list) and the product it should develop (first of the *develop* list), in Chinese and
    English ('' where none, or before product_recommendation has run)."""
    columns = ["village_product", "village_product_en", "new_product", "new_product_en"]
    names = pd.DataFrame("", index=villages.index, columns=columns)
    if recommendations is None or recommendations.empty:
        return names.astype("str")
    rec = recommendations.assign(village_code=recommendations["village_code"].astype("str"))
    rec = rec[rec["rank"] == 1].merge(
        products[["product_code", "name_en"]], on="product_code", how="left"
    )
    rec["name_en"] = rec["name_en"].fillna(rec["product_name"])
    first = {
        which: rec[rec["list"] == which].set_index("village_code")
        for which in ("expand", "develop")
    }
    develop, expand = first["develop"], first["expand"]
    return (
        pd.DataFrame(
            {
                "village_product": villages.map(expand["product_name"]).fillna(
                    villages.map(develop["product_name"])
                ),
                "village_product_en": villages.map(expand["name_en"]).fillna(
                    villages.map(develop["name_en"])
                ),
                "new_product": villages.map(develop["product_name"]),
                "new_product_en": villages.map(develop["name_en"]),
            },
            index=villages.index,
        )
        .fillna("")
        .astype("str")
    )


def recommend_measures(
    ranked: pd.DataFrame,
    recommendations: pd.DataFrame | None,
    products: pd.DataFrame,
    params: dict,
) -> pd.DataFrame:
    """Measures per household (措施到户) by the configured rules, with the village's top
    recommended product (一村一品) where the rule names one.

    Raises:
        ValueError: naming the rule whose condition cannot be evaluated.
    """
    frame = ranked.copy()
    frame = frame.join(_village_products(recommendations, products, frame["village_code"]))
    frame["has_village_product"] = frame["village_product"] != ""
    taken_groups: dict[str, pd.Series] = {}
    chosen = {}
    for rule in params["measures"]:
        try:
            hit = frame.eval(rule["when"], engine="python").astype(bool)
        except Exception as exc:
            raise ValueError(
                f"household_ranking.measures rule {rule['code']!r}: cannot evaluate "
                f"{rule['when']!r} ({exc})"
            ) from exc
        hit = pd.Series(hit, index=frame.index).fillna(False)
        group = rule.get("group")
        if group:
            free = ~taken_groups.get(group, pd.Series(False, index=frame.index))
            hit &= free
            taken_groups[group] = ~free | hit
        chosen[rule["code"]] = hit
    flags = pd.DataFrame(chosen, index=frame.index)
    default = params["default_measure"]["code"]
    flags[default] = ~flags.any(axis=1)
    frame["measure_codes"] = _joined(flags, {c: c for c in flags.columns})
    return frame


#: What an area summary adds up over its households.
_AREA_SUMS = [
    "households",
    "persons",
    "expected_exits",
    "remaining_persons",
    "high_risk",
    "meets_exit_criteria",
    "marginal",
]


def _area_sums(measured: pd.DataFrame, by: str) -> pd.DataFrame:
    size = measured["household_size"]
    p = measured["exit_probability"]
    work = pd.DataFrame(
        {
            by: measured[by],
            "households": 1,
            "persons": size,
            "expected_exits": p,
            "remaining_persons": (1 - p) * size,
            "high_risk": measured["risk_band"] == "high",
            "meets_exit_criteria": measured["meets_exit_criteria"],
            "marginal": measured["marginal"],
        }
    )
    return work.groupby(by).sum().reset_index()


def _readiness(areas: pd.DataFrame, params: dict) -> pd.DataFrame:
    """Incidence now and projected after next year's expected exits (registered poor persons
    less each household's size × its exit likelihood), against the area's threshold, and a
    status: ready, near, not_ready (unknown: no population)."""
    out = areas.copy()
    out[_AREA_SUMS] = out[_AREA_SUMS].fillna(0)
    counts = ["households", "persons", "high_risk", "meets_exit_criteria", "marginal"]
    out[counts] = out[counts].round().astype("int64")
    population = out["population"].where(out["population"] > 0)
    out["current_incidence"] = out["persons"] / population
    out["projected_incidence"] = out["remaining_persons"] / population
    thresholds = params["incidence_threshold"]
    out["incidence_threshold"] = (
        out["region"].map(thresholds).fillna(thresholds["default"]).astype(float)
    )
    out["readiness"] = np.select(
        [
            population.isna(),
            out["projected_incidence"] < out["incidence_threshold"],
            out["projected_incidence"] < out["incidence_threshold"] * params["near_factor"],
        ],
        ["unknown", "ready", "near"],
        "not_ready",
    )
    return out


def area_readiness(
    measured: pd.DataFrame, villages: pd.DataFrame, params: dict
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Village and county summaries: registered poor households and persons, expected exits
    next year, current and projected incidence against the 2 % (3 % west) threshold, and
    readiness. Villages without a registered poor household count, and are ready."""
    place = villages[
        ["county_code", "county", "township", "village_code", "village", "region", "population"]
    ]
    village = _readiness(place.merge(_area_sums(measured, "village_code"), how="left"), params)
    county = (
        place.groupby(["county_code", "county", "region"])
        .agg(population=("population", "sum"), villages=("village_code", "size"))
        .reset_index()
    )
    county = _readiness(county.merge(_area_sums(measured, "county_code"), how="left"), params)
    ready = (village["readiness"] == "ready").groupby(village["county_code"]).sum()
    county["villages_ready"] = county["county_code"].map(ready).astype("int64")
    return village.sort_values(["county_code", "village_code"]).reset_index(drop=True), county


def officials_view(measured: pd.DataFrame, params: dict) -> pd.DataFrame:
    """The household list as officials may see it: ID numbers and phones masked and names
    dropped unless the report settings say otherwise."""
    report = params["report"]
    view = measured.copy()
    if report["mask_personal_data"]:
        view["head_id_number"] = mask_id_number(view["head_id_number"])
        view["head_phone"] = mask_phone(view["head_phone"])
    if not report["show_names"]:
        view = view.drop(columns=["head_name"])
    return view


def audit_list(measured: pd.DataFrame, provenance: dict) -> pd.DataFrame:
    """The list as an auditor needs it in MLflow: pseudonymous keys, scores, ranks, flags,
    measure and reason codes — no household codes, names, ID numbers or phones."""
    columns = [
        "household_key",
        "county_code",
        "village_code",
        "exit_probability",
        "raw_score",
        "risk_band",
        "rank_county",
        "rank_township",
        "rank_village",
        "readiness_rank",
        "meets_exit_criteria",
        "marginal",
        "unmet_guarantees",
        "measure_codes",
        "factor_1",
        "factor_2",
        "factor_3",
    ]
    return measured[columns].assign(model_version=provenance["model_version"])


def list_metrics(measured: pd.DataFrame, county: pd.DataFrame, params: dict) -> dict:
    """Counts an auditor compares across runs: households by band and measure (every
    configured one, zero included), expected exits and projected incidence per county (MLflow
    metric history format)."""
    metric = lambda v: {"value": float(v), "step": 0}  # noqa: E731
    out = {"households": metric(len(measured))}
    bands = measured["risk_band"].value_counts()
    out |= {f"band.{b['code']}": metric(bands.get(b["code"], 0)) for b in params["risk_bands"]}
    measures = measured["measure_codes"].str.split(";").explode().value_counts()
    codes = [r["code"] for r in params["measures"]] + [params["default_measure"]["code"]]
    out |= {f"measure.{c}": metric(measures.get(c, 0)) for c in codes}
    for row in county.itertuples(index=False):
        out[f"county_{row.county_code}.expected_exits"] = metric(row.expected_exits)
        out[f"county_{row.county_code}.projected_incidence"] = metric(row.projected_incidence)
        out[f"county_{row.county_code}.villages_ready"] = metric(row.villages_ready)
    return out


def provenance_tags(
    provenance: dict, model_input: pd.DataFrame, households: pd.DataFrame, persons: pd.DataFrame
) -> dict[str, str]:
    """Tags of the ranking run: the model version and training run the lists came from, the
    scoring basis, the code version and digests of the inputs."""
    tags = {
        "model.name": provenance["model_name"],
        "model.version": provenance["model_version"],
        "model.run_id": provenance["model_run_id"],
        "scored_year": str(provenance["year"]),
        "exit_plan_share": str(provenance["exit_plan_share"]),
        "scoring_basis": provenance["basis"]["en"],
    }
    return (
        tags
        | code_tags()
        | input_tags(exit_model_input=model_input, households=households, persons=persons)
    )
