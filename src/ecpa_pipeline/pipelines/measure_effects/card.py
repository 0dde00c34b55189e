"""The measure-effect model card: the method, its assumptions, and the assessment in words."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ecpa_pipeline.markdown import markdown_table

TEMPLATE = Path(__file__).with_name("model_card.md")


def _yuan(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ").replace("-", "−")


def in_words(row: pd.Series, min_treated: int) -> str:
    """One sentence per measure: what it did, how sure, where the records answer, and what
    the naive comparison would have said."""
    name = row["measure"]
    if pd.isna(row["effect"]):
        return (
            f"- **{name}**: no estimate — {int(row['treated'])} households got it where its "
            f"programme ran (fewer than {min_treated} treated or untreated)."
        )
    interval = f"{_yuan(row['effect_low'])} to {_yuan(row['effect_high'])}"
    if row["effect_low"] > 0:
        what = f"raised next year's market income by {_yuan(row['effect'])} yuan ({interval})"
    elif row["effect_high"] < 0:
        what = f"lowered next year's market income by {_yuan(-row['effect'])} yuan ({interval})"
    else:
        what = f"no effect the records can show ({_yuan(row['effect'])} yuan; {interval} holds 0)"
    placebo = " (placebo: it should show none)" if row.get("placebo", False) else ""
    hidden = (
        f" Allowing an unrecorded judgement as strong as the benchmarks: "
        f"{_yuan(row['effect_low_hidden'])} to {_yuan(row['effect_high_hidden'])}"
        + (
            f"; a judgement explaining {row['robustness_value']:.1%} of what the records leave "
            "unexplained, of both who got it and the income, would make it indistinguishable "
            "from none."
            if row["robustness_value"] > 0
            else "."
        )
    )
    return (
        f"- **{name}**{placebo}: {what}; answered for {row['share_with_overlap']:.0%} of the "
        f"{int(row['rows_programme_running'])} household-years where its programme ran "
        f"({int(row['treated_with_overlap'])} treated); the naive comparison of treated and "
        f"untreated households says {_yuan(row['naive_difference'])}.{hidden}"
    )


def model_card(table: pd.DataFrame, train: pd.DataFrame, held_out_year: int, params: dict) -> str:
    """The card (``model_card.md`` filled in) for the assessment ``table``."""
    columns = [
        "measure", "treated_with_overlap", "share_with_overlap", "naive_difference", "effect",
        "effect_low", "effect_high", "effect_low_hidden", "effect_high_hidden",
        "robustness_value",
    ]  # fmt: skip
    shown = table[columns].copy()
    shown["share_with_overlap"] = shown["share_with_overlap"].map(
        lambda v: "" if pd.isna(v) else f"{v:.0%}"
    )
    amounts = ["naive_difference", "effect", "effect_low", "effect_high"]
    for c in [*amounts, "effect_low_hidden", "effect_high_hidden"]:
        shown[c] = shown[c].map(lambda v: "" if pd.isna(v) else _yuan(v))
    shown["robustness_value"] = shown["robustness_value"].map(
        lambda v: "" if pd.isna(v) else f"{v:.1%}"
    )
    years = sorted(train["year"].unique())
    return TEMPLATE.read_text(encoding="utf-8").format(
        measures=", ".join(params["measures"]),
        years_after_exit=params["years_after_exit"],
        train_years=f"{years[0]}–{years[-1]}" if years else "no year",
        train_rows=len(train),
        held_out_year=held_out_year,
        cv=params["cv"],
        forest=", ".join(f"{k} {v}" for k, v in params["forest"].items()),
        modifiers=", ".join(params["effect_modifiers"]),
        measure_benchmark=", ".join(params["sensitivity"]["measure_benchmark"]),
        outcome_benchmark=", ".join(params["sensitivity"]["outcome_benchmark"]),
        controls=", ".join(params["controls"]),
        min_propensity=params["overlap"]["min_propensity"],
        max_propensity=params["overlap"]["max_propensity"],
        confidence=params["confidence"],
        placebo=params["placebo"],
        words="\n".join(in_words(r, params["min_treated"]) for _, r in table.iterrows()),
        table=markdown_table(shown),
    )
