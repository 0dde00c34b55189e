"""The product lists (一村一品) as officials read them, in the one design of every officials'
report (``officials``): per county and language a workbook and a page with each village's
*expand* and *develop* lists — one line per product: expected revenue, its range and a short
why — and the products a constraint removed, with the reason."""

from __future__ import annotations

import pandas as pd
from openpyxl import Workbook

from ecpa_pipeline.officials import county_file_stem
from ecpa_pipeline.officials.page import Listing, card, report_page
from ecpa_pipeline.officials.words import WORDS as SHARED
from ecpa_pipeline.officials.words import text
from ecpa_pipeline.officials.workbook import info_rows, listing_table, sheet_title

WORDS = {
    **SHARED,
    "title": ("一村一品：各村特色产品推荐", "One village, one product: recommendations"),
    "lists": ("各村产品清单", "Product lists by village"),
    "lists_sheet": ("产品清单", "Product lists"),
    "excluded": ("未列入的产品（硬性条件）", "Products left out (hard constraints)"),
    "excluded_sheet": ("未列入产品", "Left out"),
    "about_sheet": ("说明", "About"),
    "data_year": ("数据年度", "Data year"),
    "expand": ("拓展现有产品", "expand current production"),
    "develop": ("发展新产品", "develop a new product"),
    "villages": ("行政村数", "villages"),
    "develop_count": ("有“发展新产品”推荐的村", "villages with a product to develop"),
    "excluded_count": ("因硬性条件未列入", "left out by a constraint"),
    "purpose": (
        "每村两张清单：“拓展现有产品”按本村现有规模估算网销收入，“发展新产品”按全县标准规模估算。"
        "收入为模型对相似村网销情况的估计，不是承诺；产品须在产品目录适宜地形与海拔范围内，"
        "且预期收入不低于最低标准，不满足条件的产品列在“未列入的产品”中并注明原因。"
        "一个清单少于三个产品表示其余产品未满足条件。",
        "Two lists per village: 'expand' estimates online revenue at the village's current "
        "scale, 'develop' at the county's standard scale. Revenues are the model's estimates "
        "from comparable villages' online sales, not promises; a product must fit the "
        "catalogue's terrain and elevation range and reach the minimum expected revenue — "
        "those that do not are listed under 'left out' with the reason. A list of fewer than "
        "three products means the others did not pass.",
    ),
}
COLUMNS = {
    "township": ("乡镇", "township"),
    "village": ("行政村", "village"),
    "list": ("清单", "list"),
    "rank": ("排名", "rank"),
    "product": ("产品", "product"),
    "expected_revenue_yuan": ("预期网销收入（元/年）", "expected online revenue (yuan a year)"),
    "band": ("收入范围与规模", "range and scale"),
    "why": ("简要理由", "why"),
    "rationale": ("依据", "evidence"),
    "reason": ("原因", "reason"),
}
LIST_COLUMNS = [
    "township", "village", "list", "rank", "product", "expected_revenue_yuan", "band", "why",
    "rationale",
]  # fmt: skip
LEFT_OUT_COLUMNS = ["township", "village", "list", "product", "expected_revenue_yuan", "reason"]
KINDS = {"rank": "integer", "expected_revenue_yuan": "yuan", "rationale": "wide", "why": "wide"}


def _shown(rows: pd.DataFrame, language: str, columns: list[str]) -> pd.DataFrame:
    """Rows in ``language`` with labelled ``columns``."""
    zh = language == "zh"
    table = rows.assign(
        list=rows["list"].map({k: text(k, language, WORDS) for k in ("expand", "develop")}),
        product=rows["product_name" if zh else "product_name_en"],
        band=rows.get("expected_revenue_band" if zh else "expected_revenue_band_en"),
        why=rows.get(f"why_{language}"),
        rationale=rows.get(f"rationale_{language}"),
        reason=rows.get(f"reason_{language}"),
    )
    return table[columns].rename(columns={c: text(c, language, COLUMNS) for c in columns})


