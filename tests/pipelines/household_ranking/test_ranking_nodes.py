"""The ranking, measures, readiness and masking rules of ``household_ranking`` on small
hand-made tables whose right answers can be worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from ecpa_pipeline.domain.exit_plan import plan_share
from ecpa_pipeline.errors import ProjectError
from ecpa_pipeline.officials import codes_to_words, risk_band
from ecpa_pipeline.pipelines.household_ranking import nodes
from ecpa_pipeline.pipelines.household_ranking.report import tables
from ecpa_pipeline.pipelines.household_ranking.report.labels import word
from ecpa_pipeline.pipelines.household_ranking.scoring import GUARANTEES


@pytest.fixture()
def params(parameters) -> dict:
    return parameters["household_ranking"]


def _profiles(**columns) -> pd.DataFrame:
    """Four households in two villages of one township; columns override the defaults."""
    base = {
        "household_key": ["k1", "k2", "k3", "k4"],
        "household_code": ["H1", "H2", "H3", "H4"],
        "county_code": "520122",
        "township": "T",
        "village_code": ["V1", "V1", "V2", "V2"],
        "meets_exit_criteria": [False, True, False, True],
    }
    return pd.DataFrame(base | columns)


def _scores(probability, raw) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "household_key": ["k1", "k2", "k3", "k4"],
            "exit_probability": probability,
            "raw_score": raw,
        }
    )


def test_most_in_need_first_with_ties_broken_by_raw_score_then_code(params):
    ranked = nodes.rank_households(
        _scores([0.5, 0.2, 0.5, 0.9], [0.40, 0.10, 0.45, 0.90]), _profiles(), params
    ).set_index("household_code")
    # county: H2 (0.2) < H1 (0.5, raw 0.40) < H3 (0.5, raw 0.45) < H4 (0.9)
    assert ranked["rank_county"].to_dict() == {"H2": 1, "H1": 2, "H3": 3, "H4": 4}
    assert ranked["rank_township"].to_dict() == ranked["rank_county"].to_dict()
    assert ranked["rank_village"].to_dict() == {"H2": 1, "H1": 2, "H3": 1, "H4": 2}
    # verification order: criteria met first (H4 0.9, H2 0.2), then the rest by likelihood
    assert ranked["readiness_rank"].to_dict() == {"H4": 1, "H2": 2, "H3": 3, "H1": 4}
    # bands by place in the county's list: 20 % (at least one), 30 %, the rest
    assert ranked["risk_band"].to_dict() == {
        "H1": "medium",
        "H2": "high",
        "H3": "low",
        "H4": "low",
    }


def test_identical_scores_still_rank_deterministically_by_household_code(params):
    ranked = nodes.rank_households(_scores([0.5] * 4, [0.3] * 4), _profiles(), params)
    assert ranked.set_index("household_code")["rank_county"].to_dict() == {
        "H1": 1,
        "H2": 2,
        "H3": 3,
        "H4": 4,
    }


def test_risk_bands_are_shares_of_each_county_list_and_never_empty(params):
    """The first fifth least likely to exit is 高风险 whatever the likelihoods (#27: no
    household of the county was below the old 0.4 bound)."""
    scores = _scores([0.90, 0.95, 0.92, 0.97], [0.1, 0.4, 0.2, 0.6])  # all likely to exit
    ranked = nodes.rank_households(scores, _profiles(), params).set_index("household_code")
    assert ranked["risk_band"].to_dict() == {"H1": "high", "H3": "medium", "H2": "low", "H4": "low"}
    counts = risk_band(pd.Series(range(1, 101)), pd.Series(["c"] * 100), params["risk_bands"])
    assert counts.value_counts().to_dict() == {"low": 50, "medium": 30, "high": 20}
    with pytest.raises(ProjectError, match="must be positive and sum to 1"):
        risk_band(pd.Series([1]), pd.Series(["c"]), [{"code": "high", "share": 0.5}])


def _household(**overrides) -> dict:
    """A capable household in a connected village, with no unmet needs."""
    return {
        "household_key": "k",
        "village_code": "V1",
        "able_labour": 2,
        "n_labour_skilled": 1,
        "n_labour_weak": 0,
        "n_no_labour": 0,
        "education_max": 3.0,
        "head_age": 40.0,
        "household_size": 4.0,
        "household_type": "一般贫困户",
        "main_cause": "缺资金",
        "n_serious_illness": 0.0,
        "n_disabled": 0.0,
        "n_students": 0.0,
        "migrant_months": 8.0,
        "cooperative_member": 0.0,
        "ecommerce_mode": "未参与",
        "housing_secure": True,
        "water_secure": True,
        "education_secure": True,
        "medical_secure": True,
        "income_to_next_line": 1.2,
        "meets_exit_criteria": True,
        "marginal": True,
        "broadband": 1.0,
        "express_point": 1.0,
        "ecommerce_station": 0.0,
        "cold_chain": 0.0,
        "exit_probability": 0.6,
        **{
            f"assist_{m}": False
            for m in (
                "ecommerce_training",
                "microcredit",
                "industry",
                "skills_training",
                "employment",
            )
        },
        **overrides,
    }


def _measures(rows: list[dict], params: dict, recommendations=None) -> pd.Series:
    products = pd.DataFrame({"product_code": ["P01", "P02"], "name_en": ["kiwi", "honey"]})
    frame = pd.DataFrame(rows)
    return nodes.recommend_measures(frame, recommendations, products, params)


def test_measures_follow_the_rules_one_ecommerce_route_each(params):
    # V1 grows kiwi (its expand list) and should develop honey (its develop list).
    recommendations = pd.DataFrame(
        {
            "village_code": ["V1", "V1", "V1"],
            "list": ["develop", "expand", "develop"],
            "rank": [1, 1, 2],
            "product_code": ["P02", "P01", "P01"],
            "product_name": ["蜂蜜", "猕猴桃", "猕猴桃"],
        }
    )
    rows = [
        _household(household_key="capable"),
        # no one able to work, 特困供养: the cadres' shop and the safety net, never an own shop
        _household(
            household_key="destitute",
            able_labour=0,
            n_labour_skilled=0,
            household_type="特困供养贫困户",
            main_cause="因病",
            n_serious_illness=1.0,
            income_to_next_line=0.7,
        ),
        # an older head without broadband: sells through the cooperative instead
        _household(household_key="older", head_age=62.0, broadband=0.0, village_code="V2"),
    ]
    out = _measures(rows, params, recommendations).set_index("household_key")
    codes = out["measure_codes"].str.split(";")
    assert codes["capable"] == ["own_shop", "ecommerce_training", "microcredit", "industry_support"]
    assert codes["destitute"] == ["special_shop", "medical", "safety_net"]
    # V2 has no recommended product and the household is in no cooperative: no e-commerce route
    assert codes["older"] == ["ecommerce_training", "microcredit"]
    ecommerce = {r["code"] for r in params["measures"] if r.get("group") == "ecommerce"}
    assert all(len(ecommerce & set(c)) <= 1 for c in codes)
    assert out.loc["capable", "village_product"] == "猕猴桃"
    assert out.loc["capable", "village_product_en"] == "kiwi"
    assert out.loc["capable", "new_product"] == "蜂蜜"

    words = tables._measure_texts(out, params, "zh")
    assert words["capable"].startswith("开设自营网店（猕猴桃）；参加电商培训")
    assert words["capable"].endswith("产业扶持（发展蜂蜜）")  # industry support: the new product
    assert "（本村特色农产品）" not in words["capable"]
    english = tables._measure_texts(out, params, "en")
    assert english["capable"].startswith("open an own online shop (kiwi); e-commerce training")
    assert english["capable"].endswith("industry support to grow honey")


def test_a_household_no_rule_fits_is_assessed_by_the_work_team(params):
    settled = _household(
        education_max=0.0, migrant_months=8.0, n_labour_skilled=1, main_cause="其他"
    )
    out = _measures([settled], params | {"measures": params["measures"][:1]})
    assert out["measure_codes"].tolist() == ["assess"]
    assert tables._measure_texts(out, params, "zh").tolist() == ["驻村工作队入户核实帮扶需求"]


def test_a_rule_that_cannot_be_evaluated_is_named_in_the_error(params):
    broken = params | {
        "measures": [{"code": "typo", "when": "able_labor >= 1", "zh": "", "en": ""}]
    }
    with pytest.raises(ValueError, match=r"rule 'typo': no column 'able_labor' \(columns: .*"):
        _measures([_household()], broken)


def test_a_rule_that_would_run_code_stops_the_run_and_runs_nothing(params, tmp_path):
    leak = tmp_path / "leak.txt"
    hostile = f"able_labour >= 0 or __import__('os').system('touch {leak}') == 0"
    evil = params | {"measures": [{"code": "evil", "when": hostile, "zh": "", "en": ""}]}
    with pytest.raises(ValueError, match=r"rule 'evil': a call `__import__\('os'\)"):
        _measures([_household()], evil)
    assert not leak.exists()


def _villages() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "county_code": "520122",
            "county": "仁松县",
            "township": "T",
            "village_code": ["V1", "V2", "V3"],
            "village": ["甲村", "乙村", "丙村"],
            "region": "西部",
            "population": [100.0, 200.0, 50.0],
        }
    )


def _measured() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "village_code": ["V1", "V1", "V2"],
            "county_code": "520122",
            "household_size": [4.0, 2.0, 5.0],
            "exit_probability": [0.5, 1.0, 0.2],
            "risk_band": ["medium", "low", "high"],
            "meets_exit_criteria": [False, True, False],
            "marginal": [False, True, False],
        }
    )


def test_village_and_county_incidence_and_readiness_by_hand(params):
    village, county = nodes.area_readiness(_measured(), _villages(), params)
    v = village.set_index("village_code")
    # V1: 6 poor persons of 100; expected remaining 0.5·4 + 0·2 = 2 ⇒ 2 %, west threshold 3 %
    assert v.loc["V1", "current_incidence"] == pytest.approx(0.06)
    assert v.loc["V1", "projected_incidence"] == pytest.approx(0.02)
    assert v.loc["V1", "expected_exits"] == pytest.approx(1.5)
    assert v.loc["V1", "readiness"] == "ready"
    # V2: remaining 0.8·5 = 4 of 200 = 2 % ⇒ ready; V3 has no registered poor household
    assert v.loc["V2", "projected_incidence"] == pytest.approx(0.02)
    assert v.loc["V3", "households"] == 0 and v.loc["V3", "readiness"] == "ready"
    c = county.iloc[0]
    assert c["households"] == 3 and c["persons"] == 11
    assert c["projected_incidence"] == pytest.approx(6 / 350)
    assert c["villages"] == 3 and c["villages_ready"] == 3
    assert c["incidence_threshold"] == 0.03


def test_prefecture_and_province_readiness_are_summed_from_their_counties(params):
    """Two counties of prefecture 5201 and one of 5202: counts and expected exits add up,
    incidence is recomputed from the sums (not averaged), every county stays as reported."""
    _, county = nodes.area_readiness(_measured(), _villages(), params)
    counties = pd.concat(
        [county.assign(county_code=code, county=name)
         for code, name in (("520122", "甲县"), ("520123", "乙县"), ("520201", "丙县"))],
        ignore_index=True,
    )  # fmt: skip
    counties.loc[2, ["population", "remaining_persons"]] = [100.0, 9.0]
    out = nodes.regional_readiness(counties, params).set_index(["level", "area_code"])
    assert out.loc[("county", "520122"), "county"] == "甲县"
    prefecture = out.loc[("prefecture", "5201")]
    assert prefecture["counties"] == 2 and prefecture["households"] == 6
    assert prefecture["projected_incidence"] == pytest.approx(12 / 700)
    assert prefecture["readiness"] == "ready"
    assert out.loc[("prefecture", "5202"), "readiness"] == "not_ready"  # 9 of 100
    province = out.loc[("province", "52")]
    assert province["counties"] == 3 and province["villages"] == 9
    assert province["projected_incidence"] == pytest.approx(21 / 800)
    assert province["readiness"] == "ready"  # 2.6 % < 3 % (west)


def test_incidence_threshold_outside_the_west_is_two_percent_and_near_is_flagged(params):
    villages = _villages().assign(region="中部")
    village, _ = nodes.area_readiness(_measured(), villages, params)
    v = village.set_index("village_code")
    assert v.loc["V1", "incidence_threshold"] == 0.02
    assert v.loc["V1", "readiness"] == "near"  # 2 % is not below 2 %, but below 3 %
    unknown = villages.assign(population=[None, 200.0, 50.0])
    village, _ = nodes.area_readiness(_measured(), unknown, params)
    assert village.set_index("village_code").loc["V1", "readiness"] == "unknown"


def test_scoring_plan_share_regular_decreed_and_configured(parameters):
    plan = parameters["exit_plan"]
    share, basis = plan_share(2017, plan, "auto")
    assert share == 0.45 and "2018" in basis["en"]
    # 2020's exits were decreed: the 2019 plan stands in, and the basis says so
    share, basis = plan_share(2019, plan, "auto")
    assert share == 0.67 and "decree" in basis["en"] and "收官" in basis["zh"]
    assert plan_share(2019, plan, 0.5)[0] == 0.5


def test_selecting_a_year_without_registered_households_fails_clearly(parameters):
    model_input = pd.DataFrame({"year": [2018, 2019], "household_key": ["a", "b"]})
    params = parameters["household_ranking"] | {"year": 2016}
    with pytest.raises(ValueError, match=r"no registered poor households in 2016 .*\[2018, 2019\]"):
        nodes.select_households_to_score(model_input, parameters["exit_plan"], params)
    rows, basis = nodes.select_households_to_score(
        model_input, parameters["exit_plan"], parameters["household_ranking"]
    )
    assert rows["household_key"].tolist() == ["b"] and basis["year"] == 2019


def test_officials_view_masks_ids_and_phones_and_hides_names_by_default(parameters):
    measured = pd.DataFrame(
        {
            "head_name": ["张三"],
            "head_id_number": ["52212219800101123X"],
            "head_phone": ["13812345678"],
        }
    )
    officials = parameters["officials"]
    view = nodes.officials_view(measured, officials)
    assert "head_name" not in view
    assert view.iloc[0].to_dict() == {
        "head_id_number": "5221**********123X",
        "head_phone": "138****5678",
    }
    shown = nodes.officials_view(
        measured, officials | {"show_names": True, "mask_personal_data": False}
    )
    assert shown.iloc[0].to_dict() == measured.iloc[0].to_dict()


def test_marginal_households_are_just_above_next_years_line(tiny_modelled, parameters):
    """On the tiny world: marginal ⇔ line ≤ income < 1.5 × line, with next year's line."""
    data = tiny_modelled
    model_input = pd.read_parquet(data / "05_model_input" / "exit_model_input.parquet")
    params = parameters["household_ranking"]
    rows, _ = nodes.select_households_to_score(model_input, parameters["exit_plan"], params)
    profiles = nodes.household_profiles(
        rows,
        pd.read_parquet(data / "03_primary" / "households.parquet"),
        pd.read_parquet(data / "03_primary" / "restricted" / "person_identities.parquet"),
        pd.read_parquet(data / "03_primary" / "villages.parquet"),
        pd.read_parquet(data / "05_model_input" / "household_keys.parquet"),
        parameters["poverty_line"],
        params,
    )
    assert len(profiles) == len(rows) and profiles["household_code"].notna().all()
    line = parameters["poverty_line"][int(rows["year"].iloc[0]) + 1]
    income = profiles["income_per_capita"]
    assert (profiles["marginal"] == ((income >= line) & (income < 1.5 * line))).all()
    assert (
        profiles["meets_exit_criteria"] == ((income >= line) & profiles["guarantees_met"])
    ).all()
    assert profiles["head_id_number"].str.len().eq(18).mean() > 0.9  # the head's own ID


@pytest.mark.parametrize("language", ["zh", "en"])
def test_unmet_guarantees_say_what_is_wrong_and_nothing_when_all_are_met(params, language):
    """'吃穿不愁' listed as unmet read as if it were met (#27)."""
    view = pd.DataFrame({"unmet_guarantees": ["food_clothing_secure;housing_secure", ""]})
    words = codes_to_words(
        view["unmet_guarantees"],
        {k: v[language] for k, v in GUARANTEES.items()},
        word("list_sep", language),
    ).tolist()
    expected = {
        "zh": ["吃穿有困难（收入低于贫困线）、住房不安全（危房）", ""],
        "en": ["food and clothing not secure (income below the line), unsafe housing", ""],
    }
    assert words == expected[language]
