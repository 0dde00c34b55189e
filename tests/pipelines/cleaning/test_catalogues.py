"""Matching free text (order titles, production names) to catalogue products."""

from __future__ import annotations

import pandas as pd

from ecpa_pipeline.pipelines.cleaning.catalogues import match_products, product_aliases

PRODUCTS = pd.DataFrame(
    {
        "product_code": ["P01", "P02", "P03"],
        "product_name": ["土豆", "土豆粉", "红薯"],
        "aliases": ["马铃薯;洋芋", "", "番薯;地瓜"],
    }
)


def test_the_longest_alias_wins_and_a_tie_between_products_is_ambiguous():
    titles = pd.Series(
        [
            "【扶贫】高山土豆5斤装",  # 土豆 → P01
            "正宗土豆粉 酸辣",  # 土豆粉 (3) beats 土豆 (2) → P02
            "土豆粉配番薯",  # the longest wins even where shorter aliases tie
            "洋芋番薯组合装",  # two products tied on 2 characters: no guess
            "农家腊肉",  # nothing in the catalogue
            "ＦＵＬＬ宽马铃薯",  # full width is normalised before matching
        ]
    )
    product, ambiguous = match_products(titles, product_aliases(PRODUCTS))
    assert product.tolist()[:3] == ["P01", "P02", "P02"]
    assert pd.isna(product[3]) and pd.isna(product[4])
    assert product[5] == "P01"
    assert ambiguous.tolist() == [False, False, False, True, False, False]


def test_repeated_titles_get_the_same_answer():
    titles = pd.Series(["洋芋番薯", "土豆", "洋芋番薯", "土豆"], index=[10, 11, 12, 13])
    product, ambiguous = match_products(titles, product_aliases(PRODUCTS))
    assert product.index.tolist() == [10, 11, 12, 13]
    assert product.tolist()[1::2] == ["P01", "P01"]
    assert ambiguous.tolist() == [True, False, True, False]
