"""The exit plan (脱贫计划) a year's exit likelihoods are scored against: the household lists
and the scoring on Spark read it alike."""

from __future__ import annotations


def plan_share(year: int, exit_plan: dict, setting) -> tuple[float, dict[str, str]]:
    """Next year's planned exit share for scoring ``year``'s registered poor, and where it
    came from (zh and en): ``setting`` (a number) if not ``auto``, else the plan for
    ``year + 1``, else (a decreed year) the last regular plan before it.

    Raises:
        ValueError: ``auto`` and no regular plan before ``year + 1``.
    """
    if setting != "auto":
        share = float(setting)
        return share, {
            "zh": f"配置的计划脱贫比例 {share:.0%}",
            "en": f"configured plan {share:.0%}",
        }
    plan = {int(k): float(v) for k, v in exit_plan["shares"].items()}
    decreed = {int(y) for y in exit_plan["decreed_years"]}
    target = year + 1
    if target in plan and target not in decreed:
        share = plan[target]
        return share, {
            "zh": f"{target} 年计划脱贫比例 {share:.0%}",
            "en": f"the {target} exit plan ({share:.0%})",
        }
    regular = [y for y in plan if y < target and y not in decreed]
    if not regular:
        raise ValueError(
            f"no exit plan to score {year}: set household_ranking.exit_plan_share to a number"
        )
    last = max(regular)
    share = plan[last]
    return share, {
        "zh": (
            f"{last} 年计划脱贫比例 {share:.0%}：{target} 年为全部脱贫的收官之年（无常规计划），"
            "故按常规计划下的脱贫可能性排序"
        ),
        "en": (
            f"the {last} exit plan ({share:.0%}): {target} has no regular plan (all remaining "
            "households exit by decree), so households are ranked by their likelihood of exit "
            "under a regular plan"
        ),
    }
