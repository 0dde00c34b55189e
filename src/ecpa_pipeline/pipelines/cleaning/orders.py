"""Platform order exports → one canonical order-line schema across platforms.

Every line ends attributed to a shop, village, product, time, quantity in kg and amount in
yuan — or in quarantine with a reason. Refunded, refunding and closed lines are kept and
counted but are not revenue (``is_revenue``).
"""

from __future__ import annotations

from pathlib import PurePosixPath

import numpy as np
import pandas as pd

from ecpa_pipeline.domain.normalise import clean_text, parse_date, parse_number
from ecpa_pipeline.domain.units import pack_weight_kg, unit_to_kg

from .catalogues import match_products, product_aliases
from .ledger import (
    FILE,
    ROW,
    accounting,
    find_duplicates,
    read_source,
    screen,
    screen_ranges,
)

REVENUE_STATUSES = ("completed", "pending")


def _taobao(frame: pd.DataFrame) -> pd.DataFrame:
    status = clean_text(frame["order_status"]).fillna("")
    closed_reason = clean_text(frame["close_reason"]).fillna("")
    packs, _ = parse_number(frame["quantity"])
    return pd.DataFrame(
        {
            "order_id": clean_text(frame["order_id"]),
            "shop_key": clean_text(frame["shop_id"]),
            "title": frame["title"],
            "quantity": packs,
            "quantity_kg": pack_weight_kg(frame["title"]) * packs,
            "amount_yuan": parse_number(frame["paid_amount"])[0],
            "order_time": parse_date(frame["created"])[0],
            "status": np.select(
                [
                    status == "交易成功",
                    (status == "交易关闭") & closed_reason.str.contains("退款"),
                    status == "交易关闭",
                ],
                ["completed", "refunded", "closed"],
                "pending",
            ),
        },
        index=frame.index,
    )


def _pinduoduo(frame: pd.DataFrame) -> pd.DataFrame:
    status = clean_text(frame["order_status"]).fillna("")
    after_sale = clean_text(frame["after_sale"]).fillna("")
    packs, _ = parse_number(frame["quantity"])
    weight = pack_weight_kg(frame["spec"]).fillna(pack_weight_kg(frame["title"]))
    return pd.DataFrame(
        {
            "order_id": clean_text(frame["order_id"]),
            # One export per shop: the file name is the shop ID.
            "shop_key": frame[FILE].map({f: PurePosixPath(f).stem for f in frame[FILE].unique()}),
            "title": frame["title"],
            "quantity": packs,
            "quantity_kg": weight * packs,
            "amount_yuan": parse_number(frame["paid_amount"])[0],
            "order_time": parse_date(frame["created"])[0],
            "status": np.select(
                [
                    status == "已取消",
                    after_sale == "退款成功",
                    after_sale == "退款中",
                    status == "已签收",
                ],
                ["closed", "refunded", "refunding", "completed"],
                "pending",
            ),
        },
        index=frame.index,
    )


def _platform_832(frame: pd.DataFrame) -> pd.DataFrame:
    status = clean_text(frame["order_status"]).fillna("")
    quantity, _ = parse_number(frame["quantity"])
    per_unit = unit_to_kg(clean_text(frame["unit"]).fillna(""))
    # Sold by weight (斤, 公斤): quantity × unit; by the box or bag: quantity × pack in the spec.
    per_pack = pack_weight_kg(frame["spec"]).fillna(pack_weight_kg(frame["title"]))
    return pd.DataFrame(
        {
            "order_id": clean_text(frame["order_id"]),
            "shop_key": clean_text(frame["supplier_name"]),
            "title": frame["title"],
            "quantity": quantity,
            "quantity_kg": quantity * per_unit.fillna(per_pack),
            "amount_yuan": parse_number(frame["amount"])[0],
            "order_time": parse_date(frame["created"])[0],
            "status": np.select(
                [status == "已完成", status == "已取消", status == "已退货"],
                ["completed", "closed", "refunded"],
                "pending",
            ),
        },
        index=frame.index,
    )


PLATFORMS = {
    # source: (platform in the shop register, how shops are named in the export, parser)
    "orders_taobao": ("淘宝", "shop_id", _taobao),
    "orders_pinduoduo": ("拼多多", "shop_id", _pinduoduo),
    "orders_832": ("832平台", "shop_name", _platform_832),
}


