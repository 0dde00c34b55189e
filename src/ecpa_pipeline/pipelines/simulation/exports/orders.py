"""Platform order exports: Taobao (GBK, quarterly files), Pinduoduo (one file per shop), 832."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..defects import MARK, mark, pick, with_marks
from . import _fmt_g, _num, _product_names

BUYER_CITIES = np.array(
    [
        "广东省 广州市 天河区",
        "广东省 深圳市 南山区",
        "上海 上海市 浦东新区",
        "北京 北京市 朝阳区",
        "浙江省 杭州市 西湖区",
        "江苏省 南京市 鼓楼区",
        "四川省 成都市 武侯区",
        "湖北省 武汉市 洪山区",
        "山东省 济南市 历下区",
        "福建省 厦门市 思明区",
        "贵州省 贵阳市 云岩区",
        "重庆 重庆市 渝中区",
    ]
)
POSTCODES = np.array(
    [
        "510000",
        "518000",
        "200120",
        "100020",
        "310000",
        "210000",
        "610000",
        "430000",
        "250000",
        "361000",
        "550000",
        "400000",
    ]
)
LOGISTICS = np.array(
    ["中通快递", "圆通速递", "韵达快递", "申通快递", "邮政EMS", "顺丰速运", "极兔速递"]
)
TITLE_PREFIX = np.array(["【扶贫助农】", "【产地直发】", "【助农】", "", ""])
TITLE_ADJ = np.array(["正宗", "新鲜", "农家", "精选", ""])
TITLE_SUFFIX = np.array([" 新鲜现摘", " 包邮", " 农家自产", " 顺丰包邮", ""])
UNMAPPABLE_TITLES = np.array(
    ["农家特产 新鲜现货 包邮", "山里好货 助农特惠", "扶贫礼盒 年货节", "土特产组合装"]
)


def _pack_text(pack_jin: np.ndarray, rng) -> np.ndarray:
    """The pack weight as titles and specs write it: 5斤装, 2.5kg, 2.5kg*2箱, 250g."""
    kg = pack_jin / 2
    style = rng.integers(0, 4, len(pack_jin))
    jin_txt = _fmt_g(pack_jin) + "斤装"
    kg_txt = _fmt_g(kg) + "kg"
    split_txt = _fmt_g(kg / 2) + "kg*2箱"
    gram_txt = _fmt_g(kg * 1000) + "g"
    return np.select(
        [pack_jin < 1, style == 0, style == 1, style == 2],
        [gram_txt, jin_txt, kg_txt, split_txt],
        jin_txt,
    )


def _titles(
    orders: pd.DataFrame, products: pd.DataFrame, rates: dict, rng
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Listing titles (with product name or alias), pack texts, and the unmappable mask."""
    n = len(orders)
    p_idx = pd.Index(products["product_code"]).get_indexer(orders["product_code"])
    names, _ = _product_names(products, p_idx, 0.5, rng)
    pick_ = lambda arr: arr[rng.integers(0, len(arr), n)]  # noqa: E731
    base = pick_(TITLE_PREFIX) + pick_(TITLE_ADJ) + names
    pack = _pack_text(orders["pack_jin"].to_numpy(), rng)
    unmappable = pick(rng, n, rates["orders_unmappable_title"])
    base = np.where(unmappable, pick_(UNMAPPABLE_TITLES), base)
    return base, pack, unmappable


def _file_key(created: pd.Series, period: str) -> np.ndarray:
    ts = pd.DatetimeIndex(created)
    if period == "quarter":
        return (ts.year.astype(str) + "Q" + ts.quarter.astype(str)).to_numpy()
    return ts.year.astype(str).to_numpy()


def _split_with_overlap(
    frame: pd.DataFrame, keys: np.ndarray, rate: float, rng
) -> dict[str, pd.DataFrame]:
    """Split by export period; a few lines of each period reappear in the next period's file
    (exports downloaded with overlapping date ranges)."""
    files = {}
    periods = sorted(set(keys))
    carry = None
    for period in periods:
        part = frame[keys == period]
        if carry is not None and len(carry):
            part = pd.concat([carry, part], ignore_index=True)
        files[period] = part.reset_index(drop=True)
        chosen = pick(rng, len(part), rate) & (part[MARK].to_numpy() == "")
        carry = part[chosen].copy()
        carry[MARK] = "orders_duplicate_across_files;"
    return files


