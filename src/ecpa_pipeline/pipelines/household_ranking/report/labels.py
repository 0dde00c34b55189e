"""Words of the officials' exports in Chinese and English (``report.language``).

Policy wording that a county may change (measures, risk bands) lives in
``parameters_household_ranking.yml``; these are the fixed headings of the reports.
"""

from __future__ import annotations

from ecpa_pipeline.officials.words import WORDS as SHARED
from ecpa_pipeline.officials.words import text

#: Household list columns: canonical name → (zh, en). The order is the order of the exports.
HOUSEHOLD_COLUMNS = {
    "rank_county": ("县内排序", "county rank"),
    "rank_township": ("乡镇内排序", "township rank"),
    "rank_village": ("村内排序", "village rank"),
    "township": ("乡镇", "township"),
    "village": ("行政村", "village"),
    "household_code": ("户编号", "household code"),
    "head_name": ("户主姓名", "head's name"),
    "head_id_number": ("户主证件号码", "head's ID number"),
    "head_phone": ("联系电话", "phone"),
    "household_size": ("人数", "members"),
    "main_cause": ("主要致贫原因", "main cause"),
    "income_per_capita": ("人均纯收入(元)", "income per person (yuan)"),
    "exit_probability": ("脱贫可能性", "exit likelihood"),
    "risk_band": ("风险等级", "risk band"),
    "readiness_rank": ("脱贫验收排序", "exit-verification order"),
    "meets_exit_criteria": ("达到退出标准", "meets exit criteria"),
    "unmet_guarantees": ("两不愁三保障未达标项", "basic guarantees not met"),
    "marginal": ("防返贫边缘户", "marginal (return risk)"),
    "reasons": ("主要原因", "main reasons"),
    "measures": ("建议帮扶措施", "recommended measures"),
    "measure_gains": (
        "发展类措施预计明年增收（元，95%区间）",
        "development measures' expected gain next year (yuan, 95% interval)",
    ),
    "rule_measures": (
        "按规则应给的发展类措施（不同时）",
        "the rules' development measures (where different)",
    ),
    "household_key": ("户标识(假名)", "household key (pseudonym)"),
}

#: Village / county summary columns.
AREA_COLUMNS = {
    "county": ("县", "county"),
    "township": ("乡镇", "township"),
    "village": ("行政村", "village"),
    "village_code": ("行政区划代码", "village code"),
    "population": ("人口", "population"),
    "households": ("贫困户数", "registered poor households"),
    "persons": ("贫困人口", "registered poor persons"),
    "expected_exits": ("预计明年脱贫户数", "expected exits next year (households)"),
    "high_risk": ("高风险户数", "high-risk households"),
    "meets_exit_criteria": ("已达退出标准户数", "households meeting exit criteria"),
    "marginal": ("边缘户数", "marginal households"),
    "current_incidence": ("当前贫困发生率", "current incidence"),
    "projected_incidence": ("预计贫困发生率", "projected incidence"),
    "incidence_threshold": ("退出标准", "exit threshold"),
    "readiness": ("退出准备度", "readiness"),
    "villages": ("行政村数", "villages"),
    "villages_ready": ("达标村数", "villages ready"),
    "recommended_products": ("推荐特色产品", "recommended products"),
}

READINESS = {
    "ready": ("可退出", "ready"),
    "near": ("接近标准", "near"),
    "not_ready": ("未达标", "not ready"),
    "unknown": ("人口不详", "population unknown"),
}