def clean_orders(
    source: str,
    loaders: dict,
    mapping: dict,
    spec: dict,
    shops: pd.DataFrame,
    products: pd.DataFrame,
    quarantined_shops: set[str] = frozenset(),
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """One platform's exports → canonical order lines.

    ``quarantined_shops`` (IDs and names of shop-register rows in quarantine) gives their
    lines their own reason, ``shop_quarantined``, rather than ``unknown_shop``.

    Returns:
        order lines, ledger entries, accounting row. A platform without files gives empty
        tables (a county need not sell on every platform).
    """
    platform, shop_field, parse = PLATFORMS[source]
    if not loaders:
        return (
            _empty_lines(),
            pd.DataFrame(),
            accounting(source, 0, 0, pd.DataFrame(columns=["outcome", FILE, ROW])),
        )
    raw = read_source(loaders, mapping, spec, source)
    columns = list(mapping)
    # The same line in two overlapping exports counts once (Pinduoduo exports one file per
    # shop, so there the file is part of the line).
    lines = parse(raw)
    register = shops[shops["platform"] == platform].drop_duplicates(shop_field)
    shop = register.set_index(shop_field, drop=False).reindex(lines["shop_key"].to_numpy())
    lines = lines.assign(
        shop_id=shop["shop_id"].to_numpy(), village_code=shop["village_code"].to_numpy()
    )
    raw = raw.assign(village_code=lines["village_code"])  # for the ledger's county
    subset = [FILE, *columns] if source == "orders_pinduoduo" else columns
    dup, dup_entries = find_duplicates(raw, subset, source, likely_key=["order_id", "title"])
    shop_key = lines["shop_key"].fillna("")
    unattributed = lines["village_code"].isna()
    product, ambiguous = match_products(lines["title"], product_aliases(products))
    title = clean_text(lines["title"]).fillna("")
    lines = lines.assign(product_code=product)
    # Every check is row-wise: the first that fails names the reason.
    passed, parts = screen(
        raw,
        [
            ("missing_key", lines["order_id"].isna(), "order_id"),
            ("shop_quarantined", unattributed & shop_key.isin(quarantined_shops), shop_key),
            ("unknown_shop", unattributed, shop_key),
            ("ambiguous_product", ambiguous, title),
            ("unknown_product", product.isna(), title),
            ("unreadable_quantity", lines["quantity"].isna(), raw["quantity"].fillna("")),
            # A sale is of a positive quantity.
            (
                "out_of_range",
                lines["quantity"] <= 0,
                "quantity=" + lines["quantity"].astype("str"),
            ),
            ("no_weight", ~(lines["quantity_kg"] > 0), ""),
            ("missing_amount", lines["amount_yuan"].isna(), ""),
            ("bad_date", lines["order_time"].isna(), ""),
        ],
        source,
        columns,
        out=dup,
    )
    ledger = [dup_entries, *parts]
    lines = lines.take(passed)
    out = pd.DataFrame(
        {
            "platform": platform,
            "order_id": lines["order_id"],
            "shop_id": lines["shop_id"],
            "village_code": lines["village_code"],
            "county_code": lines["village_code"].str[:6],
            "product_code": lines["product_code"],
            "order_time": lines["order_time"],
            "year": lines["order_time"].dt.year.astype("int64"),
            "month": lines["order_time"].dt.month.astype("int64"),
            "quantity_kg": lines["quantity_kg"].astype(float),
            "amount_yuan": lines["amount_yuan"].astype(float),
            "status": lines["status"],
            "is_revenue": lines["status"].isin(REVENUE_STATUSES),
            FILE: raw[FILE].take(passed),
            ROW: raw[ROW].take(passed),
        }
    )
    out, in_range = screen_ranges(out, raw.take(passed), spec["value_ranges"], source, columns)
    ledger = pd.concat([*ledger, *in_range], ignore_index=True).reset_index(drop=True)
    out = out.reset_index(drop=True)
    return out, ledger, accounting(source, len(raw), len(out), ledger)


def _empty_lines() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "platform": pd.Series(dtype="str"),
            "order_id": pd.Series(dtype="str"),
            "shop_id": pd.Series(dtype="str"),
            "village_code": pd.Series(dtype="str"),
            "county_code": pd.Series(dtype="str"),
            "product_code": pd.Series(dtype="str"),
            "order_time": pd.Series(dtype="datetime64[ns]"),
            "year": pd.Series(dtype="int64"),
            "month": pd.Series(dtype="int64"),
            "quantity_kg": pd.Series(dtype=float),
            "amount_yuan": pd.Series(dtype=float),
            "status": pd.Series(dtype="str"),
            "is_revenue": pd.Series(dtype=bool),
            FILE: pd.Series(dtype="str"),
            ROW: pd.Series(dtype="int64"),
        }
    )
