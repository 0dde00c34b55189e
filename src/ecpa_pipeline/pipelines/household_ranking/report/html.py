"""The officials' HTML report of one county in one language (``officials.page``): the county
summary, the likelihood distribution and readiness of each village as inline SVG charts, and
the household and village lists."""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

from ecpa_pipeline.officials.page import card, report_page

from .labels import AREA_COLUMNS, READINESS, word
from .tables import (
    READINESS_FILLS,
    CountyReport,
    household_listing,
    provenance_lines,
    village_listing,
)

READINESS_FILL = {
    "ready": "#70ad47",
    "near": "#ffc000",
    "not_ready": "#c00000",
    "unknown": "#9aa5b1",
}
LABEL_WIDTH, CHART_WIDTH, ROW, AXIS = 150, 560, 16, 18


def _axis(height: int, ticks: list[float], fmt: str) -> str:
    """Grid lines and tick labels (above the rows, which start at ``AXIS``) of a horizontal
    chart spanning 0 … max(ticks)."""
    top = max(ticks)
    parts = []
    for t in ticks:
        x = LABEL_WIDTH + CHART_WIDTH * t / top
        parts.append(
            f'<line x1="{x:.1f}" y1="{AXIS - 4}" x2="{x:.1f}" y2="{AXIS + height}" '
            f'stroke="#e4e7eb"/>'
            f'<text x="{x:.1f}" y="{AXIS - 6}" text-anchor="middle">{format(t, fmt)}</text>'
        )
    return "".join(parts)


def distribution_svg(households: pd.DataFrame, language: str) -> str:
    """Box plots of the exit likelihood per village (min, quartiles, median, max), villages
    with the lowest median — most in need — on top."""
    p = households.groupby("village")["exit_probability"]
    stats = p.quantile([0, 0.25, 0.5, 0.75, 1]).unstack().sort_values(0.5)
    stats["n"] = p.size()
    height = ROW * len(stats)
    rows = []
    # One SVG group per village: a county has tens to a few hundred.
    for i, (village, q) in enumerate(stats.iterrows()):
        y = AXIS + i * ROW + ROW / 2
        x = {k: LABEL_WIDTH + CHART_WIDTH * q[k] for k in (0, 0.25, 0.5, 0.75, 1)}
        title = (
            f"{village}: n={int(q['n'])}, {word('median', language)} {q[0.5]:.0%}, "
            f"{q[0.25]:.0%}–{q[0.75]:.0%}"
        )
        rows.append(
            f"<g><title>{escape(title)}</title>"
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 4}" text-anchor="end">{escape(village)}</text>'
            f'<line x1="{x[0]:.1f}" y1="{y}" x2="{x[1]:.1f}" y2="{y}" stroke="#52606d"/>'
            f'<rect x="{x[0.25]:.1f}" y="{y - 5}" width="{max(x[0.75] - x[0.25], 1):.1f}" '
            f'height="10" fill="#9fb3c8" stroke="#52606d"/>'
            f'<line x1="{x[0.5]:.1f}" y1="{y - 5}" x2="{x[0.5]:.1f}" y2="{y + 5}" '
            f'stroke="#102a43" stroke-width="2"/></g>'
        )
    axis = _axis(height, [0, 0.25, 0.5, 0.75, 1], ".0%")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" id="distribution" '
        f'width="{LABEL_WIDTH + CHART_WIDTH + 20}" height="{AXIS + height + 8}">'
        f"{axis}{''.join(rows)}</svg>"
    )


def readiness_svg(villages: pd.DataFrame, language: str) -> str:
    """Projected incidence of each village with registered poor households, coloured by
    readiness, with the village's exit threshold marked."""
    shown = villages[villages["households"] > 0].sort_values("projected_incidence", ascending=False)
    top = max(float(shown["projected_incidence"].max() if len(shown) else 0), 0.05)
    step = 0.01 if top <= 0.06 else 0.02 if top <= 0.12 else 0.05
    ticks = list(np.arange(0, top + step, step))
    scale = CHART_WIDTH / ticks[-1]
    height = ROW * len(shown)
    bars = []
    for i, v in enumerate(shown.itertuples(index=False)):  # one bar per village
        y = AXIS + i * ROW
        width = scale * (0 if pd.isna(v.projected_incidence) else v.projected_incidence)
        mark = LABEL_WIDTH + scale * v.incidence_threshold
        status = word(v.readiness, language, READINESS)
        title = f"{v.village}: {v.projected_incidence:.2%} ({status})"
        bars.append(
            f"<g><title>{escape(title)}</title>"
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 12}" text-anchor="end">{escape(v.village)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" height="10" '
            f'fill="{READINESS_FILL[v.readiness]}"/>'
            f'<line x1="{mark:.1f}" y1="{y + 1}" x2="{mark:.1f}" y2="{y + 15}" '
            f'stroke="#102a43" stroke-dasharray="2,2"/></g>'
        )
    legend = " · ".join(
        f'<tspan fill="{colour}">■</tspan> {escape(word(k, language, READINESS))}'
        for k, colour in READINESS_FILL.items()
    )
    threshold = escape(word("threshold", language))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" id="readiness" '
        f'width="{LABEL_WIDTH + CHART_WIDTH + 20}" height="{AXIS + height + 28}">'
        f"{_axis(height, ticks, '.0%')}{''.join(bars)}"
        f'<text x="{LABEL_WIDTH}" y="{AXIS + height + 20}">{legend} · ┆ {threshold}</text></svg>'
    )


def county_html(shown: CountyReport, params: dict, officials: dict, language: str) -> str:
    """One county's report in ``language``: the shared page design with this report's cards,
    charts and two lists (villages, then households most in need first)."""
    label = lambda key: word(key, language, AREA_COLUMNS)  # noqa: E731
    c = shown.county_summary
    cards = [
        card(f"{int(c['households']):,}", label("households")),
        card(f"{int(c['persons']):,}", label("persons")),
        card(f"{c['expected_exits']:,.0f}", label("expected_exits")),
        card(f"{c['current_incidence']:.2%}", label("current_incidence")),
        card(f"{c['projected_incidence']:.2%}", label("projected_incidence")),
        card(f"{c['incidence_threshold']:.0%}", label("incidence_threshold")),
        card(f"{int(c['villages_ready'])} / {int(c['villages'])}", label("villages_ready")),
        card(
            word(c["readiness"], language, READINESS),
            label("readiness"),
            READINESS_FILLS[c["readiness"]],
        ),
    ]
    return report_page(
        title=f"{c['county']} · {word('title', language)} ({shown.provenance['year']})",
        language=language,
        info=provenance_lines(shown.provenance, officials, language),
        about=word("about", language),
        cards=cards,
        listings=[
            household_listing(shown, params, language),
            village_listing(shown, language),
            *shown.assessment,
        ],
        page_size=int(officials["page_size"]),
        charts=[
            (word("distribution", language), distribution_svg(shown.households, language)),
            (word("readiness_chart", language), readiness_svg(shown.village_summary, language)),
        ],
    )
