"""Registered poor households and their members, with their static conditions and latent
traits (productivity, migration and e-commerce propensity); their years are ``dynamics``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .random import choice_from_shares, stream

RELATIONS_BY_HEAD_AGE = {
    "young": {"之子": 0.38, "之女": 0.38, "之父": 0.09, "之母": 0.13, "其他": 0.02},
    "middle": {
        "之子": 0.38,
        "之女": 0.32,
        "之儿媳": 0.09,
        "之女婿": 0.02,
        "之孙子": 0.09,
        "之孙女": 0.08,
        "之母": 0.02,
    },
    "old": {
        "之子": 0.3,
        "之女": 0.13,
        "之儿媳": 0.15,
        "之孙子": 0.2,
        "之孙女": 0.16,
        "兄弟姐妹": 0.06,
    },
}
MALE_RELATIONS = ("之子", "之父", "之孙子", "之女婿")
FEMALE_RELATIONS = ("之女", "之母", "之儿媳", "之孙女")
ADULT_EDUCATION = ["文盲或半文盲", "小学", "初中", "高中", "中专", "大专", "本科及以上"]
MIGRANT_DESTINATIONS = {
    "省外务工": 0.45,
    "县外省内务工": 0.3,
    "乡(镇)外县内务工": 0.15,
    "乡(镇)内务工": 0.1,
}


def _within_group_index(sizes: np.ndarray) -> np.ndarray:
    """0, 1, … restarted for each group of consecutive rows with the given sizes."""
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
    return np.arange(sizes.sum()) - starts


def build_households(villages: pd.DataFrame, sim: dict, name: str = "households") -> pd.DataFrame:
    """Every household that is or will be registered, with its static conditions (``name``:
    the random stream, so another population of the same villages draws its own)."""
    rng = stream(sim["seed"], name)
    hp = sim["households"]
    factor = sim["scales"][sim["scale"]]["household_factor"]
    means = (
        np.where(villages["poor_village"], hp_mean(sim, "poor"), hp_mean(sim, "non_poor")) * factor
    )
    registered = rng.poisson(means)
    missed = rng.binomial(registered, hp["missed_share"])
    n_per_village = registered + missed
    v = np.repeat(np.arange(len(villages)), n_per_village)
    seq = _within_group_index(n_per_village)
    n = len(v)
    is_missed = seq >= np.repeat(registered, n_per_village)

    sizes = np.array(list(hp["size_probs"].keys()), dtype=int)
    size_p = np.array(list(hp["size_probs"].values()))
    size = sizes[rng.choice(len(sizes), n, p=size_p / size_p.sum())]
    cause = choice_from_shares(rng, hp["cause_shares"], n)
    htype = choice_from_shares(rng, hp["type_shares"], n)
    # 特困供养 are people living alone without labour; 缺劳力 households are small and old.
    htype = np.where((htype == "特困供养贫困户") & (size > 2), "低保贫困户", htype)
    size = np.where(cause == "缺劳力", np.minimum(size, 2), size)

    head_age = np.clip(rng.normal(52, 12, n), 22, 86)
    head_age = np.where(cause == "缺劳力", rng.uniform(62, 86, n), head_age)
    head_age = np.where(cause == "因学", rng.uniform(38, 52, n), head_age)
    head_age = np.where(htype == "特困供养贫困户", rng.uniform(60, 88, n), head_age)

    minority = rng.random(n) < sim["ethnicity"]["minority_share"]
    ethnicity = np.where(
        minority, choice_from_shares(rng, sim["ethnicity"]["minorities"], n), "汉族"
    )
    # Ethnic groups cluster by village: half the households follow the village's majority.
    village_ethnicity = ethnicity[np.searchsorted(v, np.arange(len(villages))).clip(0, n - 1)]
    ethnicity = np.where(rng.random(n) < 0.5, village_ethnicity[v], ethnicity)

    wrong = (~is_missed) & (rng.random(n) < hp["wrongly_registered_share"])
    registered_year = np.where(is_missed, np.where(rng.random(n) < 0.6, 2015, 2016), 2014)
    productivity = rng.lognormal(
        np.log(sim["income"]["productivity_mean"]), sim["income"]["productivity_sigma"], n
    )
    productivity = np.where(wrong, productivity * 3.0, productivity)
    terrain = villages["terrain"].to_numpy()[v]
    codes = villages["village_code"].to_numpy()
    return pd.DataFrame(
        {
            "household_code": np.char.add(
                codes[v].astype(str), np.char.zfill((seq + 1).astype(str), 4)
            ),
            "village_idx": v,
            "village_code": codes[v],
            "size": size,
            "main_cause": cause,
            "second_cause": np.where(
                rng.random(n) < 0.45, choice_from_shares(rng, hp["cause_shares"], n), ""
            ),
            "household_type": htype,
            "head_age_2014": head_age.round().astype(int),
            "head_male": rng.random(n) < np.where(head_age > 70, 0.65, hp["head_male_share"]),
            "ethnicity": ethnicity,
            "farmland_mu": np.round(
                rng.lognormal(np.log(np.where(cause == "缺土地", 0.8, 2.8)), 0.6), 1
            ),
            "forest_mu": np.round(
                np.where(terrain == "山区", rng.lognormal(1.5, 1.0, n), rng.lognormal(0.3, 1.0, n)),
                1,
            ),
            "housing_m2": np.round(rng.normal(25, 8, n).clip(8) * np.sqrt(size), 0),
            "road_distance_km": np.round(rng.gamma(1.5, 0.6 + (terrain == "山区") * 0.8, n), 1),
            "access_road": choice_from_shares(
                rng, {"泥土路": 0.3, "砂石路": 0.3, "水泥路": 0.35, "沥青路": 0.05}, n
            ),
            "cooperative_member": rng.random(n) < 0.15,
            "unsafe_housing_2014": rng.random(n) < hp["unsafe_housing_share"],
            "unsafe_water_2014": rng.random(n) < hp["unsafe_water_share"],
            "registered_year": registered_year,
            "missed": is_missed,
            "wrongly_registered": wrong,
            "removal_year": np.where(
                wrong & (rng.random(n) < hp["removal_share_of_wrong"]),
                np.where(rng.random(n) < 0.5, 2015, 2016),
                0,
            ),
            "productivity": productivity,
            "ecommerce_propensity": rng.random(n),
            "ecommerce_mode": choice_from_shares(rng, sim["ecommerce"]["mode_shares"], n),
        }
    )


def hp_mean(sim: dict, kind: str) -> float:
    return float(sim["villages"]["registered_households_mean"][kind])


def build_persons(households: pd.DataFrame, sim: dict, name: str = "persons") -> pd.DataFrame:
    """Members of every household: relation, sex, birth date, education, health, labour."""
    rng = stream(sim["seed"], name)
    size = households["size"].to_numpy()
    h = np.repeat(np.arange(len(households)), size)
    m = _within_group_index(size)
    n = len(h)
    head_age = households["head_age_2014"].to_numpy()[h]
    head_male = households["head_male"].to_numpy()[h]
    cause = households["main_cause"].to_numpy()[h]

    has_spouse = rng.random(len(households)) < np.where(households["head_age_2014"] > 70, 0.5, 0.85)
    group = np.where(head_age < 45, "young", np.where(head_age < 60, "middle", "old"))
    relation = np.empty(n, dtype=object)
    for g, shares in RELATIONS_BY_HEAD_AGE.items():
        sel = group == g
        relation[sel] = choice_from_shares(rng, shares, int(sel.sum()))
    relation = np.where((m == 1) & has_spouse[h], "配偶", relation)
    relation = np.where(m == 0, "户主", relation)

    age = np.select(
        [
            relation == "户主",
            relation == "配偶",
            np.isin(relation, ["之子", "之女", "之儿媳", "之女婿"]),
            np.isin(relation, ["之孙子", "之孙女"]),
            np.isin(relation, ["之父", "之母"]),
        ],
        [
            head_age,
            head_age + rng.normal(-2, 3, n),
            head_age - rng.uniform(21, 34, n),
            head_age - rng.uniform(44, 60, n),
            head_age + rng.uniform(22, 32, n),
        ],
        head_age + rng.normal(0, 6, n),
    )
    age = np.clip(np.round(age), 0, 95).astype(int)
    male = np.select(
        [
            relation == "户主",
            relation == "配偶",
            np.isin(relation, MALE_RELATIONS),
            np.isin(relation, FEMALE_RELATIONS),
        ],
        [head_male, ~head_male, True, False],
        rng.random(n) < 0.5,
    ).astype(bool)
    birth = pd.to_datetime((2014 - age).astype(str)) + pd.to_timedelta(
        rng.integers(0, 365, n), unit="D"
    )

    # Education attained by adults: older people had less schooling.
    edu_idx = np.clip(np.round(rng.normal(2.6 - (age - 30) / 25, 1.1, n)), 0, 6).astype(int)

    # Health at registration; the cause of poverty shows in the members.
    first_adult = (m == 0) | ((m == 1) & (rng.random(n) < 0.4))
    health = np.where(rng.random(n) < np.clip((age - 35) / 120, 0.02, 0.4), "长期慢性病", "健康")
    health = np.where(
        (cause == "因病") & first_adult,
        np.where(rng.random(n) < 0.55, "患有大病", "长期慢性病"),
        health,
    )
    health = np.where((cause == "因残") & first_adult, "残疾", health)
    health = np.where((health == "健康") & (rng.random(n) < 0.025), "残疾", health)
    health = np.where((health == "患有大病") & (rng.random(n) < 0.1), "患有大病,残疾", health)

    return pd.DataFrame(
        {
            "household_idx": h,
            "member_seq": m,
            "person_code": np.char.add(
                households["household_code"].to_numpy()[h].astype(str),
                np.char.zfill((m + 1).astype(str), 3),
            ),
            "relation": relation,
            "male": male,
            "birth_date": birth,
            "age_2014": age,
            "education_level": edu_idx,
            "health": health,
            "skilled": rng.random(n) < 0.12 + 0.05 * edu_idx,
            "migrant_propensity": rng.beta(2, 2.5, n),
            "migrant_draw": rng.random(n),
            "migrant_destination": choice_from_shares(rng, MIGRANT_DESTINATIONS, n),
            "dropout_prone": rng.random(n) < 0.04,
            "insured_from": np.where(
                rng.random(n) < sim["households"]["insured_share"],
                2014,
                rng.integers(2015, 2019, n),
            ),
        }
    )


def person_year_state(persons: pd.DataFrame, year: int, ill_households: np.ndarray) -> pd.DataFrame:
    """Age, schooling, health and labour of every person in ``year`` (vectorised)."""
    age = persons["age_2014"].to_numpy() + (year - 2014)
    health = persons["health"].to_numpy().astype(object)
    ill_now = ill_households[persons["household_idx"].to_numpy()] & (
        persons["member_seq"].to_numpy() <= 1
    )
    health = np.where(ill_now & (health == "健康"), "患有大病", health)
    school = np.select(
        [age < 6, age <= 11, age <= 14, age <= 17, age <= 20],
        ["学龄前儿童", "小学", "初中", "高中", "高职高专"],
        "非在校生",
    )
    edu = persons["education_level"].to_numpy()
    stays_in_school = (edu >= 3) | (age <= 14)
    school = np.where((age >= 15) & (age <= 20) & ~stays_in_school, "非在校生", school)
    school = np.where((age >= 15) & (age <= 17) & (edu == 4), "中职", school)
    school = np.where(
        persons["dropout_prone"].to_numpy() & (age >= 12) & (age <= 15) & (year <= 2017),
        "辍学",
        school,
    )
    in_school = ~np.isin(school, ["非在校生", "学龄前儿童", "辍学"])
    sick = np.char.find(health.astype(str), "大病") >= 0
    disabled = np.char.find(health.astype(str), "残疾") >= 0
    skill = np.select(
        [
            age < 16,
            in_school,
            disabled & sick,
            sick | disabled,
            age >= 70,
            age >= 60,
            persons["skilled"].to_numpy(),
        ],
        [
            "无劳动力",
            "无劳动力",
            "丧失劳动力",
            "弱劳动力或半劳动力",
            "丧失劳动力",
            "弱劳动力或半劳动力",
            "技能劳动力",
        ],
        "普通劳动力",
    )
    return pd.DataFrame(
        {
            "age": age,
            "health": health,
            "school_status": school,
            "labour_skill": skill,
            "in_school": in_school,
        }
    )
