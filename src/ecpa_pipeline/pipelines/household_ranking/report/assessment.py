"""The assessment of the development measures in words (帮扶措施成效评估), as the registered
measure-effect model the lists read found it: which measures raised households' market
income, by how much and how sure, and among the listed households, which kinds are expected
to gain most and least."""

from __future__ import annotations

import pandas as pd

from ecpa_pipeline.domain.rules import evaluate_rule
from ecpa_pipeline.officials.page import Listing

from ..effects import in_reach
from .labels import word

#: The assessment listing's columns: canonical name → (zh, en).
ASSESSMENT_COLUMNS = {
    "measure": ("措施", "measure"),
    "effect": (
        "平均增收（元/户·年，95%区间）",
        "average gain (yuan per household a year, 95% interval)",
    ),
    "verdict": ("评估", "assessment"),
    "hidden": (
        "若干部另有记录外判断（95%区间）",
        "allowing cadres' unrecorded judgement (95% interval)",
    ),
    "who_gains": (
        "本名单中预计受益最多 / 最少的户",
        "listed households expected to gain most / least",
    ),
    "rows": ("评估所用户·年", "household-years assessed"),
    "treated": ("其中得到该措施", "of which got the measure"),
}


def _amount(value: float) -> str:
    return f"{value:+,.0f}"


def _verdict(row, name: str, language: str) -> str:
    """One measure's finding in a sentence: helped, hurt, could not tell, or (the placebo)
    whether the check came out null as it must."""
    if pd.isna(row.effect):
        return word("effect_unknown", language).format(name=name)
    if row.placebo:
        null = row.effect_low <= 0 <= row.effect_high
        key = "placebo_null" if null else "placebo_not_null"
    else:
        key = (
            "effect_up"
            if row.effect_low > 0
            else "effect_down"
            if row.effect_high < 0
            else "effect_unsure"
        )
    return word(key, language).format(
        name=name,
        effect=_amount(row.effect),
        size=f"{abs(row.effect):,.0f}",
        low=_amount(row.effect_low),
        high=_amount(row.effect_high),
    )


def _robustness(row, language: str) -> str:
    """How the finding stands if cadres chose on what the records do not show, as strongly as
    they follow the recorded main cause (the interval allowing it, ``measure_effects``)."""
    if pd.isna(row.effect) or row.placebo or row.effect_low <= 0 <= row.effect_high:
        return ""  # nothing to overturn
    low, high = row.effect_low_hidden, row.effect_high_hidden
    key = "hidden_holds" if low > 0 or high < 0 else "hidden_unsure"
    return word(key, language).format(share=f"{row.robustness_value:.1%}")


def who_gains(view: pd.DataFrame, measure: str, settings: dict, language: str) -> str:
    """Among the listed households eligible for development measures (``settings.eligible``)
    with an estimate the records can answer for, the kind (``settings.kinds``: conditions
    over the list's columns) with the largest and with the smallest mean expected gain from
    ``measure`` ('' without)."""
    gain = view.get(f"gain_{measure}")
    if gain is None or gain.notna().sum() == 0:
        return ""
    eligible = evaluate_rule(settings["eligible"], view, "household_ranking.effects.eligible")
    gain = gain.where(eligible.astype(bool) & in_reach(view, measure))
    kinds = settings["kinds"]
    means = []
    for kind in kinds:  # a handful of kinds; each vectorised over households
        members = evaluate_rule(kind["when"], view, "household_ranking.effects.kinds").astype(bool)
        chosen = gain[members & gain.notna()]
        if len(chosen):
            means.append((float(chosen.mean()), len(chosen), kind[language]))
    if len(means) < 2:
        return ""
    means.sort(key=lambda m: m[0])
    (low, n_low, least), (high, n_high, most) = means[0], means[-1]
    return word("who_gains", language).format(
        most=most,
        most_gain=_amount(high),
        n_most=n_high,
        least=least,
        least_gain=_amount(low),
        n_least=n_low,
    )


def assessment_table(
    assessment: pd.DataFrame, view: pd.DataFrame, params: dict, language: str
) -> pd.DataFrame:
    """The assessment in ``language``: one row per measure (the placebo last) with its
    average effect and interval, the finding in words and who gains most among the listed."""
    settings = params["effects"]
    names = {d["measure"]: d[language] for d in settings["development"]}
    names[settings["placebo"]["measure"]] = settings["placebo"][language]
    rows = []
    ordered = assessment.sort_values("placebo", kind="stable")
    for r in ordered.itertuples(index=False):  # five measures and a placebo
        name = names.get(r.measure, r.measure)
        known = pd.notna(r.effect)
        rows.append(
            {
                "measure": name,
                "effect": (
                    f"{_amount(r.effect)} ({_amount(r.effect_low)} … {_amount(r.effect_high)})"
                    if known
                    else ""
                ),
                "verdict": _verdict(r, name, language) + _robustness(r, language),
                "hidden": (
                    f"{_amount(r.effect_low_hidden)} … {_amount(r.effect_high_hidden)}"
                    if known
                    else ""
                ),
                "who_gains": ""
                if r.placebo or not known
                else who_gains(view, r.measure, settings, language),
                "rows": int(r.rows_with_overlap) if known else 0,
                "treated": int(r.treated_with_overlap) if known else 0,
            }
        )
    # What every figure above rests on, said once under them.
    rows.append({"measure": word("note", language), "verdict": word("effect_caveat", language)})
    table = pd.DataFrame(rows, columns=list(ASSESSMENT_COLUMNS))
    table[["rows", "treated"]] = table[["rows", "treated"]].astype("Int64")
    text = ["measure", "effect", "verdict", "hidden", "who_gains"]
    table[text] = table[text].fillna("")
    return table.rename(columns={c: word(c, language, ASSESSMENT_COLUMNS) for c in table})


def assessment_listing(
    assessment: pd.DataFrame | None, view: pd.DataFrame, params: dict, language: str
) -> list[Listing]:
    """The assessment as a report listing (none when the lists read no effect model)."""
    if assessment is None or assessment.empty:
        return []
    frame = assessment_table(assessment, view, params, language)
    kinds = {word(c, language, ASSESSMENT_COLUMNS): "wide" for c in ("verdict", "who_gains")}
    kinds |= {word(c, language, ASSESSMENT_COLUMNS): "integer" for c in ("rows", "treated")}
    return [
        Listing(
            id="assessment",
            title=word("assessment", language),
            frame=frame,
            kinds=kinds,
        )
    ]
