"""Registered poor households, their members and their year-by-year fortunes.

The exit decision of a household in year t depends on observable conditions in t (income
against the line, 两不愁三保障, labour, e-commerce participation, cause, type), on its county's
exit deadline and the national exit path (quota pressure), and on latent parts no export
shows: household productivity, illness and disaster shocks, and an idiosyncratic noise term.
A model that sees the registry of year t therefore cannot know the exit of t + 1 for sure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from ecpa_pipeline.domain.registry import ABLE_LABOUR

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
STATUS_POOR, STATUS_NEW, STATUS_EXITED, STATUS_RETURNED, STATUS_REMOVED = (
    "贫困户",
    "新识别贫困户",
    "脱贫户",
    "返贫户",
    "清退户",
)


def _within_group_index(sizes: np.ndarray) -> np.ndarray:
    """0, 1, … restarted for each group of consecutive rows with the given sizes."""
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
    return np.arange(sizes.sum()) - starts


def build_households(villages: pd.DataFrame, sim: dict) -> pd.DataFrame:
    """Every household that is or will be registered, with its static conditions."""
    rng = stream(sim["seed"], "households")
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


def build_persons(households: pd.DataFrame, sim: dict) -> pd.DataFrame:
    """Members of every household: relation, sex, birth date, education, health, labour."""
    rng = stream(sim["seed"], "persons")
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


def _solve_intercept(base_logit: np.ndarray, target: float) -> float:
    """The intercept a such that mean(expit(base_logit + a)) == target (bisection)."""
    lo, hi = -15.0, 15.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if expit(base_logit + mid).mean() < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def simulate_household_years(
    households: pd.DataFrame,
    persons: pd.DataFrame,
    villages: pd.DataFrame,
    village_revenue: pd.DataFrame,
    poverty_line: dict,
    sim: dict,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Income, guarantees, e-commerce, shocks, status and exit of every household by year.

    Returns:
        ``household_years``: one row per household and year it appears in the registry, with
        observable fields (income components, guarantees, status, exit year) and truth
        fields (exit_prob, eligible, shocks, wrongful_exit).
        ``person_years``: one row per person and year (age, health, school, labour, migration).
    """
    rng = stream(sim["seed"], "dynamics")
    inc = sim["income"]
    ex = sim["exit"]
    years = list(sim["years"])
    n = len(households)
    v = households["village_idx"].to_numpy()
    size = households["size"].to_numpy()
    htype = households["household_type"].to_numpy()
    cause = households["main_cause"].to_numpy()
    ph = persons["household_idx"].to_numpy()
    county_deadline = villages["county_deadline"].to_numpy()[v]
    ready = (
        0.3 * villages["broadband"].to_numpy()
        + 0.4 * villages["ecommerce_station"].to_numpy()
        + 0.3 * villages["express_point"].to_numpy()
    )[v]
    revenue = village_revenue.pivot_table(
        index="village_code", columns="year", values="revenue", fill_value=0.0
    )
    revenue = revenue.reindex(
        index=villages["village_code"], columns=years, fill_value=0.0
    ).to_numpy()

    exited = np.zeros(n, dtype=bool)
    returned = np.zeros(n, dtype=bool)
    removed = np.zeros(n, dtype=bool)
    exit_year = np.zeros(n, dtype=int)
    unsafe_housing = households["unsafe_housing_2014"].to_numpy().copy()
    unsafe_water = households["unsafe_water_2014"].to_numpy().copy()
    chronic_ill = np.zeros(n, dtype=bool)
    productivity = households["productivity"].to_numpy().copy()
    prev_income_pc = np.zeros(n)
    hh_rows, person_rows = [], []

    for k, year in enumerate(years):
        present = (households["registered_year"].to_numpy() <= year) & ~removed
        new_now = households["registered_year"].to_numpy() == year
        new_now &= year > years[0]
        removed_now = present & (households["removal_year"].to_numpy() == year)

        illness = rng.random(n) < sim["shocks"]["illness_rate"] * np.where(
            cause == "因病", 2.0, 1.0
        )
        chronic_ill |= illness & (rng.random(n) < 0.5)
        disaster_village = rng.random(len(villages)) < sim["shocks"]["disaster_rate_per_village"]
        disaster = disaster_village[v]
        loss = np.where(disaster, rng.uniform(*sim["shocks"]["disaster_loss"], n), 0.0)

        ps = person_year_state(persons, year, chronic_ill | illness)
        able = ps["labour_skill"].isin(ABLE_LABOUR).to_numpy().copy()
        able &= ~(illness[ph] & (persons["member_seq"].to_numpy() <= 1))
        # Who works away is persistent from year to year, with some churn.
        churn = 0.7 * persons["migrant_draw"].to_numpy() + 0.3 * rng.random(len(ph))
        migrant = able & (churn < persons["migrant_propensity"].to_numpy() * 0.9)
        months = np.where(migrant, rng.integers(3, 13, len(ph)), 0)
        wage_rate = (
            pd.Series(inc["migrant_monthly_wage"])
            .reindex(persons["migrant_destination"])
            .to_numpy()
        )
        growth = (1 + inc["wage_growth"]) ** k
        person_wage = months * wage_rate * growth + np.where(
            able & ~migrant, 1800 * growth * rng.uniform(0.2, 1.0, len(ph)), 0
        )
        n_able = np.bincount(ph, weights=able, minlength=n)
        n_labour = np.bincount(
            ph, weights=able | (ps["labour_skill"].to_numpy() == "弱劳动力或半劳动力"), minlength=n
        )
        n_elder = np.bincount(ph, weights=ps["age"].to_numpy() >= 60, minlength=n)
        n_disabled = np.bincount(
            ph, weights=np.char.find(ps["health"].to_numpy().astype(str), "残疾") >= 0, minlength=n
        )
        n_students = np.bincount(ph, weights=ps["in_school"].to_numpy(), minlength=n)
        dropout = (
            np.bincount(ph, weights=(ps["school_status"] == "辍学").to_numpy(), minlength=n) > 0
        )
        insured_all = (
            np.bincount(ph, weights=persons["insured_from"].to_numpy() > year, minlength=n) == 0
        )
        migrant_months = np.bincount(ph, weights=months, minlength=n)

        # Support received since registration raises productivity (产业扶持, 就业帮扶 …).
        years_registered = np.clip(year - households["registered_year"].to_numpy(), 0, None)
        targeted = present & ~exited & (prev_income_pc < 1.5 * float(poverty_line[year]))
        support = np.where(targeted, inc["support_growth"] + inc["support_growth_step"] * k, 1.04)
        productivity = productivity * np.where(k == 0, 1.0, support)

        # E-commerce participation grows with the village's readiness and the year's path.
        path = sim["ecommerce"]["participation_path"][year]
        participating = (
            present
            & (households["ecommerce_propensity"].to_numpy() < path * 2.2 * ready)
            & (n_able > 0)
        )
        owns_shop = present & (households["shop_owner_from"].to_numpy() <= year)
        participating |= owns_shop
        mode = np.where(owns_shop, "自营网店", households["ecommerce_mode"].to_numpy())
        mode_weight = (
            pd.Series(
                {"自营网店": 3.0, "合作社或企业代销": 1.0, "电商就业": 1.5, "扶贫专店代销": 0.8}
            )
            .reindex(mode)
            .to_numpy()
        )
        w = np.where(participating, mode_weight, 0.0)
        w_total = np.bincount(v, weights=w, minlength=len(villages))
        ecommerce_income = np.where(
            w > 0,
            inc["ecommerce_income_share"]
            * revenue[v, k]
            * w
            / np.where(w_total[v] > 0, w_total[v], 1),
            0.0,
        )
        ecommerce_income = np.round(ecommerce_income)
        ecom_wage = np.where(mode == "电商就业", ecommerce_income, 0.0)
        ecom_business = ecommerce_income - ecom_wage

        wage = np.round(
            np.bincount(ph, weights=person_wage, minlength=n) * productivity + ecom_wage
        )
        farm = (
            households["farmland_mu"].to_numpy()
            * inc["farm_value_per_mu"]
            * (1 + inc["farm_value_growth"]) ** k
        )
        farm = (
            farm * productivity * (1 - loss) * rng.uniform(0.7, 1.3, n)
            + rng.gamma(1.0, 600, n) * productivity
        )
        cost_ratio = inc["business_cost_ratio"]
        business_income = np.round(farm + ecom_business / (1 - cost_ratio))
        business_cost = np.round(business_income * cost_ratio)
        property_income = np.round(np.where(rng.random(n) < 0.3, rng.gamma(1.0, 400, n), 0.0))
        safety_net = np.isin(htype, ["低保贫困户", "特困供养贫困户"])
        transfer = (
            safety_net
            * inc["dibao_per_person"][k]
            * size
            * np.where(htype == "特困供养贫困户", 1.4, 1.0)
            + n_elder * inc["pension_per_elder"][k]
            + n_disabled * inc["disability_subsidy"]
            + households["forest_mu"].to_numpy() * inc["eco_compensation_per_forest_mu"]
            + n_students * 500 * (year >= 2016)
        )
        line = float(poverty_line[year])
        net = wage + business_income - business_cost + property_income + transfer
        # Social assistance (兜底) tops up a growing share of the remaining poor to the line,
        # all of them in the final year.
        poor_at_start = present & ~exited & ~new_now & ~removed_now
        # Under quota pressure, support reaches first those closest to the line (cheapest to
        # lift) and those who cannot work their way out (低保/特困, no able labour).
        gap = np.clip(1 - net / size / line, 0, 1)
        priority = 2.0 * np.exp(-3 * gap) * np.where(safety_net | (n_able == 0), 1.3, 1.0)
        coverage = inc["safety_net_coverage"][year]
        reach = 1.0 if coverage >= 1 else np.clip(coverage * priority, 0, 1)
        covered = poor_at_start & (rng.random(n) < reach)
        shortfall = np.where(covered, np.clip(line * 1.05 * size - net, 0, None), 0.0)
        transfer = transfer + shortfall
        net = net + shortfall
        transfer = np.round(transfer)
        income_pc = net / size
        prev_income_pc = income_pc

        # 两不愁三保障: housing and water improve with support, faster near the deadline.
        fix_rate = np.where(county_deadline <= year + 1, 0.6, 0.3)
        if k > 0:
            unsafe_housing &= ~(rng.random(n) < fix_rate)
            unsafe_water &= ~(rng.random(n) < fix_rate)
        guarantees_met = ~unsafe_housing & ~unsafe_water & ~dropout & insured_all

        # Exit among households poor at the start of the year.
        eligible = (income_pc >= line) & guarantees_met
        labour_ratio = n_labour / size
        wts = ex["weights"]
        base = (
            wts["log_income_ratio"] * np.log(np.clip(income_pc, 50, None) / line)
            + wts["guarantees_met"] * guarantees_met
            + wts["labour_ratio"] * labour_ratio
            + wts["ecommerce_participation"] * participating * (0.5 + ready)
            + wts["safety_net_type"] * safety_net
            + wts["cause_illness_or_disability"] * np.isin(cause, ["因病", "因残"])
            - 1.5 * illness
            - 1.0 * disaster
            + ex["deadline_year_logit_boost"] * (county_deadline == year)
            + rng.normal(0, sim["shocks"]["exit_noise_sigma"], n)
        )
        base = np.where(eligible, base, base + np.log(ex["ineligible_exit_factor"]))
        target = ex["hazard_path"][year]
        exit_prob = np.full(n, np.nan)
        if poor_at_start.any():
            if target >= 1.0:
                exit_prob[poor_at_start] = 1.0
            else:
                a = _solve_intercept(base[poor_at_start], target)
                exit_prob[poor_at_start] = expit(base[poor_at_start] + a)
        exits_now = poor_at_start & (rng.random(n) < np.nan_to_num(exit_prob))

        # Returns to poverty among households that exited in an earlier year.
        was_exited = present & exited & ~removed_now
        shocked = illness | disaster
        return_p = np.where(
            shocked & (income_pc < line * 1.2), ex["return_rate_shocked"], ex["return_rate"]
        )
        returns_now = was_exited & (rng.random(n) < return_p) & (year < years[-1])

        exited = (exited & ~returns_now) | exits_now
        returned |= returns_now
        exit_year = np.where(exits_now, year, exit_year)

        status = np.select(
            [removed_now, new_now, exited, returned],
            [STATUS_REMOVED, STATUS_NEW, STATUS_EXITED, STATUS_RETURNED],
            STATUS_POOR,
        )
        hh_rows.append(
            pd.DataFrame(
                {
                    "household_idx": np.arange(n),
                    "year": year,
                    "status": status,
                    "exit_year": np.where(exited, exit_year, 0),
                    "wage_income": wage,
                    "business_income": business_income,
                    "business_cost": business_cost,
                    "property_income": property_income,
                    "transfer_income": transfer,
                    "ecommerce_income": ecommerce_income,
                    "ecommerce_mode": np.where(participating, mode, "未参与"),
                    "income_per_capita": np.round(income_pc, 2),
                    "unsafe_housing": unsafe_housing.copy(),
                    "safe_water": ~unsafe_water,
                    "water_difficulty": unsafe_water & (rng.random(n) < 0.8),
                    "dropout": dropout,
                    "guarantees_met": guarantees_met,
                    "migrant_months": migrant_months,
                    "years_registered": years_registered,
                    "eligible": eligible,
                    "exit_prob": exit_prob,
                    "exited_this_year": exits_now,
                    "returned_this_year": returns_now,
                    "wrongful_exit": exits_now & ~eligible,
                    "illness_shock": illness,
                    "disaster_shock": disaster,
                    "productivity": productivity.copy(),
                    "poverty_line": line,
                }
            )[present]
        )
        person_rows.append(
            ps.assign(
                person_idx=np.arange(len(ph)),
                year=year,
                migrant_work=np.where(migrant, persons["migrant_destination"].to_numpy(), "未务工"),
                migrant_months=months,
                insured=persons["insured_from"].to_numpy() <= year,
            )[present[ph]]
        )
        removed |= removed_now
    return pd.concat(hh_rows, ignore_index=True), pd.concat(person_rows, ignore_index=True)
