"""The household list and area summaries in the report language: one rendering shared by
the CSV, the workbook and the HTML report."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ecpa_pipeline.officials import codes_to_words, joined_names
from ecpa_pipeline.officials.page import Listing
from ecpa_pipeline.officials.reasons import reasons_in_words
from ecpa_pipeline.officials.words import model_line, privacy_line

from ..effects import code_flags, in_reach
from ..scoring import GUARANTEES
from .labels import AREA_COLUMNS, CAUSES_EN, HOUSEHOLD_COLUMNS, READINESS, word


@dataclass(frozen=True)
class CountyReport:
    """What one county's workbook and HTML report show: its households (in the report
    language), village and county summaries, each village's product lists in words (one line
    per product, and with the whole evidence for the village's own sheet), and the
    provenance of the scores (year, model version, training run, basis), and the development
    measures' assessment (none, or one listing)."""

    households: pd.DataFrame
    village_summary: pd.DataFrame
    county_summary: pd.Series
    products_by_village: pd.Series
    provenance: dict
    product_evidence_by_village: pd.Series
    assessment: list[Listing] = ()


def _measure_texts(view: pd.DataFrame, params: dict, language: str) -> pd.Series:
    """Each household's measures in words, the village's products filled in where a rule
    names one: ``{product}`` its leading product (the *expand* list's first), ``{new_product}``
    the product it should develop (the *develop* list's first)."""
    rules = [*params["measures"], params["default_measure"]]
    suffix = "" if language == "zh" else "_en"
    fallback = params["no_product"][language]
    names = {
        "{product}": view["village_product" + suffix],
        "{new_product}": view["new_product" + suffix],
    }
    names = {k: v.where(v != "", fallback) for k, v in names.items()}
    sep = word("reason_sep", language)
    text = pd.Series("", index=view.index, dtype="str")
    codes = view["measure_codes"].fillna("")
    for rule in rules:  # a dozen rules; each vectorised over households
        has = codes.str.contains(rf"(?:^|;){rule['code']}(?:;|$)")
        words = pd.Series("", index=view.index, dtype="str")
        for part in re.split(r"(\{product\}|\{new_product\})", rule[language]):
            words = words + names.get(part, part)
        text = text.where(~has, text + np.where(text == "", "", sep) + words)
    return text


def _yuan(amount: pd.Series) -> pd.Series:
    """Whole tens of yuan as text (vectorised: a county's list has thousands of rows)."""
    return amount.round(-1).astype("Int64").astype("str")


def _gain_texts(view: pd.DataFrame, params: dict, language: str) -> pd.Series:
    """Each household's development measures with their expected gain in market income next
    year and its 95 % interval, marked where the household is beyond what the records can
    answer for ('' where the list has no gains: no effect model registered)."""
    development = params["effects"]["development"]
    given = code_flags(view["measure_codes"], [d["rule"] for d in development])
    unit, to = word("yuan", language), word("to", language)
    sep = word("reason_sep", language)
    text = pd.Series("", index=view.index, dtype="str")
    for d in development:  # five measures; each vectorised over households
        gain = view.get(f"gain_{d['measure']}", pd.Series(np.nan, index=view.index))
        shown = given[d["rule"]] & gain.notna()
        sign = pd.Series(np.where(gain >= 0, "+", ""), index=view.index)
        low, high = (
            _yuan(view[f"gain_low_{d['measure']}"]),
            _yuan(view[f"gain_high_{d['measure']}"]),
        )
        beyond = np.where(in_reach(view, d["measure"]), "", word("beyond_reach", language))
        words = (
            d[language]
            + " "
            + sign
            + _yuan(gain)
            + " "
            + unit
            + word("open", language)
            + low
            + to
            + high
            + word("close", language)
            + beyond
        )
        text = text.where(~shown, text + np.where(text == "", "", sep) + words)
    return text


def _rule_choice(view: pd.DataFrame, params: dict, language: str) -> pd.Series:
    """Where the allocation by effect differs from the rules: the development measures the
    rules would have given ('' where the same, or none)."""
    development = params["effects"]["development"]
    rules = code_flags(view["rule_measure_codes"], [d["rule"] for d in development])
    differs = (view["rule_measure_codes"] != view["measure_codes"]).to_numpy()
    names = joined_names(
        rules, {d["rule"]: d[language] for d in development}, word("list_sep", language)
    )
    none = word("none", language)
    return pd.Series(np.where(differs, names.where(names != "", none), ""), index=view.index)


