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
