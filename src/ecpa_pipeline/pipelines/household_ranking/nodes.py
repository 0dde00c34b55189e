"""Nodes of the ``household_ranking`` pipeline: score the latest registered poor households
with the registered exit model (``scoring``), rank them and choose measures (``measures``),
judge village and county readiness (``readiness``), and prepare the officials' view, the
pseudonymous audit list and the run's metrics and tags (here).

Personal data (head's name, ID number, phone) is joined in for the officials' exports only;
it is masked or dropped in ``officials_view`` and never reaches the audit list or MLflow.
"""

from __future__ import annotations

import pandas as pd

from ecpa_pipeline.audit import code_tags, input_tags
from ecpa_pipeline.officials import officials_view

from .effects import measures_with_gains
from .measures import rank_households, recommend_measures
from .readiness import area_readiness, regional_readiness
from .scoring import household_profiles, score_households, select_households_to_score

__all__ = [
    "area_readiness",
    "audit_list",
    "household_profiles",
    "list_metrics",
    "measures_with_gains",
    "officials_view",
    "provenance_tags",
    "rank_households",
    "recommend_measures",
    "regional_readiness",
    "score_households",
    "select_households_to_score",
]


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
        "rule_measure_codes",
        "expected_gain",
        "expected_gain_low",
        "expected_gain_high",
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
    provenance: dict,
    allocation: dict,
    model_input: pd.DataFrame,
    households: pd.DataFrame,
    persons: pd.DataFrame,
) -> dict[str, str]:
    """Tags of the ranking run: the model version and training run the lists came from, the
    scoring basis, how the development measures were allocated (and the effect model's
    version), the code version and digests of the inputs."""
    tags = {
        "model.name": provenance["model_name"],
        "model.version": provenance["model_version"],
        "model.run_id": provenance["model_run_id"],
        "scored_year": str(provenance["year"]),
        "exit_plan_share": str(provenance["exit_plan_share"]),
        "scoring_basis": provenance["basis"]["en"],
        "pseudonym_key_fingerprint": provenance["pseudonym_key_fingerprint"],
        "measures.allocation": allocation["allocation"],
        "measures.effect_model": ":".join(
            filter(None, (allocation["effect_model_name"], allocation["effect_model_version"]))
        ),
        "measures.effect_model_run_id": allocation["effect_model_run_id"],
    }
    return (
        tags
        | code_tags()
        | input_tags(exit_model_input=model_input, households=households, persons=persons)
    )