WORDS = {
    **SHARED,
    "favours": ("有利于脱贫", "favours exit"),
    "hinders": ("不利于脱贫", "hinders exit"),
    "list_sep": ("、", ", "),
    "reason_sep": ("；", "; "),
    "title": (
        "建档立卡贫困户脱贫可能性排序与帮扶措施",
        "Registered poor households: exit likelihood and measures",
    ),
    "summary": ("汇总", "Summary"),
    "county_summary": ("全县汇总", "County summary"),
    "villages": ("各村退出准备度", "Village readiness"),
    "households": ("贫困户名单", "Households"),
    "distribution": ("各村脱贫可能性分布", "Exit likelihood by village"),
    "readiness_chart": (
        "各村预计贫困发生率与退出标准",
        "Projected incidence by village against the threshold",
    ),
    "scored_year": ("评估年度", "Registry year scored"),
    "basis": ("评估基准", "Basis"),
    "products": ("本村推荐特色产品（一村一品）", "Recommended products (one village, one product)"),
    "no_products": (
        "尚无产品推荐（先运行 product_recommendation）",
        "no product recommendations yet (run product_recommendation)",
    ),
    "expand": ("拓展现有产品", "Expand current production"),
    "develop": ("发展新产品", "Develop new products"),
    "fewer_products": (
        "（仅 {n} 个产品满足条件）",
        "(only {n} products pass the constraints)",
    ),
    "about": (
        "本名单按明年脱贫可能性排序（可能性最低、最需帮扶的户在前），列出主要原因和建议帮扶措施，"
        "供帮扶干部入户核实参考；不代替贫困退出程序（民主评议、公示公告、退出验收）。",
        "This list ranks registered poor households by their likelihood of exiting poverty next "
        "year, the least likely (most in need of help) first, with the main reasons and suggested "
        "measures, for cadres' household visits. It does not replace the exit procedure "
        "(village appraisal, public notice, verification).",
    ),
    "median": ("中位数", "median"),
    "yuan": ("元", "yuan"),
    "to": (" 至 ", " to "),
    "open": ("（", " ("),
    "close": ("）", ")"),
    "none": ("无", "none"),
    "note": ("说明", "note"),
    "beyond_reach": ("〔外推，仅供参考〕", " [extrapolated: indicative only]"),
    "effect_model": ("措施效果模型", "Measure-effect model"),
    "allocation_rules": ("发展类措施按规则确定", "development measures by the rules"),
    "allocation_effects": (
        "发展类措施按预计增收分配（各村名额同规则）",
        "development measures by expected gain (each village's places as by the rules)",
    ),
    "assessment": ("帮扶措施成效评估（发展类措施）", "What the development measures did"),
    "effect_up": (
        "{name}使得到的户明年市场收入平均增加 {size} 元（95% 区间 {low} 至 {high} 元）：有效。",
        "{name} raised a household's market income the next year by {size} yuan on average "
        "(95% interval {low} to {high}): it helped.",
    ),
    "effect_down": (
        "{name}使得到的户明年市场收入平均减少 {size} 元（95% 区间 {low} 至 {high} 元）：有害。",
        "{name} lowered a household's market income the next year by {size} yuan on average "
        "(95% interval {low} to {high}): it did harm.",
    ),
    "effect_unsure": (
        "{name}：估计平均 {effect} 元（95% 区间 {low} 至 {high} 元），区间包含 0，"
        "记录不足以判断是否有效。",
        "{name}: an estimated {effect} yuan on average (95% interval {low} to {high}); the "
        "interval includes 0: the records cannot tell whether it helped.",
    ),
    "effect_unknown": (
        "{name}：得到或未得到该措施的可比户太少，无法评估。",
        "{name}: too few comparable households with and without it to assess.",
    ),
    "placebo_null": (
        "检验：{name}不带来市场收入，估计 {effect} 元"
        "（95% 区间 {low} 至 {high} 元）包含 0，符合预期。",
        "Check: {name} pays no market income; its estimate {effect} yuan (95% interval {low} "
        "to {high}) includes 0, as it must.",
    ),
    "placebo_not_null": (
        "检验未通过：{name}不带来市场收入，但估计 {effect} 元（95% 区间 {low} 至 {high} 元）"
        "不含 0——其他措施的估计也可能有偏，慎用。",
        "Check failed: {name} pays no market income, yet its estimate {effect} yuan (95% "
        "interval {low} to {high}) excludes 0 — the other estimates may be biased too; use "
        "them with care.",
    ),
    "who_gains": (
        "最多：{most}（平均 {most_gain} 元，{n_most} 户）；"
        "最少：{least}（平均 {least_gain} 元，{n_least} 户）",
        "most: {most} ({most_gain} yuan on average, {n_most} households); least: {least} "
        "({least_gain} yuan, {n_least} households)",
    ),
    "hidden_holds": (
        "即使干部选户另有记录外的判断（强度与致贫原因相当），仍可判断有此效果；"
        "记录外判断须解释未解释部分的 {share} 才会推翻。",
        " It holds even if cadres chose on what the records do not show, as strongly as they "
        "follow the main cause; only a judgement explaining {share} of what the records leave "
        "unexplained would overturn it.",
    ),
    "hidden_unsure": (
        "若干部选户另有记录外的判断（强度与致贫原因相当），则不能确定。",
        " If cadres chose on what the records do not show, as strongly as they follow the main "
        "cause, it could not be told.",
    ),
    "effect_caveat": (
        "以上为模型从往年记录中估计的平均效果（措施实施次年的工资、经营和财产收入，不含转移性收入）。"
        "估计假定：记录的家庭情况相同的户之间，谁得到措施与其收入前景无关。"
        "若干部依据记录以外的判断（如谁更能干）选户，估计会偏高；"
        "“若干部另有记录外判断”一列放宽了这一假定（记录外判断与致贫原因对选户的影响相当）。",
        "Averages the model estimated from past years' records (wages, business and property "
        "income the year after the measure; transfers excluded). They assume that among "
        "households whose recorded circumstances are alike, who got a measure had nothing to "
        "do with their income prospects; where cadres chose on what the records do not show "
        "(who is more capable), the estimates come out too high; the column \"allowing cadres' "
        'unrecorded judgement" relaxes this (one as strong as the main cause in who got it).',
    ),
    "threshold": ("退出标准", "threshold"),
}

#: 主要致贫原因 (the registry's code list) in English.
CAUSES_EN = {
    "因病": "illness",
    "因残": "disability",
    "因学": "education costs",
    "因灾": "disaster",
    "因婚": "marriage costs",
    "缺土地": "lack of land",
    "缺水": "lack of water",
    "缺技术": "lack of skills",
    "缺劳力": "lack of labour",
    "缺资金": "lack of funds",
    "交通条件落后": "poor transport",
    "自身发展动力不足": "lack of motivation",
    "其他": "other",
}


def word(key: str, language: str, table: dict = WORDS) -> str:
    """One label in ``language`` (zh or en)."""
    return text(key, language, table)
