"""措施到户 by effect on hand-made lists: the development measures go, under each village's
capacity (what the rules give), to the eligible households expected to gain most; the
entitlements and e-commerce routes stay as the rules chose; the lists say the gains in
words and the rules' choice where it differs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecpa_pipeline.errors import ProjectError
from ecpa_pipeline.pipelines.household_ranking import effects
from ecpa_pipeline.pipelines.household_ranking.report import tables
from ecpa_pipeline.pipelines.household_ranking.report.assessment import assessment_table

MEASURES = ["ecommerce_training", "skills_training", "employment", "industry", "microcredit"]


@pytest.fixture()
def params(parameters) -> dict:
    return parameters["household_ranking"]


def _list() -> pd.DataFrame:
    """Five listed households in two villages. The rules give job placement to a and d;
    b is ill (medical care, an entitlement); e has nobody able to work."""
    return pd.DataFrame(
        {
            "household_key": ["a", "b", "c", "d", "e"],
            "village_code": ["V1", "V1", "V1", "V2", "V2"],
            "able_labour": [1, 2, 1, 1, 0],
            "measure_codes": [
                "job_placement",
                "medical",
                "assess",
                "own_shop;job_placement",
                "safety_net",
            ],
        }
    )


def _gains(employment: list[float], reach: list[bool] = (True,) * 5) -> pd.DataFrame:
    """Expected gains: job placement as given (interval ± 500; where the records answer for
    it: ``reach``), every other measure 0."""
    gains = {}
    for m in MEASURES:
        value = np.asarray(employment if m == "employment" else [0.0] * 5, dtype=float)
        gains |= {f"gain_{m}": value, f"gain_low_{m}": value - 500, f"gain_high_{m}": value + 500}
        gains[f"in_reach_{m}"] = list(reach) if m == "employment" else [True] * 5
    return pd.DataFrame(gains)


def test_under_rules_the_lists_keep_the_rules_measures_and_show_their_gains(params):
    out = effects.choose_measures(_list(), _gains([1000, 3000, 2000, 500, 9000]), params)
    assert out["measure_codes"].tolist() == _list()["measure_codes"].tolist()
    assert out["rule_measure_codes"].tolist() == out["measure_codes"].tolist()
    # the gain of what each household gets: job placement for a and d, nothing for the rest
    assert out["expected_gain"].tolist()[0] == 1000 and out["expected_gain"].tolist()[3] == 500
    assert out["expected_gain"].isna().tolist() == [False, True, True, False, True]
    assert out["expected_gain_low"].tolist()[0] == 500
    assert (tables._rule_choice(out, params, "zh") == "").all()


def test_under_effects_each_village_keeps_its_capacity_for_the_largest_eligible_gains(params):
    # V1: one place; b gains most (3000). V2: one place; e would gain most but cannot work.
    out = effects.choose_measures(
        _list(), _gains([1000, 3000, 2000, 500, 9000]), params | {"allocation": "effects"}
    ).set_index("household_key")
    codes = out["measure_codes"]
    assert codes.to_dict() == {
        # a loses the place to b, and has nothing left: the work team assesses it
        "a": "assess",
        # b keeps its entitlement and gets the job placement (rule order)
        "b": "job_placement;medical",
        "c": "assess",
        # d keeps its own shop (an e-commerce route, not re-allocated) and the place
        "d": "own_shop;job_placement",
        "e": "safety_net",
    }
    assert out.loc["b", "expected_gain"] == 3000 and np.isnan(out.loc["a", "expected_gain"])
    assert out.loc["a", "rule_measure_codes"] == "job_placement"
    choice = tables._rule_choice(out, params, "zh")
    assert choice.to_dict() == {"a": "就业帮扶", "b": "无", "c": "", "d": "", "e": ""}
    gains = tables._gain_texts(out, params, "zh")
    assert gains["b"] == "就业帮扶 +3000 元（2500 至 3500）"
    assert tables._gain_texts(out, params, "en")["d"] == "job placement +500 yuan (0 to 1000)"


def test_a_gain_beyond_the_records_reach_gets_no_place_and_is_marked(params):
    # b would gain most in V1, but nobody like b got or was refused job placement: a goes on
    out = effects.choose_measures(
        _list(),
        _gains([1000, 3000, 2000, 500, 9000], reach=[True, False, True, True, True]),
        params | {"allocation": "effects"},
    ).set_index("household_key")
    assert out.loc["c", "measure_codes"] == "job_placement"  # the next largest gain in V1
    assert out.loc["b", "measure_codes"] == "medical"
    under_rules = effects.choose_measures(
        _list(), _gains([1000, 3000, 2000, 500, 9000], reach=[False] * 5), params
    ).set_index("household_key")
    assert tables._gain_texts(under_rules, params, "zh")["a"].endswith("〔外推，仅供参考〕")
    assert tables._gain_texts(under_rules, params, "en")["d"].endswith(
        "[extrapolated: indicative only]"
    )


def test_a_place_nobody_is_expected_to_gain_from_stays_unused(params):
    out = effects.choose_measures(
        _list(), _gains([-100, -200, -50, -10, 9000]), params | {"allocation": "effects"}
    )
    assert "job_placement" not in ";".join(out["measure_codes"])
    assert out["rule_measure_codes"].str.contains("job_placement").sum() == 2


def test_effects_without_a_registered_model_stop_naming_the_command(params):
    with pytest.raises(ProjectError, match="kedro run --pipelines=measure_effects"):
        effects.measures_with_gains(
            _list(), pd.DataFrame(), None, {"year": 2020}, {}, params | {"allocation": "effects"}
        )
    with pytest.raises(ProjectError, match="one of rules, effects"):
        effects.measures_with_gains(
            _list(), pd.DataFrame(), None, {"year": 2020}, {}, params | {"allocation": "best"}
        )
    out, provenance = effects.measures_with_gains(
        _list(), pd.DataFrame(), None, {"year": 2020}, {}, params
    )
    assert out["expected_gain"].isna().all() and provenance["effect_model_version"] == ""
    assert (tables._gain_texts(out, params, "zh") == "").all()


def test_the_assessment_says_what_helped_what_did_not_and_the_placebo_check(params):
    assessment = pd.DataFrame(
        {
            "measure": ["employment", "microcredit", "industry", "housing_renovation"],
            "effect": [3400.0, 300.0, np.nan, 50.0],
            "effect_low": [2800.0, -400.0, np.nan, -300.0],
            "effect_high": [4000.0, 1000.0, np.nan, 400.0],
            "rows_with_overlap": [5000, 4000, 0, 6000],
            "treated_with_overlap": [700, 300, 0, 400],
            "effect_low_hidden": [2300.0, -1100.0, np.nan, -600.0],
            "effect_high_hidden": [6400.0, 4300.0, np.nan, 400.0],
            "robustness_value": [0.082, 0.0, np.nan, 0.0],
            "placebo": [False, False, False, True],
        }
    )
    listed = _list().assign(
        # e cannot work: its (extrapolated) gain counts in no kind
        gain_employment=[1000.0, 3000.0, 2000.0, 500.0, 90000.0],
        in_reach_employment=[True, True, True, True, False],
        education_max=3,
        express_point=1,
        broadband=1,
        main_cause="缺资金",
    )
    zh = assessment_table(assessment, listed, params, "zh").set_index("措施")
    assert "：有效。即使干部选户另有记录外的判断" in zh.loc["就业帮扶", "评估"]
    assert "解释未解释部分的 8.2% 才会推翻" in zh.loc["就业帮扶", "评估"]
    assert zh.loc["就业帮扶", "若干部另有记录外判断（95%区间）"] == "+2,300 … +6,400"
    assert "增加 3,400 元" in zh.loc["就业帮扶", "评估"] and "+2,800" in zh.loc["就业帮扶", "评估"]
    assert "不足以判断" in zh.loc["小额信贷", "评估"]
    assert "无法评估" in zh.loc["产业扶持", "评估"]
    assert (
        zh.loc["危房改造", "评估"].startswith("检验：") and "符合预期" in zh.loc["危房改造", "评估"]
    )
    # among the eligible listed: two able to work (b) gain most, one able to work (a, c, d) least
    who = zh.loc["就业帮扶", "本名单中预计受益最多 / 最少的户"]
    assert who.startswith("最多：两个及以上劳动力的户（平均 +3,000 元，1 户）")
    assert "最少：一个劳动力的户（平均 +1,167 元，3 户）" in who
    assert list(zh.index)[-1] == "说明"
    en = assessment_table(assessment, listed, params, "en").set_index("measure")
    assert "it helped. It holds even if cadres chose" in en.loc["job placement", "assessment"]
    assert en.loc["microcredit", "assessment"].endswith("cannot tell whether it helped.")