def _listings(recommended: pd.DataFrame, excluded: pd.DataFrame, language: str):
    label = lambda c: text(c, language, COLUMNS)  # noqa: E731
    place = [label("township"), label("village")]
    order = [text(k, language, WORDS) for k in ("expand", "develop")]
    kinds = {label(c): k for c, k in KINDS.items()}
    return (
        Listing(
            id="product_lists",
            title=text("lists", language, WORDS),
            frame=_shown(recommended, language, LIST_COLUMNS),
            kinds=kinds,
            filters=[*place, label("list")],
            order={label("list"): order},
        ),
        Listing(
            id="left_out",
            title=text("excluded", language, WORDS),
            frame=_shown(excluded, language, LEFT_OUT_COLUMNS),
            kinds=kinds,
            filters=[*place, label("reason")],
        ),
    )


def county_product_reports(
    recommendations: pd.DataFrame,
    exclusions: pd.DataFrame,
    villages: pd.DataFrame,
    latest: pd.DataFrame,
    model,
    officials: dict,
) -> tuple[dict[str, Workbook], dict[str, str]]:
    """Per county and language (``<county_code>_<county>_<language>``): the workbook and the
    page of the villages' product lists; ``latest`` (the candidate rows scored) gives the
    data year, ``model`` (the logged ``village_products`` pyfunc) its MLflow run."""
    place = villages[["village_code", "county_code", "county"]].drop_duplicates("village_code")
    recommended = recommendations.merge(place, on="village_code", how="left")
    recommended = recommended.assign(
        order=recommended["list"].map({"expand": 0, "develop": 1})
    ).sort_values(["village_code", "order", "rank"], kind="stable")
    excluded = exclusions.merge(place, on="village_code", how="left").sort_values(
        ["village_code", "list", "would_rank"], kind="stable"
    )
    year = int(latest["year"].max())
    run = model.metadata.run_id  # the run that logged this model version
    workbooks, pages = {}, {}
    counties = place.drop_duplicates("county_code")
    for language in officials["languages"]:
        info = [
            (text("data_year", language, WORDS), str(year)),
            (text("model", language, WORDS), f"village_products (MLflow run {run})"),
        ]
        for county in counties.itertuples(index=False):
            mine = recommended[recommended["county_code"] == county.county_code]
            left_out = excluded[excluded["county_code"] == county.county_code]
            if mine.empty and left_out.empty:
                continue
            listings = _listings(mine, left_out, language)
            name = f"{county_file_stem(str(county.county_code), str(county.county))}_{language}"
            cards = [
                card(f"{mine['village_code'].nunique():,}", text("villages", language, WORDS)),
                card(
                    f"{mine.loc[mine['list'] == 'develop', 'village_code'].nunique():,}",
                    text("develop_count", language, WORDS),
                ),
                card(f"{len(left_out):,}", text("excluded_count", language, WORDS)),
            ]
            pages[name] = report_page(
                title=f"{county.county} · {text('title', language, WORDS)} ({year + 1})",
                language=language,
                info=info,
                about=text("purpose", language, WORDS),
                cards=cards,
                listings=list(listings),
                page_size=int(officials["page_size"]),
            )
            workbooks[name] = _workbook(listings, info, language)
    return workbooks, pages


def _workbook(listings, info: list, language: str) -> Workbook:
    wb = Workbook()
    about = wb.active
    about.title = sheet_title(text("about_sheet", language, WORDS))
    info_rows(about, [*info, ("", text("purpose", language, WORDS))])
    about.column_dimensions["A"].width, about.column_dimensions["B"].width = 14, 100
    for listing, key in zip(listings, ("lists_sheet", "excluded_sheet")):
        listing_table(wb.create_sheet(sheet_title(text(key, language, WORDS))), listing)
    return wb
