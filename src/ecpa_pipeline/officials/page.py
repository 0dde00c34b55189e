"""One HTML page design for every officials' report: a header block (title, what the list is
and is not, year, model version, privacy), summary cards, optional charts, and tables that
open fast however long the list — rows paged in the browser, searchable, filterable and
sortable, numbers formatted by kind. One self-contained file per report and language: inline
CSS and JS, no network."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from string import Template

import numpy as np
import pandas as pd

from .words import LANGUAGES, text

_CARD_FILL = re.compile(r"fill-([0-9A-Fa-f]{6})")
TEMPLATE = Template((Path(__file__).parent / "page.html").read_text(encoding="utf-8"))

#: How a column's values are shown: numbers right-aligned and formatted (``integer`` and
#: ``yuan`` with thousands separators, ``decimal`` to two places, ``percent<N>`` with N
#: decimals), ``wide`` text wrapped, anything else as it is.
KINDS = ("text", "wide", "integer", "yuan", "decimal", "percent0", "percent1", "percent2")


@dataclass(frozen=True)
class Listing:
    """One table of a report: its rows (labelled columns, in the order to show them — most in
    need first), the kind of each column (``KINDS``; text when absent), the columns offered as
    filters. ``order`` gives a filter's values in meaningful order (bands most at risk
    first) instead of alphabetical. ``fills`` colour cells by value (``{column: {value:
    "RRGGBB"}}``, e.g. a risk band's configured colour) in the page and the workbook alike."""

    id: str
    title: str
    frame: pd.DataFrame
    kinds: dict[str, str] = field(default_factory=dict)
    filters: list[str] = field(default_factory=list)
    fills: dict[str, dict] = field(default_factory=dict)
    order: dict[str, list] = field(default_factory=dict)


def column_data(values: pd.Series) -> dict:
    """A column as JSON: a dictionary and codes where values repeat (bands, villages, reasons
    — what makes a long list heavy), else the values; missing as null."""
    present = values.notna()
    if values.nunique() * 2 < len(values):
        codes, uniques = pd.factorize(values)
        codes = pd.Series(codes, dtype=object).where(present.to_numpy(), None)
        return {"dict": _plain(pd.Series(uniques)), "codes": codes.tolist()}
    return {"values": _plain(values)}


def _plain(values: pd.Series) -> list:
    """Values JSON can hold (numpy numbers become Python's on dumping), missing as None."""
    return values.astype(object).where(values.notna(), None).tolist()


def _json_number(value):
    """numpy scalars as Python numbers, for ``json.dumps``."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _listing_html(listing: Listing, language: str, page_size: int) -> str:
    frame = listing.frame
    columns = list(map(str, frame.columns))
    position = {c: i for i, c in enumerate(columns)}
    unknown = {k for k in listing.kinds.values() if k not in KINDS}
    if unknown:
        raise ValueError(f"column kinds {sorted(unknown)} are not among {KINDS}")
    spec = {
        "columns": columns,
        "kinds": [listing.kinds.get(c, "text") for c in columns],
        "classOf": {
            position[c]: {value: f"fill-{fill}" for value, fill in v.items()}
            for c, v in listing.fills.items()
            if c in position
        },
        "order": {position[c]: v for c, v in listing.order.items() if c in position},
        "data": [column_data(frame[c]) for c in frame.columns],
    }
    # No "<" in a script element's text: "</script" would end it early, "<!--" would change
    # how the browser finds its end. JSON.parse reads \u003c as "<".
    data = json.dumps(spec, ensure_ascii=False, allow_nan=False, default=_json_number)
    data = data.replace("<", "\\u003c")
    search = f'<input type="search" placeholder="{escape(text("search", language))}">'
    selects = "".join(
        f'<label>{escape(c)} <select class="filter" data-column="{position[c]}">'
        f'<option value="">{escape(text("all", language))}</option></select></label>'
        for c in listing.filters
        if c in position
    )
    sizes = sorted({page_size, 50, 200, 1000} - {0})
    options = "".join(
        f'<option value="{n}"{" selected" if n == page_size else ""}>{n}</option>' for n in sizes
    )
    return (
        f'<section class="listing" id="{escape(listing.id)}">'
        f"<h2>{escape(listing.title)} ({len(frame):,})</h2>"
        f'<div class="filters">{search}{selects}</div>'
        f'<div class="pager"><button class="previous">‹</button><span class="page"></span>'
        f'<button class="next">›</button><label>{escape(text("per_page", language))} '
        f'<select class="page-size">{options}</select></label>'
        f'<span class="count info"></span> <span class="hint info">'
        f"{escape(text('sort_hint', language))}</span></div>"
        f'<div class="scroll"><table class="data"></table></div>'
        f'<script type="application/json" class="table-data">{data}</script></section>'
    )


def card(value: str, key: str, fill: str | None = None) -> str:
    """A summary card: a big value and what it is, on a ``fill`` colour (RRGGBB) if given."""
    extra = f" fill-{fill}" if fill else ""
    return (
        f'<div class="card{extra}"><div class="v">{escape(value)}</div>'
        f'<div class="k">{escape(key)}</div></div>'
    )


def report_page(
    title: str,
    language: str,
    info: list[tuple[str, str]],
    about: str,
    cards: list[str],
    listings: list[Listing],
    page_size: int,
    charts: list[tuple[str, str]] = (),
) -> str:
    """A whole page in ``language``: the header block, cards, each listing, then charts
    (``(title, svg)``). The first screen shows the summary and the first rows of the first
    list — the most in need."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    info_rows = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in info)
    sections = "".join(_listing_html(x, language, page_size) for x in listings)
    sections += "".join(f"<h2>{escape(t)}</h2>{svg}" for t, svg in charts)
    fills = {f for x in listings for v in x.fills.values() for f in v.values()}
    fills |= set(_CARD_FILL.findall("".join(cards)))
    colours = " ".join(f".fill-{f} {{ background: #{f}; }}" for f in sorted(fills))
    words = {k: text(k, language) for k in ("shown", "of", "total")}
    return TEMPLATE.substitute(
        lang="zh-CN" if language == "zh" else "en",
        title=escape(title),
        info_rows=info_rows,
        about=f'<p class="about">{escape(about)}</p>' if about else "",
        cards="".join(cards),
        colours=colours,
        sections=sections,
        words=json.dumps(words, ensure_ascii=False),
    )
