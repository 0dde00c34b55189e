"""Nodes of ``monitoring_visits_model`` (the monthly visit model: trained, evaluated against
the baselines on a held-out year, registered) and ``monitoring_visits`` (one month's visit
lists per township from the registered model).

Personal data (the named person's name and ID number, the head's phone) is joined in for the
officials' lists only and masked there by ``officials.officials_view``; the model, its input
and MLflow see pseudonymous keys only."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ecpa_pipeline.audit import code_tags, input_tags
from ecpa_pipeline.datasets import RegisteredModel
from ecpa_pipeline.domain.identities import identities_of
from ecpa_pipeline.errors import ProjectError

from .evaluate import candidates_against_truth, evaluate_scorers
from .months import (
    FILE,
    KEY,
    ROW,
    household_months,
    identifications,
    last_verified,
    month_number,
    yyyymm,
)
from .plan import capacity_of, choose, still_open

logger = logging.getLogger(__name__)


def yearly_prior(model: RegisteredModel, model_input: pd.DataFrame, key: dict) -> pd.DataFrame:
    """The registered ``monitoring_risk`` model's risk of each household for the year after
    its row (the prior of that year's months). Households monitored at the end of a year have
    no row, and so no prior, the next year."""
    model.check_key(key, "kedro run --pipelines=monitoring_risk")
    settings = model.settings()
    if model_input.empty:  # months of the first export year: no year before
        return pd.DataFrame({KEY: pd.Series(dtype="str"), "year": [], "prior": []})
    scored = model.score(model_input, "monitoring_model_input")
    return pd.DataFrame(
        {
            KEY: model_input[settings["id_column"]].astype("str").to_numpy(),
            "year": model_input["year"].astype("int64").to_numpy() + 1,
            "prior": scored[settings["score_column"]].astype(float).to_numpy(),
        }
    )


def _places(rows: pd.DataFrame, villages: pd.DataFrame) -> pd.DataFrame:
    places = villages[["village_code", "county_code", "county", "township", "village"]]
    return rows.merge(places, on="village_code", how="left")


def visit_model_input(
    clues: pd.DataFrame,
    system: pd.DataFrame,
    prior: pd.DataFrame,
    visits: pd.DataFrame,
    villages: pd.DataFrame,
    params: dict,
) -> pd.DataFrame:
    """Every household-month from the first January after the first export year (the
    export of the year before gives each month its households) to the last month any
    department pushed.

    Raises:
        ProjectError: no clues, or no export year before the clues' last year.
    """
    if clues.empty or system.empty:
        raise ProjectError(
            "monitoring_visits_model needs department alerts (alerts/, contract §10) and a "
            f"monitoring export: {len(clues)} clean clues, {len(system)} export households"
        )
    first = (int(system["year"].min()) + 1) * 12
    months = range(first, int(clues["month"].max()) + 1)
    table = household_months(clues, system, prior, visits, months, params)
    return _places(table, villages)


def select_month(month, clues: pd.DataFrame) -> int:
    """The month to list (a month count): ``latest`` (the last month any department pushed)
    or ``YYYYMM``.

    Raises:
        ProjectError: a month that is not YYYYMM, or one no clean clue was pushed in.
    """
    pushed = sorted(set(clues["month"].tolist()))
    span = f"{yyyymm(pushed[0])}–{yyyymm(pushed[-1])}" if pushed else "none"
    if str(month) == "latest":
        if not pushed:
            raise ProjectError("no department pushed any clue (alerts/ is empty): nothing to list")
        return int(pushed[-1])
    text = str(month)
    if not (text.isdigit() and len(text) == 6 and 1 <= int(text[4:]) <= 12):
        raise ProjectError(f"--params month={text}: give the month as YYYYMM (e.g. 202403)")
    number = int(month_number(int(text))[0])
    if number not in set(pushed):
        raise ProjectError(
            f"--params month={text}: no department pushed a clue that month (pushes {span})"
        )
    return number


def prior_rows(model_input: pd.DataFrame, month: int) -> pd.DataFrame:
    """The yearly model's rows that give the month's year its prior: the year before."""
    return model_input[model_input["year"] == month // 12 - 1].reset_index(drop=True)


def month_rows(
    month: int,
    clues: pd.DataFrame,
    system: pd.DataFrame,
    prior: pd.DataFrame,
    visits: pd.DataFrame,
    villages: pd.DataFrame,
    params: dict,
) -> pd.DataFrame:
    """The household-month rows of the month to list, with their places and the month
    each was last verified by a visit (NaN: never)."""
    rows = household_months(clues, system, prior, visits, [month], params)
    rows["last_verified"] = rows[KEY].map(last_verified(visits, month))
    return _places(rows, villages)


def score_month(
    model: RegisteredModel, rows: pd.DataFrame, key: dict, month: int
) -> tuple[pd.DataFrame, dict]:
    """The registered visit model's probability and reasons for each row; the provenance."""
    model.check_key(key, "kedro run --pipelines=monitoring_visits_model")
    visit_model = model.model.unwrap_python_model()
    missing = [f for f in visit_model.features if f not in rows]
    if missing:
        raise ProjectError(
            f"model {model.name} version {model.version} reads {missing}, which the month's "
            "rows lack: retrain it (kedro run --pipelines=monitoring_visits_model)"
        )
    scored = rows.join(model.model.predict(rows[visit_model.features]))
    provenance = {
        "model_name": model.name,
        "model_version": model.version,
        "model_run_id": model.run_id,
        "score_column": "visit_probability",
        "month": int(yyyymm(month)),
        **key,
    }
    logger.info("Scored %d households for %s", len(scored), provenance["month"])
    return scored, provenance


def plan_month(scored: pd.DataFrame, params: dict) -> pd.DataFrame:
    """The month's visits: each township's capacity filled with the green channel first,
    then by probability (ties by key); each with its place in the township's list and the
    deadline (``deadline.working_days``; green channel: at once). A household a visit has
    verified waits for a new clue episode after that visit."""
    verified = scored.set_index(KEY)["last_verified"].dropna()
    rows = scored[still_open(scored, verified)]
    chosen = rows[choose(rows, ["green_channel", "visit_probability"], params["capacity"])]
    chosen = chosen.sort_values(
        ["county_code", "township", "green_channel", "visit_probability", KEY],
        ascending=[True, True, False, False, True],
    ).reset_index(drop=True)
    chosen["rank_township"] = chosen.groupby(["county_code", "township"]).cumcount() + 1
    # 核查编号: what a township's returned sheet is read back by (contract addition §10a).
    number = pd.Series(np.arange(1, len(chosen) + 1), index=chosen.index).astype("str")
    chosen["visit_id"] = (
        pd.Series(yyyymm(chosen["month"].to_numpy()), index=chosen.index).astype("str")
        + "-"
        + number.str.zfill(4)
    )
    chosen["deadline_days"] = np.where(
        chosen["green_channel"], 0, int(params["deadline"]["working_days"])
    )
    chosen["capacity"] = capacity_of(chosen["township"], params["capacity"])
    return chosen


def clues_in_words(
    clues: pd.DataFrame, keys: pd.Series, month: int, english: dict | None = None
) -> pd.Series:
    """Each key's clues of the last three months, newest first, as officials read them:
    ``医保 住院自付费用高 2025-11（12,300元）`` joined by ``；`` — or, given ``english`` (the
    departments' and alert types' English names), ``medical insurance: high inpatient costs
    2025-11 (12,300 yuan)`` joined by ``; ``."""
    recent = clues[clues[KEY].isin(keys) & clues["month"].between(month - 2, month)]
    recent = recent.sort_values(["month", "event_month"], ascending=False)
    # A stay 医保 pushes again every month is one clue: its latest push (cost to date).
    recent = recent.drop_duplicates([KEY, "episode"])
    event = pd.Series(
        yyyymm(recent["event_month"].fillna(recent["month"]).astype("int64")), index=recent.index
    )
    when = (event // 100).astype("str") + "-" + (event % 100).astype("str").str.zfill(2)
    if english is None:
        what = recent["department"] + " " + recent["alert_type"]
        amount, sep = "（{:,.0f}元）", "；"
    else:
        department = recent["department"].map(english["departments"]).fillna(recent["department"])
        kind = recent["alert_type"].map(english["alert_types"]).fillna(recent["alert_type"])
        what, amount, sep = department + ": " + kind, " ({:,.0f} yuan)", "; "
    money = recent["amount"].map(amount.format, na_action="ignore").fillna("")
    return (what + " " + when + money).groupby(recent[KEY]).agg(sep.join)


def visit_list(
    planned: pd.DataFrame,
    clues: pd.DataFrame,
    alert_identities: pd.DataFrame,
    persons: pd.DataFrame,
    identities: pd.DataFrame,
    keys: pd.DataFrame,
    month: int,
    params: dict,
) -> pd.DataFrame:
    """The officials' rows: household code (none for a new-household candidate), the person
    the latest clue names (name, ID number — masked later; the head where no clue names
    anyone), the head's phone, the clues in words (zh, en) and the reasons (feature codes)."""
    latest = (
        clues[clues[KEY].isin(planned[KEY])].sort_values("month").drop_duplicates(KEY, keep="last")
    )
    named = latest[[KEY, FILE, ROW]].merge(alert_identities, on=[FILE, ROW], how="left")
    out = planned.merge(keys, on=KEY, how="left").merge(
        named[[KEY, "name", "id_number"]], on=KEY, how="left"
    )
    year = month // 12 - 1
    heads = persons[(persons["year"] == year) & (persons["relation"] == "户主")]
    heads = heads[["household_code", "person_code"]].drop_duplicates("household_code")
    heads = heads.merge(identities_of(identities, "monitoring", year), on="person_code")
    heads = heads.drop(columns="person_code").set_index("household_code")
    head = heads.reindex(out["household_code"]).set_axis(out.index)
    # No clue names anyone (a household listed on its yearly risk alone): its head.
    for column in ("name", "id_number"):
        out[column] = out[column].fillna(head[column])
    out["phone"] = head["phone"]
    out["candidate"] = out["household_code"].isna()
    out["clues_zh"] = out[KEY].map(clues_in_words(clues, out[KEY], month)).fillna("")
    english = clues_in_words(clues, out[KEY], month, params["english"])
    out["clues_en"] = out[KEY].map(english).fillna("")
    # The officials' view masks and drops the head_* columns: here they hold the named person.
    return out.rename(
        columns={"name": "head_name", "id_number": "head_id_number", "phone": "head_phone"}
    )


def audit_list(listed: pd.DataFrame, provenance: dict) -> pd.DataFrame:
    """The month's list for MLflow: pseudonymous keys, places by code, probabilities,
    reasons and the plan — no household codes, names, ID numbers or phones."""
    columns = [
        "visit_id",
        KEY,
        "county_code",
        "village_code",
        "township",
        "rank_township",
        "visit_probability",
        "green_channel",
        "candidate",
        "deadline_days",
        "reason_1",
        "reason_2",
        "reason_3",
    ]
    return listed[columns].assign(month=provenance["month"])


def list_keys(listed: pd.DataFrame, provenance: dict) -> dict[str, pd.DataFrame]:
    """The month's visit numbers and the pseudonyms they stand for (local, one file a month):
    a returned sheet's 核查编号 finds its household, a candidate's too, without an ID."""
    keys = listed[["visit_id", KEY, "county_code", "township"]]
    return {str(provenance["month"]): keys.reset_index(drop=True)}


def list_metrics(listed: pd.DataFrame, alerts: pd.DataFrame, month: int) -> dict:
    """The county summary an auditor compares across months (MLflow metric history):
    clues received by department, linked, new candidates, visits planned against capacity."""
    metric = lambda v: {"value": float(v), "step": int(yyyymm(month))}  # noqa: E731
    pushed = alerts[month_number(alerts["push_month"]) == month]
    out = {f"clues.{d}": metric(n) for d, n in pushed["department"].value_counts().items()}
    out["clues.total"] = metric(len(pushed))
    out["clues.linked"] = metric((~pushed["candidate"]).sum())
    out["clues.new_candidates"] = metric(pushed["candidate"].sum())
    out["visits.planned"] = metric(len(listed))
    out["visits.green_channel"] = metric(listed["green_channel"].sum())
    out["visits.candidates"] = metric(listed["candidate"].sum())
    capacity = listed.drop_duplicates(["county_code", "township"])["capacity"].sum()
    out["visits.capacity_of_listed_townships"] = metric(capacity)
    return out


def provenance_tags(
    provenance: dict, alerts: pd.DataFrame, households: pd.DataFrame, model_input: pd.DataFrame
) -> dict[str, str]:
    """Tags of the list run: model version and run, the month, the key's fingerprint, the
    code version and the inputs' digests."""
    tags = {
        "model.name": provenance["model_name"],
        "model.version": provenance["model_version"],
        "model.run_id": provenance["model_run_id"],
        "listed_month": str(provenance["month"]),
        "pseudonym_key_fingerprint": provenance["pseudonym_key_fingerprint"],
    }
    return (
        tags
        | code_tags()
        | input_tags(
            alerts=alerts, monitoring_households=households, monitoring_model_input=model_input
        )
    )


def training_tags(
    key: dict, alerts: pd.DataFrame, households: pd.DataFrame, table: pd.DataFrame
) -> dict[str, str]:
    """Tags of the training run: the key's fingerprint (a list run compares it), the code
    version and the inputs' digests."""
    return (
        dict(key)
        | code_tags()
        | input_tags(alerts=alerts, monitoring_households=households, visit_model_input=table)
    )


def evaluate_visit_model(
    test: pd.DataFrame,
    validation: pd.DataFrame,
    clues: pd.DataFrame,
    model,
    system: pd.DataFrame,
    household_keys: pd.DataFrame,
    resident_keys: pd.DataFrame,
    alert_identities: pd.DataFrame,
    truth_years: pd.DataFrame | None,
    truth_events: pd.DataFrame | None,
    params: dict,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    """``evaluate.evaluate_scorers`` and ``evaluate.candidates_against_truth`` on the
    held-out year (the truth only where simulated); ``model`` as logged (an MLflow pyfunc)
    or as fitted."""
    model = model.unwrap_python_model() if hasattr(model, "unwrap_python_model") else model
    table, monthly, metrics, visits = evaluate_scorers(
        test, validation, clues, model, identifications(system), truth_years, household_keys, params
    )
    candidates = candidates_against_truth(
        test, visits, resident_keys, alert_identities, household_keys, truth_events, truth_years
    )
    logger.info("Visit scorers on the test year:\n%s", table.round(3).to_string(index=False))
    logger.info("New-household candidates: %s", candidates.iloc[0].to_dict())
    metrics |= {f"candidates.{k}": float(v) for k, v in candidates.iloc[0].items()}
    return table, monthly, candidates, {k: {"value": v, "step": 0} for k, v in metrics.items()}