def taobao_files(
    orders: pd.DataFrame,
    shops: pd.DataFrame,
    products: pd.DataFrame,
    contract: dict,
    rates: dict,
    rng,
) -> dict[str, pd.DataFrame]:
    """Taobao seller exports, one file per quarter (GBK, trailing-space headers)."""
    n = len(orders)
    base, pack, unmappable = _titles(orders, products, rates, rng)
    title = base + pack + TITLE_SUFFIX[rng.integers(0, len(TITLE_SUFFIX), n)]
    created = pd.DatetimeIndex(orders["created"])
    paid = created + pd.to_timedelta(rng.integers(20, 1800, n), unit="s")
    status = orders["status"].to_numpy()
    unpaid = status == "关闭"
    total = orders["amount"].to_numpy() + orders["postage"].to_numpy()
    shop_name = shops.set_index("shop_id")["shop_name"].reindex(orders["shop_id"]).to_numpy()
    city = rng.integers(0, len(BUYER_CITIES), n)
    phone = np.char.add(
        "1" + np.array(["38", "39", "58", "86", "89"])[rng.integers(0, 5, n)],
        np.char.zfill(rng.integers(0, 10**8, n).astype(str), 8),
    )
    frame = pd.DataFrame(
        {
            "order_id": '="'
            + pd.Series(orders["order_seq"].to_numpy() * 7919 + 10**17 * 3).astype(str)
            + '"',
            "buyer_nick": "tb" + pd.Series(rng.integers(10**6, 10**9, n)).astype(str),
            "goods_amount": _num(orders["amount"]),
            "postage": _num(orders["postage"]),
            "total_amount": _num(total),
            "paid_amount": np.where(unpaid, "0", _num(total)),
            "order_status": np.select(
                [status == "成功", status == "关闭", status == "退款"],
                ["交易成功", "交易关闭", "交易关闭"],
                np.where(
                    rng.random(n) < 0.5, "买家已付款，等待卖家发货", "卖家已发货，等待买家确认"
                ),
            ),
            "address": BUYER_CITIES[city]
            + " 某街道"
            + rng.integers(1, 300, n).astype(str)
            + "号("
            + POSTCODES[city]
            + ")",
            "buyer_phone": np.char.add("'", phone),
            "created": created.strftime("%Y-%m-%d %H:%M:%S"),
            "paid_at": np.where(unpaid, "", paid.strftime("%Y-%m-%d %H:%M:%S")),
            "title": title,
            "quantity": orders["packs"].astype(str).to_numpy(),
            "shop_id": orders["shop_id"].to_numpy(),
            "shop_name": shop_name,
            "logistics": np.where(unpaid, "", LOGISTICS[rng.integers(0, len(LOGISTICS), n)]),
            "close_reason": np.select(
                [status == "关闭", status == "退款"], ["买家不想买了", "退款"], ""
            ),
        }
    )
    frame = with_marks(frame)
    mark(frame, unmappable, "orders_unmappable_title")
    unknown = pick(rng, n, rates["orders_unknown_shop"], ~unmappable)
    frame.loc[unknown, "shop_id"] = (
        "TB9" + pd.Series(rng.integers(10**5, 10**6, int(unknown.sum()))).astype(str).to_numpy()
    )
    mark(frame, unknown, "orders_unknown_shop")
    missing = pick(rng, n, rates["orders_missing_amount"], ~unmappable & ~unknown & ~unpaid)
    frame.loc[missing, "paid_amount"] = ""
    mark(frame, missing, "orders_missing_amount")

    files = _split_with_overlap(
        frame, _file_key(orders["created"], "quarter"), rates["orders_duplicate_across_files"], rng
    )
    headers = {
        k: v + " " * (1 + i % 2) for i, (k, v) in enumerate(contract["orders_taobao"].items())
    }
    return {f"taobao_{k}": f.rename(columns=headers) for k, f in files.items()}


