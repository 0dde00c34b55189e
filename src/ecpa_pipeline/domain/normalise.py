"""Cell normalisers for raw exports: each real-world variation handled once, vectorised.

Every function takes a ``pd.Series`` of strings as read from a file and returns parsed values
(and, where a value can be unparseable, a boolean mask of the cells that could not be read
so the caller can quarantine or flag the row with a reason).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import pandas as pd

MISSING_MARKERS = frozenset({"", "-", "/", "无", "NULL", "N/A", "#N/A", "NA", "NaN", "nan", "None"})
TRUE_WORDS = frozenset({"是", "有", "Y", "YES", "1", "TRUE", "T", "√"})
FALSE_WORDS = frozenset({"否", "无", "N", "NO", "0", "FALSE", "F", "×"})
_NUMBER = r"^(-?\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$"


def by_unique(func: Callable) -> Callable:
    """Run a column normaliser once per distinct value and spread the result back.

    Exports repeat values a lot (codes, villages, units), so this makes the work scale with
    the number of distinct cells rather than rows. Works for functions returning a Series
    or a tuple of Series aligned with their input.
    """

    @functools.wraps(func)
    def wrapper(values: pd.Series, *args, **kwargs):
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
        if len(uniques) == len(values):
            return func(values, *args, **kwargs)
        result = func(pd.Series(uniques, dtype=values.dtype), *args, **kwargs)

        def spread(part: pd.Series) -> pd.Series:
            out = part.iloc[codes]
            out.index = values.index
            return out

        return tuple(spread(r) for r in result) if isinstance(result, tuple) else spread(result)

    return wrapper


# Characters NFKC leaves unchanged whatever surrounds them (stable alone, not combining,
# never the second half of a composition): ASCII, the CJK unified ideographs and common CJK
# punctuation. Cells made only of them — most cells of an export — need no normalising.
_STABLE_VISIBLE = "\u00b7\u00d7\u2014\u201c\u201d\u221a\u3001\u3002\u3008-\u3011\u4e00-\u9fff"
NFKC_STABLE = "\t\n\r\x20-\x7e" + _STABLE_VISIBLE
_NEEDS_NFKC = f"[^{NFKC_STABLE}]"
# A cell ``clean_text`` leaves as it is (or empty): NFKC-stable, no surrounding blanks, no
# Excel guard (first character neither ``=`` nor ``'``).
_PLAIN = (
    f"(?:[\x21-\x26\x28-\x3c\x3e-\x7e{_STABLE_VISIBLE}]"
    f"(?:[{NFKC_STABLE}]*[\x21-\x7e{_STABLE_VISIBLE}])?)?"
)


def halfwidth(values: pd.Series) -> pd.Series:
    """Full-width digits, letters and punctuation to half-width (NFKC), trimmed.

    >>> halfwidth(pd.Series(["１２．５", "（米）", " ABC "])).tolist()
    ['12.5', '(米)', 'ABC']
    """
    text = values.astype("str")
    changes = text.str.contains(_NEEDS_NFKC, regex=True, na=False)
    if changes.any():
        text = text.mask(changes, text[changes].str.normalize("NFKC"))
    return text.str.strip()


def strip_excel_guard(values: pd.Series) -> pd.Series:
    """Remove Excel text guards: ``="20231101123"`` and a leading apostrophe.

    >>> strip_excel_guard(pd.Series(['="0123"', "'13800000000", "plain"])).tolist()
    ['0123', '13800000000', 'plain']
    """
    guarded = values.str.startswith('="') & values.str.endswith('"') & (values.str.len() >= 3)
    guarded = guarded.fillna(False).astype(bool)
    if guarded.any():
        values = values.mask(guarded, values[guarded].str.slice(2, -1))
    quoted = values.str.startswith("'").fillna(False).astype(bool)
    if quoted.any():
        values = values.mask(quoted, values[quoted].str.slice(1))
    return values


@by_unique
def clean_text(values: pd.Series) -> pd.Series:
    """Half-width, unguarded, trimmed text; missing markers become ``<NA>``."""
    text = values.astype("str")
    # Most cells are plain already (and IDs, names, order numbers are nearly all distinct,
    # so ``by_unique`` saves nothing there): only the others go through the clean-up.
    rest = ~text.str.fullmatch(_PLAIN, na=False)
    if rest.any():
        text = text.mask(rest, strip_excel_guard(halfwidth(text[rest])).str.strip())
    return text.mask(text.isin(MISSING_MARKERS))


def is_missing(values: pd.Series) -> pd.Series:
    """Whether each cell is empty or a missing marker (``-``, ``/``, ``无``, ``NULL`` …)."""
    return clean_text(values).isna()


@by_unique
def parse_bool(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """是/否, 有/无, Y/N, 1/0, TRUE/FALSE → nullable booleans.

    Note ``无`` means *no* here, not *missing*: booleans are read before missing markers.

    Returns:
        The values (``<NA>`` where missing) and a mask of cells that are neither.
    """
    text = strip_excel_guard(halfwidth(values)).str.upper()
    true, false = text.isin(TRUE_WORDS), text.isin(FALSE_WORDS)
    missing = text.isin(MISSING_MARKERS - {"无"})
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[true] = True
    out[false] = False
    return out, ~(true | false | missing)


@by_unique
def parse_number(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers as people type them: ``1,234元``, ``¥1234``, ``￥12.5``, ``约3000``, ``5-8``
    (a range reads as its midpoint), full-width digits.

    Returns:
        Floats (NaN where missing or unreadable) and a mask of unreadable, non-missing cells.

    >>> parse_number(pd.Series(["1,234元", "约3000", "5-8", "１２．５", "", "abc"]))[0].tolist()
    [1234.0, 3000.0, 6.5, 12.5, nan, nan]
    """
    text = clean_text(values)
    # Fast path: most cells are plain numbers; only the rest go through the clean-up.
    number = pd.to_numeric(text, errors="coerce").astype(float)
    rest = text.notna() & number.isna()
    if rest.any():
        compact = (
            text[rest]
            .str.replace(r"[,\s]", "", regex=True)
            .str.replace(r"^(约|大约|¥|￥)+", "", regex=True)
            .str.replace(r"(元|万元)$", "", regex=True)
        )
        parts = compact.str.extract(_NUMBER)
        low = pd.to_numeric(parts[0], errors="coerce")
        high = pd.to_numeric(parts[1], errors="coerce")
        number[rest] = low.where(high.isna(), (low + high) / 2).astype(float)
    return number, text.notna() & number.isna()


