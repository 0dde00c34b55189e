"""A model's reasons as officials read them: each reason's name with the household's own
values (``人均纯收入 1,025 元（明年贫困线 4,200 元）``) and whether it raises or lowers the
score."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ecpa_pipeline.errors import ProjectError

_FIELD = re.compile(r"\{(\w+)(?::(\w+))?\}")


def formatted(values: pd.Series, kind: str | None) -> pd.Series:
    """Numbers as officials read them: ``yuan``/``integer`` rounded with thousands separators,
    ``percent`` as a whole percentage, ``decimal`` to one place; missing as ``?``."""
    number = pd.to_numeric(values, errors="coerce")
    if kind in ("yuan", "integer"):
        text = number.round(0).map("{:,.0f}".format, na_action="ignore")
    elif kind == "percent":
        text = number.map("{:.0%}".format, na_action="ignore")
    elif kind == "decimal":
        text = number.map("{:.1f}".format, na_action="ignore")
    else:
        text = values.astype("str").where(values.notna())
    return text.fillna("?").astype("str")


def filled(template: str, view: pd.DataFrame, where: str) -> pd.Series:
    """``template`` with ``{column}`` / ``{column:kind}`` replaced by each row's value.

    Raises:
        ProjectError: a field names a column the list does not have (``where`` says which
            setting).
    """
    missing = sorted({c for c, _ in _FIELD.findall(template)} - set(view.columns))
    if missing:
        raise ProjectError(
            f"{where}: {template!r} names column(s) {missing} that the list does not have"
        )
    out = pd.Series("", index=view.index, dtype="str")
    for i, part in enumerate(_FIELD.split(template)):  # literal, column, kind, literal, …
        if i % 3 == 0:
            out = out + part
        elif i % 3 == 1:
            out = out + formatted(view[part], _FIELD.split(template)[i + 1])
    return out


def reasons_in_words(
    view: pd.DataFrame,
    language: str,
    towards: str,
    against: str,
    sep: str,
    texts: dict | None = None,
    where: str = "report.reason_texts",
) -> pd.Series:
    """A model's strongest reasons (``factor_<i>`` code, ``factor_<i>_<language>`` name,
    signed ``factor_<i>_contribution``) in words with their direction, e.g.
    ``收入水平：人均纯收入 1,025 元（不利于脱贫）``. ``texts`` (reason code → ``{zh, en}``
    templates over the list's columns) adds the household's values; a reason the model left
    empty (too small to matter) is not shown."""
    open_, close = ("（", "）") if language == "zh" else (" (", ")")
    colon = "：" if language == "zh" else ": "
    texts = texts or {}
    out = pd.Series("", index=view.index, dtype="str")
    for i in (1, 2, 3):
        if f"factor_{i}" not in view:
            break
        code = view[f"factor_{i}"].fillna("").astype("str")
        words = view[f"factor_{i}_{language}"].fillna("").astype("str")
        for reason, template in texts.items():  # a few templates, each vectorised over rows
            has = (code == reason).to_numpy()
            if has.any():
                detail = filled(template[language], view[has], f"{where}.{reason}")
                words[has] = words[has] + colon + detail
        direction = np.where(view[f"factor_{i}_contribution"] > 0, towards, against)
        reason = words + open_ + direction + close
        shown = (code != "").to_numpy()
        out = out.where(~shown, out + np.where(out == "", "", sep) + reason)
    return out