def household_table(view: pd.DataFrame, params: dict, language: str) -> pd.DataFrame:
    """The officials' household list with canonical column names and values in words."""
    yes, no = word("yes", language), word("no", language)
    bands = {b["code"]: b[language] for b in params["risk_bands"]}
    guarantees = {k: v[language] for k, v in GUARANTEES.items()}
    table = view.assign(
        exit_probability=view["exit_probability"].round(3),
        income_per_capita=view["income_per_capita"].round(0).astype("Int64"),
        household_size=view["household_size"].astype("int64"),
        risk_band=view["risk_band"].map(bands),
        meets_exit_criteria=np.where(view["meets_exit_criteria"], yes, no),
        marginal=np.where(view["marginal"], yes, no),
        unmet_guarantees=codes_to_words(
            view["unmet_guarantees"], guarantees, word("list_sep", language)
        ),
        main_cause=view["main_cause"] if language == "zh" else view["main_cause"].map(CAUSES_EN),
        reasons=reasons_in_words(
            view,
            language,
            word("favours", language),
            word("hinders", language),
            word("reason_sep", language),
            params["report"].get("reason_texts"),
            "household_ranking.report.reason_texts",
        ),
        measures=_measure_texts(view, params, language),
        measure_gains=_gain_texts(view, params, language),
        rule_measures=_rule_choice(view, params, language),
    )
    # Without an effect model (or where the rules decided) these say nothing: not shown.
    empty = [c for c in ("measure_gains", "rule_measures") if (table[c] == "").all()]
    table = table.drop(columns=empty)
    columns = [c for c in HOUSEHOLD_COLUMNS if c in table]
    codes = [c for c in ("measure_codes", "rule_measure_codes") if c in table]
    return table[["county_code", "county", "village_code", *columns, *codes]]


def labelled(table: pd.DataFrame, columns: dict, language: str) -> pd.DataFrame:
    """``table``'s known columns renamed to their labels in ``language``, in label order."""
    shown = [c for c in columns if c in table]
    return table[shown].rename(columns={c: word(c, language, columns) for c in shown})


def household_sheet(table: pd.DataFrame, language: str) -> pd.DataFrame:
    """The household list as printed: labelled columns, most in need first."""
    return labelled(table, HOUSEHOLD_COLUMNS, language)


def area_table(areas: pd.DataFrame, language: str) -> pd.DataFrame:
    """A village or county summary in words: readiness labelled, shares rounded."""
    shares = ["current_incidence", "projected_incidence", "incidence_threshold"]
    table = areas.assign(
        readiness=areas["readiness"].map({k: word(k, language, READINESS) for k in READINESS}),
        expected_exits=areas["expected_exits"].round(1),
        **{c: areas[c].round(4) for c in shares},
    )
    return labelled(table, AREA_COLUMNS, language)


def village_product_lines(
    recommendations: pd.DataFrame | None, top: int, language: str, full: bool = False
) -> pd.Series:
    """Per village code: its two product lists (expand current production, develop new
    products), the first ``top`` of each — one line per product (name, expected revenue, a
    short why), or with ``full`` the whole evidence (a village's own page). A list shorter
    than ``top`` says so: the other products fell below a constraint (see the exclusions)."""
    if recommendations is None or recommendations.empty:
        return pd.Series(dtype="str")
    rec = recommendations.assign(village_code=recommendations["village_code"].astype("str"))
    rec = rec[rec["rank"] <= top]
    rec = rec.assign(order=rec["list"].map({"expand": 0, "develop": 1})).sort_values(
        ["village_code", "order", "rank"]
    )
    zh = language == "zh"
    name = rec["product_name"] if zh or "product_name_en" not in rec else rec["product_name_en"]
    band = rec["expected_revenue_band" if zh else "expected_revenue_band_en"].astype("str")
    short_why = f"why_{language}" in rec and not full
    why_column = f"why_{language}" if short_why else f"rationale_{language}"
    line = (
        "  "
        + rec["rank"].astype(str)
        + ". "
        + name.astype("str")
        + ("：" if zh else " — ")
        + band
        + ("；" if zh else "; ")
        + rec[why_column].fillna("").astype("str")
    )
    size = rec.groupby(["village_code", "list"])["rank"].transform("size")
    before, after = word("fewer_products", language).split("{n}")
    short = before + size.astype(str) + after
    heading = rec["list"].map({k: word(k, language) for k in ("expand", "develop")})
    heading = heading + np.where(size < top, " " + short, "")
    line = line.where(rec["rank"] != 1, heading + "\n" + line)
    return line.groupby(rec["village_code"]).agg("\n".join)