_DATE_PATTERNS = [
    # (regex, year/month/day group names) for the contract's written forms
    re.compile(
        r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"
        r"(?:[ T](?P<t>\d{1,2}:\d{2}(?::\d{2})?))?"
    ),
    re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
]
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


@by_unique
def parse_date(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates in the contract's forms: ``2016-05-23``, ``2016/5/23``, ``2016/5/23 22:02``,
    ``20160523``, ``2016年5月23日``, ISO timestamps, and Excel serial numbers.

    Returns:
        ``datetime64[ns]`` values (NaT where missing/unreadable) and the unreadable mask.

    >>> dates, _ = parse_date(pd.Series(["2016/5/23 22:02", "20160523", "2016年5月23日", "42513"]))
    >>> dates.dt.strftime("%Y-%m-%d %H:%M").tolist()
    ['2016-05-23 22:02', '2016-05-23 00:00', '2016-05-23 00:00', '2016-05-23 00:00']
    """
    text = clean_text(values)
    # Fast path: the ISO forms most systems export; the loop below reads the rest.
    result = pd.to_datetime(text, format="ISO8601", errors="coerce").astype("datetime64[ns]")
    for pattern in _DATE_PATTERNS:
        todo = result.isna() & text.notna()
        if not todo.any():
            break
        parts = text[todo].str.extract(pattern)
        clock = parts["t"].fillna("00:00") if "t" in parts else "00:00"
        iso = (
            parts["y"] + "-" + parts["m"].str.zfill(2) + "-" + parts["d"].str.zfill(2) + " " + clock
        )
        parsed = pd.to_datetime(iso, format="mixed", errors="coerce")
        result[todo] = parsed
    # Excel serial day numbers (1900 date system), as found in .xlsx date cells read as numbers.
    todo = result.isna() & text.notna()
    serial = pd.to_numeric(text[todo], errors="coerce")
    plausible = serial.between(20_000, 80_000)
    result[serial[plausible].index] = EXCEL_EPOCH + pd.to_timedelta(serial[plausible], unit="D")
    return result, text.notna() & result.isna()


@by_unique
def match_codes(
    values: pd.Series, code_list: list[str], variants: dict[str, str] | None = None
) -> tuple[pd.Series, pd.Series]:
    """Map free spellings onto a code list: exact (after width/space normalisation), then
    known variants (``大病`` → ``患有大病``), then a unique code containing the text.

    Returns:
        Canonical codes (``<NA>`` where missing or not matched) and the not-matched mask.
    """
    text = clean_text(values).str.replace(r"\s+", "", regex=True)
    canon = dict(zip(halfwidth(pd.Series(code_list, dtype="str")), code_list, strict=True))
    # Text throughout: a lookup that finds nothing gives floats, which text cannot take.
    mapped = text.map(canon).astype("str")
    if variants:
        mapped = mapped.fillna(text.map(variants).astype("str"))
    todo = mapped.isna() & text.notna()
    if todo.any():
        # A unique code that contains the spelling (苗 → 苗族, 弱劳动力 → 弱劳动力或半劳动力).
        unique = pd.Series(text[todo].unique())
        hits = {u: [c for c in code_list if u and u in c] for u in unique}
        resolved = {u: h[0] for u, h in hits.items() if len(h) == 1}
        mapped[todo] = text[todo].map(resolved).astype("str")
    return mapped, text.notna() & mapped.isna()
