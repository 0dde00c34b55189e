"""Raw exports exactly as the source systems write them (see raw-data-contract.md).

Each function takes simulated state (English columns) and returns the file's table with the
source system's Chinese headers and cell conventions, with defects injected and marked
(see ``defects.py``). Values are strings: the export is text, as in the real files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecpa_pipeline.domain.registry import HOUSEHOLD_FIELDS
from ecpa_pipeline.domain.resident_id import check_characters

from .defects import MARK, duplicate_rows, fullwidth, mark, pick, with_marks
from .ecommerce import pick_per_row
from .households import ADULT_EDUCATION

BOOLEAN_STYLES = [("是", "否"), ("Y", "N"), ("1", "0"), ("有", "无"), ("TRUE", "FALSE")]
MISSING_MARKERS = np.array(["", "", "", "-", "/", "无", "NULL"])
CODE_VARIANTS = {
    "health": {
        "患有大病": ["患有大病 ", "大病"],
        "长期慢性病": ["慢性病", "长期慢性病 "],
        "残疾": ["残疾 "],
    },
    "labour_skill": {"普通劳动力": ["普通劳动力 "], "弱劳动力或半劳动力": ["弱劳动力", "半劳动力"]},
    "migrant_work": {"省外务工": ["省外"], "县外省内务工": ["省内县外务工"]},
    "ethnicity": {"苗族": ["苗"], "布依族": ["布依"], "汉族": ["汉"]},
}
SCHOOL_EDUCATION = {
    "小学": "小学",
    "初中": "初中",
    "高中": "高中",
    "中职": "中专",
    "高职高专": "高中",
    "辍学": "小学",
}


def _bool(values: np.ndarray, style: tuple[str, str]) -> np.ndarray:
    return np.where(np.asarray(values, dtype=bool), style[0], style[1])


def _num(values) -> np.ndarray:
    """Numbers as an export writes them: integers without '.0'."""
    arr = np.asarray(values, dtype=float)
    as_int = np.round(arr).astype(np.int64).astype(str)
    return np.where(arr == np.round(arr), as_int, np.round(arr, 2).astype(str))


def _fmt_g(values: np.ndarray) -> np.ndarray:
    """Numbers formatted like ``f"{x:g}"`` (5, 2.5, 0.25), computed once per distinct value."""
    unique, inverse = np.unique(np.asarray(values, dtype=float), return_inverse=True)
    return np.array([f"{u:g}" for u in unique], dtype=object)[inverse]


def _headers(frame: pd.DataFrame, mapping: dict) -> pd.DataFrame:
    return frame.rename(columns=mapping)


def registry_file(
    year: int,
    hh_year: pd.DataFrame,
    person_year: pd.DataFrame,
    households: pd.DataFrame,
    persons: pd.DataFrame,
    identities: pd.DataFrame,
    villages: pd.DataFrame,
    contract: dict,
    rates: dict,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """The 建档立卡 export of one year: one row per member of every listed household."""
    p = person_year["person_idx"].to_numpy()
    h = persons["household_idx"].to_numpy()[p]
    hy = hh_year.set_index("household_idx").reindex(h)
    hs = households.iloc[h]
    vil = villages.iloc[hs["village_idx"].to_numpy()]
    head = persons["member_seq"].to_numpy()[p] == 0
    n = len(p)
    style = BOOLEAN_STYLES[rng.integers(0, 3)]

    adult_edu = np.array(ADULT_EDUCATION)[persons["education_level"].to_numpy()[p]]
    school = person_year["school_status"].to_numpy()
    education = np.where(
        school == "学龄前儿童",
        "",
        pd.Series(school).map(SCHOOL_EDUCATION).fillna(pd.Series(adult_edu)).to_numpy(),
    )
    frame = pd.DataFrame(
        {
            "province": vil["province"].to_numpy(),
            "prefecture": vil["prefecture"].to_numpy(),
            "county": vil["county"].to_numpy(),
            "township": vil["township"].to_numpy(),
            "village": vil["village"].to_numpy(),
            "village_code": vil["village_code"].to_numpy(),
            "household_code": hs["household_code"].to_numpy(),
            "person_code": persons["person_code"].to_numpy()[p],
            "name": identities["name"].to_numpy()[p],
            "id_number": identities["id_number"].to_numpy()[p],
            "household_size": hs["size"].astype(str).to_numpy(),
            "relation": persons["relation"].to_numpy()[p],
            "sex": np.where(persons["male"].to_numpy()[p], "男", "女"),
            "ethnicity": hs["ethnicity"].to_numpy(),
            "education": education,
            "school_status": school,
            "health": person_year["health"].to_numpy(),
            "labour_skill": person_year["labour_skill"].to_numpy(),
            "migrant_work": person_year["migrant_work"].to_numpy(),
            "migrant_months": person_year["migrant_months"].astype(str).to_numpy(),
            "critical_illness_insurance": _bool(person_year["insured"].to_numpy(), style),
            "household_status": hy["status"].to_numpy(),
            "exit_year": np.where(
                hy["exit_year"].to_numpy() > 0, hy["exit_year"].astype(str).to_numpy(), ""
            ),
            "household_type": hs["household_type"].to_numpy(),
            "main_cause": hs["main_cause"].to_numpy(),
            "second_cause": hs["second_cause"].to_numpy(),
            "unsafe_housing": _bool(hy["unsafe_housing"].to_numpy(), style),
            "safe_water": _bool(hy["safe_water"].to_numpy(), style),
            "water_difficulty": _bool(hy["water_difficulty"].to_numpy(), style),
            "income_per_capita": _num(hy["income_per_capita"].to_numpy()),
            "phone": np.where(head, identities["phone"].to_numpy()[p], ""),
        }
    )
    frame = with_marks(frame)
    # Members either repeat the household fields or leave them blank (per household).
    repeats = pd.Series(rng.random(len(households)) < 0.6).to_numpy()[h]
    blank_members = ~head & ~repeats
    markers = MISSING_MARKERS[rng.integers(0, len(MISSING_MARKERS), n)]
    # 无 reads as "no" in a yes/no column, so exports leave those blank or use another marker.
    boolean_markers = np.where(markers == "无", "", markers)
    for col in HOUSEHOLD_FIELDS:
        is_boolean = col in ("unsafe_housing", "safe_water", "water_difficulty")
        frame.loc[blank_members, col] = (boolean_markers if is_boolean else markers)[blank_members]

    _id_defects(frame, rates, rng)
    _household_defects(frame, head, repeats, rates, rng)
    _format_defects(frame, head, rates, rng)
    frame = _person_in_two_households(frame, head, rates, rng)
    frame = duplicate_rows(
        frame, pick(rng, len(frame), rates["registry_duplicate_row"]), "registry_duplicate_row"
    )
    return _headers(frame, contract["registry"])


def _id_defects(frame: pd.DataFrame, rates: dict, rng: np.random.Generator) -> None:
    """Bad check characters, impossible birth dates, sex disagreeing with the ID."""
    n = len(frame)
    ids = frame["id_number"].to_numpy().astype("U18")

    chars = ids.view("U1").reshape(n, 18)
    bad = pick(rng, n, rates["registry_bad_id_check"])
    wrong = np.array(list("0123456789X"))[rng.integers(0, 11, n)]
    wrong = np.where(wrong == chars[:, 17], np.where(chars[:, 17] == "X", "0", "X"), wrong)
    frame.loc[bad, "id_number"] = np.char.add(ids.astype("U17"), wrong)[bad]
    mark(frame, bad, "registry_bad_id_check")

    # A birth month of 00 or 13 with a recomputed check character: only the date check sees it.
    invalid = pick(rng, n, rates["registry_id_birth_invalid"], ~bad)
    month = np.where(rng.random(n) < 0.5, "13", "00")
    tail = np.ascontiguousarray(chars[:, 12:17]).view("U5").ravel()
    broken = np.char.add(np.char.add(ids.astype("U10"), month), tail)
    frame.loc[invalid, "id_number"] = np.char.add(broken, check_characters(broken))[invalid]
    mark(frame, invalid, "registry_id_birth_invalid")

    sex_flip = pick(rng, n, rates["registry_id_sex_mismatch"], ~bad & ~invalid)
    frame.loc[sex_flip, "sex"] = np.where(frame.loc[sex_flip, "sex"] == "男", "女", "男")
    mark(frame, sex_flip, "registry_id_sex_mismatch")


def _household_defects(
    frame: pd.DataFrame, head: np.ndarray, repeats: np.ndarray, rates: dict, rng
) -> None:
    """Headless households, two heads, members disagreeing, wrong size and income."""
    n = len(frame)
    headless = pick(rng, n, rates["registry_headless_household"], head)
    frame.loc[headless, "relation"] = "其他"
    mark(frame, headless, "registry_headless_household")

    two_heads = pick(
        rng, n, rates["registry_two_heads"], ~head & (frame["relation"] != "户主").to_numpy()
    )
    frame.loc[two_heads, "relation"] = "户主"
    mark(frame, two_heads, "registry_two_heads")

    disagree = pick(rng, n, rates["registry_member_disagrees"], ~head & repeats)
    frame.loc[disagree, "main_cause"] = np.where(
        frame.loc[disagree, "main_cause"] == "因病", "缺资金", "因病"
    )
    mark(frame, disagree, "registry_member_disagrees")

    # A wrong household record shows on every row that repeats the household's fields.
    size_off = pick(rng, n, rates["registry_size_mismatch"], head)
    sizes = pd.to_numeric(frame.loc[size_off, "household_size"])
    wrong_size = pd.Series(
        (sizes + np.where(sizes > 1, -1, 1)).astype(str).to_numpy(),
        index=frame.loc[size_off, "household_code"],
    )
    _set_household_field(frame, head | repeats, "household_size", wrong_size)
    mark(frame, size_off, "registry_size_mismatch")

    income_off = pick(rng, n, rates["registry_income_mismatch"], head)
    incomes = pd.to_numeric(frame.loc[income_off, "income_per_capita"])
    factor = rng.choice([0.7, 0.8, 1.2, 1.4], int(income_off.sum()))
    wrong_income = pd.Series(
        _num(incomes.to_numpy() * factor), index=frame.loc[income_off, "household_code"]
    )
    _set_household_field(frame, head | repeats, "income_per_capita", wrong_income)
    mark(frame, income_off, "registry_income_mismatch")


def _set_household_field(
    frame: pd.DataFrame, carriers: np.ndarray, column: str, values: pd.Series
) -> None:
    """Set a household field on every row of the household that carries household fields."""
    rows = carriers & frame["household_code"].isin(values.index).to_numpy()
    frame.loc[rows, column] = frame.loc[rows, "household_code"].map(values).to_numpy()


def _format_defects(frame: pd.DataFrame, head: np.ndarray, rates: dict, rng) -> None:
    """Code-list variants, bad phones, full-width digits and Excel guards."""
    n = len(frame)
    variant = pick(rng, n, rates["registry_code_variant"])
    for col, variants in CODE_VARIANTS.items():
        for canonical, spellings in variants.items():
            sel = variant & (frame[col] == canonical).to_numpy()
            if sel.any():
                frame.loc[sel, col] = np.array(spellings)[
                    rng.integers(0, len(spellings), int(sel.sum()))
                ]
                mark(frame, sel, "registry_code_variant")

    has_phone = (frame["phone"] != "").to_numpy()
    bad_phone = pick(rng, n, rates["registry_bad_phone"], has_phone)
    phones = frame.loc[bad_phone, "phone"].astype(str)
    frame.loc[bad_phone, "phone"] = np.where(
        rng.random(int(bad_phone.sum())) < 0.5, phones.str[:10], phones + "8"
    )
    mark(frame, bad_phone, "registry_bad_phone")

    numbers_intact = ~frame[MARK].str.contains("mismatch").to_numpy()
    wide = pick(rng, n, rates["registry_fullwidth"], head & numbers_intact)
    for col in ("household_size", "income_per_capita", "migrant_months"):
        frame.loc[wide, col] = fullwidth(frame.loc[wide, col])
    mark(frame, wide, "registry_fullwidth")

    guard = pick(rng, n, rates["registry_excel_guard"], ~bad_phone)
    guard_phone = guard & has_phone & (rng.random(n) < 0.5)
    frame.loc[guard & ~guard_phone, "id_number"] = (
        "'" + frame.loc[guard & ~guard_phone, "id_number"]
    )
    frame.loc[guard_phone, "phone"] = '="' + frame.loc[guard_phone, "phone"] + '"'
    mark(frame, guard, "registry_excel_guard")


def _person_in_two_households(
    frame: pd.DataFrame, head: np.ndarray, rates: dict, rng
) -> pd.DataFrame:
    """The same person (same 人编号 and ID) listed again under another household."""
    n = len(frame)
    movers = pick(rng, n, rates["registry_person_in_two_households"], ~head)
    if movers.any():
        copies = frame[movers].copy()
        hosts = frame.iloc[rng.integers(0, n, int(movers.sum()))]
        location = [
            "province",
            "prefecture",
            "county",
            "township",
            "village",
            "village_code",
            "household_code",
        ]
        copies[location] = hosts[location].to_numpy()
        copies["relation"] = "其他"
        copies[MARK] = "registry_person_in_two_households;"
        frame = pd.concat([frame, copies], ignore_index=True)
    return frame


MEASURES_BY_CAUSE = {
    "因病": "健康扶贫",
    "因残": "健康扶贫",
    "因学": "教育扶贫",
    "缺资金": "小额信贷",
    "缺技术": "技能培训",
    "缺劳力": "低保兜底",
    "因灾": "产业扶持",
    "缺土地": "就业帮扶",
    "缺水": "产业扶持",
    "交通条件落后": "易地扶贫搬迁",
    "自身发展动力不足": "就业帮扶",
    "因婚": "产业扶持",
    "其他": "产业扶持",
}
MEASURES = [
    "产业扶持",
    "小额信贷",
    "技能培训",
    "电商培训",
    "就业帮扶",
    "易地扶贫搬迁",
    "健康扶贫",
    "教育扶贫",
    "危房改造",
    "生态补偿",
    "低保兜底",
]
LIST_SEPARATORS = np.array([";", "；", ",", "、"])


def _money_variants(values: pd.Series, rng: np.random.Generator) -> np.ndarray:
    """Money cells as people type them: 1,234元 / ¥1234 / 约1200 / full-width."""
    amount = pd.to_numeric(values).round().astype(np.int64)
    style = rng.integers(0, 4, len(values))
    with_commas = amount.map("{:,}".format)
    return np.select(
        [style == 0, style == 1, style == 2],
        [with_commas + "元", "¥" + amount.astype(str), "约" + amount.astype(str)],
        fullwidth(amount.astype(str)),
    )


def income_file(
    year: int, hh_year: pd.DataFrame, households: pd.DataFrame, contract: dict, rates: dict, rng
) -> pd.DataFrame:
    """Household income and living conditions of one year (one row per listed household)."""
    hs = households.iloc[hh_year["household_idx"].to_numpy()]
    n = len(hh_year)
    style = BOOLEAN_STYLES[rng.integers(0, len(BOOLEAN_STYLES))]

    chosen = {m: np.zeros(n, dtype=bool) for m in MEASURES}
    primary = hs["main_cause"].map(MEASURES_BY_CAUSE).to_numpy()
    for m in MEASURES:
        chosen[m] |= primary == m
    chosen["危房改造"] |= hh_year["unsafe_housing"].to_numpy() & (rng.random(n) < 0.7)
    chosen["电商培训"] |= (hh_year["ecommerce_mode"].to_numpy() != "未参与") & (rng.random(n) < 0.6)
    chosen["生态补偿"] |= hs["forest_mu"].to_numpy() > 5
    chosen["产业扶持"] |= rng.random(n) < 0.35
    chosen["低保兜底"] |= hs["household_type"].to_numpy() != "一般贫困户"
    sep = LIST_SEPARATORS[rng.integers(0, len(LIST_SEPARATORS), n)]
    assistance = np.full(n, "", dtype=object)
    for m in MEASURES:
        assistance = np.where(
            chosen[m], np.where(assistance == "", m, assistance + sep + m), assistance
        )

    frame = pd.DataFrame(
        {
            "household_code": hs["household_code"].to_numpy(),
            "year": str(year),
            "wage_income": _num(hh_year["wage_income"]),
            "business_income": _num(hh_year["business_income"]),
            "business_cost": _num(hh_year["business_cost"]),
            "property_income": _num(hh_year["property_income"]),
            "transfer_income": _num(hh_year["transfer_income"]),
            "ecommerce_income": _num(hh_year["ecommerce_income"]),
            "farmland_mu": _num(hs["farmland_mu"]),
            "forest_mu": _num(hs["forest_mu"]),
            "housing_m2": _num(hs["housing_m2"]),
            "road_distance_km": _num(hs["road_distance_km"]),
            "access_road": hs["access_road"].to_numpy(),
            "cooperative_member": _bool(hs["cooperative_member"].to_numpy(), style),
            "ecommerce_mode": hh_year["ecommerce_mode"].to_numpy(),
            "assistance": assistance,
        }
    )
    frame = with_marks(frame)
    money = pick(rng, n, rates["income_money_format"])
    for col in ("wage_income", "business_income", "transfer_income"):
        frame.loc[money, col] = _money_variants(frame.loc[money, col], rng)
    mark(frame, money, "income_money_format")

    orphans = pick(rng, n, rates["income_orphan_household"])
    if orphans.any():
        extra = frame[orphans].copy()
        # A household code the registry does not have (typed wrong, or never registered).
        extra["household_code"] = extra["household_code"].str[:-4] + rng.integers(
            7000, 9999, len(extra)
        ).astype(str)
        extra[MARK] = "income_orphan_household;"
        frame = pd.concat([frame, extra], ignore_index=True)
    frame = duplicate_rows(
        frame, pick(rng, len(frame), rates["income_duplicate_row"]), "income_duplicate_row"
    )
    return _headers(frame, contract["income"])


def villages_file(
    villages: pd.DataFrame, registered: pd.Series, contract: dict, rng
) -> pd.DataFrame:
    """The village survey. Headers use full-width brackets, as the survey template does."""
    n = len(villages)
    poor = villages["poor_village"].to_numpy()
    incidence = np.where(poor, rng.uniform(0.22, 0.42, n), rng.uniform(0.05, 0.14, n))
    n_registered = registered.reindex(villages["village_code"]).fillna(0).to_numpy()
    households = np.maximum(np.round(n_registered / incidence), n_registered + 5).astype(int)
    frame = pd.DataFrame(
        {
            "village_code": villages["village_code"],
            "province": villages["province"],
            "prefecture": villages["prefecture"],
            "county": villages["county"],
            "township": villages["township"],
            "village": villages["village"],
            "poor_village": _bool(poor, ("是", "否")),
            "terrain": villages["terrain"],
            "elevation_m": villages["elevation_m"].astype(str),
            "county_distance_km": _num(villages["county_distance_km"]),
            "paved_road": _bool(villages["paved_road"], ("是", "否")),
            "broadband": _bool(villages["broadband"], ("是", "否")),
            "express_point": _bool(villages["express_point"], ("有", "无")),
            "ecommerce_station": _bool(villages["ecommerce_station"], ("有", "无")),
            "cold_chain": _bool(villages["cold_chain"], ("有", "无")),
            "cooperatives": villages["cooperatives"].astype(str),
            "households": households.astype(str),
            "population": np.round(households * rng.uniform(3.1, 3.9, n)).astype(int).astype(str),
            "collective_income_10k": _num(villages["collective_income_10k"]),
            "region": villages["region"],
        }
    )
    headers = {k: v.replace("(", "（").replace(")", "）") for k, v in contract["villages"].items()}
    return frame.rename(columns=headers)


def products_file(products: pd.DataFrame, contract: dict) -> pd.DataFrame:
    """The characteristic-product catalogue."""
    frame = pd.DataFrame(
        {
            "product_code": products["product_code"],
            "product_name": products["product_name"],
            "name_en": products["name_en"],
            "aliases": products["aliases"].map(";".join),
            "category": products["category"],
            "perishability": products["perishability"],
            "needs_cold_chain": _bool(products["needs_cold_chain"], ("是", "否")),
            "shelf_life_days": products["shelf_life_days"].astype(str),
            "suitable_terrain": products["suitable_terrain"].map(";".join),
            "elevation_range": products["elevation_min"].astype(str)
            + "-"
            + products["elevation_max"].astype(str),
            "season": products["season_start"].astype(str)
            + "-"
            + products["season_end"].astype(str),
            "farm_gate_price_per_jin": _num(products["farm_gate_price_per_jin"]),
        }
    )
    return _headers(frame, contract["products"])


def _product_names(
    products: pd.DataFrame, product_idx: np.ndarray, alias_rate: float, rng
) -> tuple[np.ndarray, np.ndarray]:
    """Free-text product names: the catalogue name, or an alias / variety spelling."""
    n = len(product_idx)
    names = products["product_name"].to_numpy()[product_idx]
    alias_pick = pick_per_row(products["aliases"], product_idx, rng)
    variety = np.array(["高山", "本地", "有机", "生态", ""])[rng.integers(0, 5, n)]
    use_alias = rng.random(n) < alias_rate
    return np.where(use_alias, variety + alias_pick, names), use_alias


def production_file(
    production: pd.DataFrame, products: pd.DataFrame, contract: dict, rates: dict, rng
) -> pd.DataFrame:
    """What each village grows, by year; names as typed, units mixed."""
    n = len(production)
    p_idx = pd.Index(products["product_code"]).get_indexer(production["product_code"])
    names, aliased = _product_names(products, p_idx, rates["production_alias_name"], rng)
    unit = np.array(["斤", "公斤", "吨"])[rng.choice(3, n, p=[0.5, 0.35, 0.15])]
    per_jin = np.select([unit == "公斤", unit == "吨"], [0.5, 0.0005], 1.0)
    frame = pd.DataFrame(
        {
            "village_code": production["village_code"],
            "year": production["year"].astype(str),
            "product_name": names,
            "area_mu": _num(production["area_mu"]),
            "output": _num(np.round(production["output_jin"].to_numpy() * per_jin, 1)),
            "unit": unit,
            "certification": production["certification"],
        }
    )
    frame = with_marks(frame)
    mark(frame, aliased, "production_alias_name")
    unknown = pick(rng, n, rates["production_unknown_product"])
    frame.loc[unknown, "product_name"] = np.array(["杂粮", "其他水果", "土特产", "山货"])[
        rng.integers(0, 4, int(unknown.sum()))
    ]
    mark(frame, unknown, "production_unknown_product")
    return _headers(frame, contract["village_production"])


def _date_variants(dates: pd.Series, rng) -> np.ndarray:
    """Dates in the mix of forms typed into registers."""
    d = pd.to_datetime(dates)
    style = rng.integers(0, 4, len(d))
    return np.select(
        [style == 0, style == 1, style == 2],
        [
            d.dt.strftime("%Y-%m-%d"),
            d.dt.year.astype(str) + "/" + d.dt.month.astype(str) + "/" + d.dt.day.astype(str),
            d.dt.strftime("%Y%m%d"),
        ],
        d.dt.year.astype(str) + "年" + d.dt.month.astype(str) + "月" + d.dt.day.astype(str) + "日",
    )


def shops_file(shops: pd.DataFrame, contract: dict, rates: dict, rng) -> pd.DataFrame:
    """The e-commerce service centre's shop register."""
    n = len(shops)
    frame = pd.DataFrame(
        {
            "platform": shops["platform"],
            "shop_id": shops["shop_id"],
            "shop_name": shops["shop_name"],
            "village_code": shops["village_code"],
            "operator": shops["operator"],
            "household_code": shops["household_code"].fillna(""),
            "opened": _date_variants(shops["opened"], rng),
            "poor_households_linked": shops["poor_households_linked"].astype(str),
        }
    )
    frame = with_marks(frame)
    unknown = pick(rng, n, rates["shops_unknown_village"])
    frame.loc[unknown, "village_code"] = frame.loc[unknown, "village_code"].str[:9] + "999"
    mark(frame, unknown, "shops_unknown_village")
    return _headers(frame, contract["shops"])


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
