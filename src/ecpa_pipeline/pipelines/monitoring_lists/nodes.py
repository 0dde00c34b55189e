"""Nodes of the ``monitoring_lists`` pipeline: the registered ``monitoring_risk`` model
scores the households not monitored at the end of the latest export year (early warning,
with reasons and suggested measures), and every monitored household is checked against the
risk-elimination criteria (who meets them now, who does not yet and why).

Personal data (head's name, ID number, phone) is joined in for the officials' exports only,
masked by ``officials.officials_view``; the audit list and MLflow get pseudonymous keys only.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ecpa_pipeline.audit import code_tags, input_tags
from ecpa_pipeline.datasets import RegisteredModel
from ecpa_pipeline.domain.identities import identities_of
from ecpa_pipeline.domain.registry import ABLE_LABOUR
from ecpa_pipeline.domain.rules import matching_rules
from ecpa_pipeline.officials import joined_names, rank_within, risk_band

logger = logging.getLogger(__name__)

#: Members who count as labour for risk elimination (weak labour included).
LABOUR = (*ABLE_LABOUR, "弱劳动力或半劳动力")
#: Risk-elimination criteria, in the order officials check them, with their words.
CRITERIA = {
    "months": {"zh": "监测未满{min_months}个月", "en": "monitored less than {min_months} months"},
    "measure": {"zh": "尚无帮扶措施", "en": "no measure yet"},
    "income": {"zh": "人均纯收入低于监测线", "en": "income below the monitoring line"},
    "spending": {"zh": "医疗自付支出仍高", "en": "medical costs still high"},
    "labour": {
        "zh": "整户无劳动力（暂不消除）",
        "en": "no labour in the household (stays monitored)",
    },
}


def _year(table: pd.DataFrame, params: dict) -> int:
    return int(table["year"].max()) if params["year"] == "latest" else int(params["year"])


def households_to_warn(model_input: pd.DataFrame, params: dict) -> pd.DataFrame:
    """The model-input rows of the listed year: households in the system not monitored at
    its end (the early warning is for the next year).

    Raises:
        ValueError: the year has no such households (no monitoring export, or another year).
    """
    year = _year(model_input, params) if len(model_input) else params["year"]
    rows = model_input[model_input["year"] == year].reset_index(drop=True)
    if rows.empty:
        raise ValueError(
            f"no households to warn of in {year}: monitoring_model_input has years "
            f"{sorted(model_input['year'].unique().tolist())} (is there a monitoring export?)"
        )
    return rows


def score_warnings(
    model: RegisteredModel, rows: pd.DataFrame, key: dict
) -> tuple[pd.DataFrame, dict]:
    """Risk and the three strongest reasons of each household, as the registered model
    version returns them; the provenance of the scores."""
    model.check_key(key, "kedro run --pipelines=monitoring_risk")
    settings = model.settings()
    out = model.score(rows, "monitoring_model_input").rename(
        columns={settings["id_column"]: "household_key"}
    )
    year = int(rows["year"].iloc[0])
    provenance = {
        "model_name": model.name,
        "model_version": model.version,
        "model_run_id": model.run_id,
        "score_column": settings.get("score_column", "exit_probability"),
        "year": year,
        **key,
    }
    logger.info("Scored %d households not monitored at the end of %d", len(out), year)
    return out, provenance


def _heads(persons: pd.DataFrame, identities: pd.DataFrame, year: int) -> pd.DataFrame:
    """Each household's head (personal data from the restricted ``identities``, masked
    later) and its number of members with labour, in ``year``."""
    year_rows = persons[persons["year"] == year]
    head = (
        year_rows[year_rows["relation"] == "户主"][["household_code", "person_code"]]
        .drop_duplicates("household_code")
        .merge(identities_of(identities, "monitoring", year), on="person_code", how="left")
        .drop(columns="person_code")
    )
    labour = year_rows["labour_skill"].isin(LABOUR).groupby(year_rows["household_code"]).sum()
    return head.rename(
        columns={"name": "head_name", "id_number": "head_id_number", "phone": "head_phone"}
    ).merge(labour.rename("members_with_labour").reset_index(), on="household_code", how="left")


def _places(villages: pd.DataFrame) -> pd.DataFrame:
    return villages[["village_code", "county_code", "county", "township", "village"]]


def warning_list(
    scores: pd.DataFrame,
    rows: pd.DataFrame,
    households: pd.DataFrame,
    persons: pd.DataFrame,
    identities: pd.DataFrame,
    villages: pd.DataFrame,
    keys: pd.DataFrame,
    provenance: dict,
    params: dict,
) -> pd.DataFrame:
    """The early-warning list: each household not monitored, its risk band, rank within
    county and village (highest risk first; ties by the raw score, then the code), reasons
    and suggested measure codes."""
    year, score = provenance["year"], provenance["score_column"]
    listed = households[households["year"] == year][["household_code", "monitoring_line"]]
    table = (
        rows.merge(scores, on="household_key", how="left", validate="one_to_one")
        .merge(keys, on="household_key", how="left")
        .merge(listed, on="household_code", how="left")
        .merge(_heads(persons, identities, year), on="household_code", how="left")
        .drop(columns=["county_code"])
        .merge(_places(villages), on="village_code", how="left")
    )
    need, down = [score, "raw_score", "household_code"], [False, False, True]
    table["able_labour"] = table["n_labour_ordinary"] + table["n_labour_skilled"]
    table["rank_county"] = rank_within(table, need, down, "county_code")
    table["risk_band"] = risk_band(table["rank_county"], table["county_code"], params["risk_bands"])
    table["rank_village"] = rank_within(table, need, down, "village_code")
    flags = matching_rules(
        table, params["measures"], params["default_measure"]["code"], "monitoring_lists.measures"
    )
    table["measure_codes"] = joined_names(flags, {c: c for c in flags.columns})
    return table.sort_values(["county_code", "rank_county"]).reset_index(drop=True)


def elimination_status(
    households: pd.DataFrame,
    persons: pd.DataFrame,
    identities: pd.DataFrame,
    villages: pd.DataFrame,
    keys: pd.DataFrame,
    provenance: dict,
    params: dict,
) -> pd.DataFrame:
    """Every household monitored at the end of the listed year against the risk-elimination
    criteria: whether it meets them all now, and the codes of those it does not meet yet."""
    year, rules = provenance["year"], params["elimination"]
    hh = households[(households["year"] == year) & households["monitored_now"]].copy()
    hh = hh.merge(_heads(persons, identities, year), on="household_code", how="left")
    since = hh["monitoring_since"].astype("Float64")
    months = (year * 12 + 12) - ((since // 100) * 12 + since % 100)
    measures = [c for c in hh.columns if c.startswith("measure_")]
    net = hh["net_income"].where(hh["net_income"] > 0)
    unmet = {
        "months": ~(months >= rules["min_months"]).fillna(False),
        "measure": ~hh[measures].fillna(False).astype(bool).any(axis=1),
        "income": ~(hh["income_to_line"] >= 1).fillna(False),
        "spending": (hh["medical_out_of_pocket"] / net >= rules["max_medical_share"]).fillna(False),
        "labour": hh["members_with_labour"].fillna(0) == 0,
    }
    codes = pd.Series("", index=hh.index, dtype="str")
    for code, failed in unmet.items():
        hit = failed.to_numpy(bool)
        codes = codes.where(~hit, codes + np.where(codes == "", "", ";") + code)
    hh["months_monitored"] = months.astype("Int64")
    hh["unmet_criteria"] = codes
    hh["meets_elimination_criteria"] = codes == ""
    in_place = hh[measures].fillna(False).astype(bool)
    codes_of = {c: c.removeprefix("measure_") for c in measures}
    hh["measures_in_place"] = joined_names(in_place, codes_of)  # report.MEASURES_IN_PLACE
    hh = (
        hh.merge(keys, on="household_code", how="left")
        .drop(columns=["county_code"], errors="ignore")
        .merge(_places(villages), on="village_code", how="left")
    )
    return hh.sort_values(
        ["county_code", "meets_elimination_criteria", "village_code", "household_code"],
        ascending=[True, False, True, True],
    ).reset_index(drop=True)


def audit_list(warnings: pd.DataFrame, elimination: pd.DataFrame, provenance: dict):
    """Both lists as an auditor needs them in MLflow: pseudonymous keys, scores, ranks,
    reasons, measure and criteria codes — no household codes, names, ID numbers or phones."""
    score = provenance["score_column"]
    early = warnings[
        [
            "household_key",
            "county_code",
            "village_code",
            score,
            "raw_score",
            "risk_band",
            "rank_county",
            "rank_village",
            "measure_codes",
            "factor_1",
            "factor_2",
            "factor_3",
        ]
    ].assign(list="early_warning")
    status = elimination[
        [
            "household_key",
            "county_code",
            "village_code",
            "monitoring_category",
            "months_monitored",
            "meets_elimination_criteria",
            "unmet_criteria",
        ]
    ].assign(list="risk_elimination")
    return pd.concat([early, status], ignore_index=True).assign(
        model_version=provenance["model_version"], year=provenance["year"]
    )


def list_metrics(warnings: pd.DataFrame, elimination: pd.DataFrame, params: dict) -> dict:
    """Counts an auditor compares across runs (MLflow metric history format): households
    warned of by band and measure, monitored households meeting the criteria, and unmet
    criteria by code — every configured code, zero included."""
    metric = lambda v: {"value": float(v), "step": 0}  # noqa: E731
    out = {"early_warning.households": metric(len(warnings))}
    bands = warnings["risk_band"].value_counts()
    out |= {
        f"early_warning.band.{b['code']}": metric(bands.get(b["code"], 0))
        for b in params["risk_bands"]
    }
    measures = warnings["measure_codes"].str.split(";").explode().value_counts()
    codes = [r["code"] for r in params["measures"]] + [params["default_measure"]["code"]]
    out |= {f"early_warning.measure.{c}": metric(measures.get(c, 0)) for c in codes}
    out["risk_elimination.monitored"] = metric(len(elimination))
    out["risk_elimination.meets_criteria"] = metric(elimination["meets_elimination_criteria"].sum())
    unmet = elimination["unmet_criteria"].str.split(";").explode().value_counts()
    out |= {f"risk_elimination.unmet.{c}": metric(unmet.get(c, 0)) for c in CRITERIA}
    return out


def provenance_tags(
    provenance: dict, model_input: pd.DataFrame, households: pd.DataFrame, persons: pd.DataFrame
) -> dict[str, str]:
    """Tags of the list run: the model version and training run, the year listed, the key's
    fingerprint, the code version and the inputs' digests."""
    tags = {
        "model.name": provenance["model_name"],
        "model.version": provenance["model_version"],
        "model.run_id": provenance["model_run_id"],
        "listed_year": str(provenance["year"]),
        "pseudonym_key_fingerprint": provenance["pseudonym_key_fingerprint"],
    }
    return (
        tags
        | code_tags()
        | input_tags(
            monitoring_model_input=model_input,
            monitoring_households=households,
            monitoring_persons=persons,
        )
    )