def pinduoduo_files(
    orders: pd.DataFrame, products: pd.DataFrame, contract: dict, rates: dict, rng
) -> dict[str, pd.DataFrame]:
    """Pinduoduo merchant exports, one file per shop (UTF-8 with BOM)."""
    n = len(orders)
    base, pack, unmappable = _titles(orders, products, rates, rng)
    grade = np.array(["中果", "大果", "特大果", "精选", ""])[rng.integers(0, 5, n)]
    created = pd.DatetimeIndex(orders["created"])
    shipped = created + pd.to_timedelta(rng.integers(3600, 3 * 86400, n), unit="s")
    received = shipped + pd.to_timedelta(rng.integers(86400, 6 * 86400, n), unit="s")
    status = orders["status"].to_numpy()
    shop_discount = np.where(rng.random(n) < 0.3, rng.choice([2.0, 3.0, 5.0], n), 0.0)
    platform_discount = np.where(rng.random(n) < 0.2, rng.choice([1.0, 2.0], n), 0.0)
    amount = orders["amount"].to_numpy()
    cancelled = status == "关闭"
    fmt_time = lambda ts: ts.strftime("%Y-%m-%d %H:%M:%S")  # noqa: E731
    frame = pd.DataFrame(
        {
            "title": base,
            "order_id": pd.Series(created.strftime("%y%m%d")).to_numpy()
            + "-"
            + pd.Series(orders["order_seq"].to_numpy() * 104729 % 10**15 + 10**14)
            .astype(str)
            .to_numpy(),
            "order_status": np.select(
                [cancelled, status == "待收货"], ["已取消", "已发货，待签收"], "已签收"
            ),
            "goods_amount": _num(amount),
            "shop_discount": _num(shop_discount),
            "platform_discount": _num(platform_discount),
            "paid_amount": _num(
                np.where(cancelled, 0.0, amount - shop_discount - platform_discount)
            ),
            "merchant_received": _num(np.where(cancelled, 0.0, amount - shop_discount)),
            "quantity": orders["packs"].astype(str).to_numpy(),
            "spec": np.char.strip(np.char.add(np.char.add(pack.astype(str), " "), grade)),
            "created": fmt_time(created),
            "shipped_at": np.where(cancelled, "", fmt_time(shipped)),
            "received_at": np.where(cancelled | (status == "待收货"), "", fmt_time(received)),
            "after_sale": np.where(
                status == "退款",
                np.where(rng.random(n) < 0.85, "退款成功", "退款中"),
                np.where(rng.random(n) < 0.01, "售后关闭", "无售后"),
            ),
            "logistics": np.where(cancelled, "", LOGISTICS[rng.integers(0, len(LOGISTICS), n)]),
        }
    )
    frame = with_marks(frame)
    mark(frame, unmappable, "orders_unmappable_title")
    missing = pick(rng, n, rates["orders_missing_amount"], ~unmappable & ~cancelled)
    frame.loc[missing, "paid_amount"] = ""
    mark(frame, missing, "orders_missing_amount")
    frame = frame.rename(columns=contract["orders_pinduoduo"])
    return {
        shop: part.reset_index(drop=True)
        for shop, part in frame.groupby(orders["shop_id"].to_numpy(), sort=True)
    }


def platform832_files(
    orders: pd.DataFrame,
    shops: pd.DataFrame,
    products: pd.DataFrame,
    villages: pd.DataFrame,
    contract: dict,
    rates: dict,
    rng,
) -> dict[str, pd.DataFrame]:
    """832 platform (government procurement) exports, one workbook per year."""
    n = len(orders)
    base, _, unmappable = _titles(orders, products, rates, rng)
    county = villages.set_index("village_code")["county"].reindex(orders["village_code"]).to_numpy()
    title = np.where(unmappable, base, county.astype(object) + base)
    by_weight = rng.random(n) < 0.25  # some lines are sold by the 斤 or 公斤, without a spec
    weight_unit = np.where(rng.random(n) < 0.5, "斤", "公斤")
    pack_jin = orders["pack_jin"].to_numpy()
    packs = orders["packs"].to_numpy()
    qty_weight = np.where(weight_unit == "斤", packs * pack_jin, packs * pack_jin / 2)
    box = np.where(rng.random(n) < 0.6, "箱", "袋")
    spec = np.where(
        rng.random(n) < 0.5, _fmt_g(pack_jin / 2) + "kg/" + box, _fmt_g(pack_jin) + "斤/" + box
    )
    amount = orders["amount"].to_numpy()
    status = orders["status"].to_numpy()
    supplier = shops.set_index("shop_id")["shop_name"].reindex(orders["shop_id"]).to_numpy()
    buyers = np.array(
        [
            "县人民医院食堂",
            "市第一中学食堂",
            "县教育局",
            "市税务局机关食堂",
            "省直机关服务中心",
            "区政府食堂",
            "市中级人民法院食堂",
        ]
    )
    frame = pd.DataFrame(
        {
            "order_id": "CG"
            + pd.Series(orders["order_seq"].to_numpy() + 10**9).astype(str).to_numpy(),
            "buyer_unit": buyers[rng.integers(0, len(buyers), n)],
            "supplier_name": supplier,
            "title": title,
            "spec": np.where(by_weight, "", spec),
            "quantity": np.where(by_weight, qty_weight, packs).astype(float),
            "unit": np.where(by_weight, weight_unit, box),
            "unit_price": np.where(
                by_weight, np.round(amount / qty_weight, 2), orders["unit_price"].to_numpy()
            ),
            "amount": amount,
            "created": pd.DatetimeIndex(orders["created"]).floor("s"),
            "order_status": np.select(
                [status == "关闭", status == "退款", status == "待收货"],
                ["已取消", "已退货", "待收货"],
                "已完成",
            ),
        }
    )
    frame = with_marks(frame)
    mark(frame, unmappable, "orders_unmappable_title")
    unknown = pick(rng, n, rates["orders_unknown_shop"], ~unmappable)
    frame.loc[unknown, "supplier_name"] = "某某农产品贸易有限公司"
    mark(frame, unknown, "orders_unknown_shop")
    files = _split_with_overlap(
        frame, _file_key(orders["created"], "year"), rates["orders_duplicate_across_files"], rng
    )
    return {f"832_orders_{k}": f.rename(columns=contract["orders_832"]) for k, f in files.items()}