def provenance_lines(provenance: dict, officials: dict, language: str) -> list[tuple[str, str]]:
    """What every export says of itself: the year scored, the model version and its training
    run, the basis of the scores, the measure-effect model and the allocation (when the list
    read one), and whether personal data is masked."""
    lines = [
        (word("scored_year", language), str(provenance["year"])),
        (word("model", language), model_line(provenance)),
        (word("basis", language), provenance["basis"][language]),
    ]
    effects = provenance.get("effects") or {}
    if effects.get("effect_model_version"):
        model = {
            "model_name": effects["effect_model_name"],
            "model_version": effects["effect_model_version"],
            "model_run_id": effects["effect_model_run_id"],
        }
        allocation = word(f"allocation_{effects['allocation']}", language)
        lines.append((word("effect_model", language), f"{model_line(model)} · {allocation}"))
    return [*lines, ("", privacy_line(officials, language))]


def village_table(
    village_summary: pd.DataFrame, products_by_village: pd.Series, language: str
) -> pd.DataFrame:
    """A county's village readiness in words, with each village's recommended products."""
    table = area_table(village_summary.drop(columns=["county"]), language)
    products = village_summary["village_code"].map(products_by_village).fillna("")
    table[word("recommended_products", language, AREA_COLUMNS)] = products.to_numpy()
    return table


#: Readiness in colour (cells and cards): ready green, near amber, not ready red.
READINESS_FILLS = {"ready": "C6EFCE", "near": "FFE699", "not_ready": "F8CBAD", "unknown": "E4E7EB"}

#: How each column is shown (``officials.page.KINDS``), by canonical name.
HOUSEHOLD_KINDS = {
    "rank_county": "integer",
    "rank_township": "integer",
    "rank_village": "integer",
    "household_size": "integer",
    "income_per_capita": "yuan",
    "exit_probability": "percent0",
    "readiness_rank": "integer",
    "unmet_guarantees": "wide",
    "reasons": "wide",
    "measures": "wide",
    "measure_gains": "wide",
    "rule_measures": "wide",
}
AREA_KINDS = {
    "population": "integer",
    "households": "integer",
    "persons": "integer",
    "expected_exits": "decimal",
    "high_risk": "integer",
    "meets_exit_criteria": "integer",
    "marginal": "integer",
    "current_incidence": "percent2",
    "projected_incidence": "percent2",
    "incidence_threshold": "percent0",
    "villages": "integer",
    "villages_ready": "integer",
    "recommended_products": "wide",
}


def _labels(kinds: dict, columns: dict, language: str) -> dict:
    return {word(c, language, columns): k for c, k in kinds.items()}


def household_listing(shown: CountyReport, params: dict, language: str) -> Listing:
    """The county's household list as every report shows it: most in need first, bands in
    colour, filters by village and band."""
    band_column = word("risk_band", language, HOUSEHOLD_COLUMNS)
    return Listing(
        id="households",
        title=word("households", language),
        frame=household_sheet(shown.households, language),
        kinds=_labels(HOUSEHOLD_KINDS, HOUSEHOLD_COLUMNS, language),
        filters=[word(c, language, HOUSEHOLD_COLUMNS) for c in ("township", "village")]
        + [band_column],
        fills={band_column: {b[language]: b["colour"] for b in params["risk_bands"]}},
        order={band_column: [b[language] for b in params["risk_bands"]]},
    )


def village_listing(shown: CountyReport, language: str) -> Listing:
    """The county's villages: readiness in colour, with their recommended products."""
    readiness = word("readiness", language, AREA_COLUMNS)
    return Listing(
        id="villages",
        title=word("villages", language),
        frame=village_table(shown.village_summary, shown.products_by_village, language),
        kinds=_labels(AREA_KINDS, AREA_COLUMNS, language),
        filters=[word("township", language, AREA_COLUMNS), readiness],
        fills={readiness: {word(k, language, READINESS): READINESS_FILLS[k] for k in READINESS}},
        order={readiness: [word(k, language, READINESS) for k in READINESS]},
    )
