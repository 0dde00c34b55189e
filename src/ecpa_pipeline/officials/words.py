"""The words every officials' report shares, in each report language."""

from __future__ import annotations

LANGUAGES = ("zh", "en")

#: Page and workbook furniture: key → (zh, en).
WORDS = {
    "search": ("搜索任一列…", "Search any column…"),
    "all": ("全部", "all"),
    "shown": ("显示", "showing"),
    "of": ("/", "of"),
    "total": ("全部", "all"),
    "per_page": ("每页", "per page"),
    "sort_hint": ("点击表头排序", "click a heading to sort"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "model": ("模型", "Model"),
    "masked": ("证件号码与电话已脱敏", "ID numbers and phones are masked"),
    "unmasked": (
        "含未脱敏的个人信息：仅限授权人员",
        "contains unmasked personal data: authorised staff only",
    ),
}


def text(key: str, language: str, table: dict = WORDS) -> str:
    """One label in ``language``: ``table[key]`` is ``(zh, en)`` or ``{"zh": …, "en": …}``."""
    if language not in LANGUAGES:
        raise ValueError(f"report language must be one of {LANGUAGES}, not {language!r}")
    entry = table[key]
    return entry[language] if isinstance(entry, dict) else entry[LANGUAGES.index(language)]


def privacy_line(officials: dict, language: str) -> str:
    """What a report says of the personal data in it."""
    return text("masked" if officials["mask_personal_data"] else "unmasked", language)


def model_line(provenance: dict) -> str:
    """The model version a list came from, with its training run: on every list."""
    return (
        f"{provenance['model_name']} v{provenance['model_version']} "
        f"(MLflow run {provenance['model_run_id']})"
    )
