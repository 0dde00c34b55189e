"""Conditions from configuration are interpreted over an allow-list, never run as code."""

from __future__ import annotations

import pandas as pd
import pytest

from ecpa_pipeline.domain.rules import RuleError, evaluate_rule

FRAME = pd.DataFrame(
    {
        "able_labour": [0, 1, 2, 3],
        "income_to_next_line": [0.8, 1.2, None, 2.0],
        "main_cause": ["因病", "缺资金", "因学", "缺技术"],
        "has_village_product": [True, False, True, False],
    }
)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("able_labour >= 1", [False, True, True, True]),
        ("able_labour == 0 or main_cause == '因学'", [True, False, True, False]),
        ("not has_village_product and able_labour > 1", [False, False, False, True]),
        ("main_cause in ['因病', '因学']", [True, False, True, False]),
        ("main_cause not in ('因病',)", [False, True, True, True]),
        ("1 <= able_labour < 3", [False, True, True, False]),
        ("able_labour * 2 - 1 >= 3", [False, False, True, True]),
        ("income_to_next_line < 1", [True, False, False, False]),  # missing: false
        ("-income_to_next_line > -1.5", [True, True, False, False]),
        ("has_village_product", [True, False, True, False]),
        ("True", [True, True, True, True]),
    ],
)
def test_allowed_conditions_give_one_boolean_per_row(expression, expected):
    result = evaluate_rule(expression, FRAME, "rule 'r'")
    assert result.tolist() == expected
    assert result.index.equals(FRAME.index)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("__import__('os').system('id')", r"a call `__import__\('os'\)"),
        ("able_labour.sum() > 0", r"a call `able_labour.sum\(\)`"),
        ("main_cause.str.len() > 0", r"a call"),
        ("able_labour.values > 0", r"an attribute `able_labour.values`"),
        ("main_cause[0] == '因病'", r"a subscript `main_cause\[0\]`"),
        ("@secret == 1", r"cannot read"),
        ("(lambda: 1)() == 1", r"a call"),
        ("[x for x in able_labour] == 1", r"the expression"),
        ("able_labour ** 99 > 1", r"the operator in `able_labour \*\* 99`"),
        ("main_cause in main_cause", r"`in` needs a list of constants"),
        ("able_labor >= 1", r"no column 'able_labor' \(columns: able_labour, "),
        ("able_labour >=", r"cannot read 'able_labour >='"),
        ("main_cause < 3", r"cannot evaluate 'main_cause < 3'"),
    ],
)
def test_anything_outside_the_allow_list_is_refused_naming_the_rule(expression, message):
    with pytest.raises(RuleError, match=r"^rule 'r': " + message):
        evaluate_rule(expression, FRAME, "rule 'r'")


def test_a_refused_call_is_never_made(tmp_path):
    marker = tmp_path / "ran"
    with pytest.raises(RuleError):
        evaluate_rule(f"able_labour > 0 or open('{marker}', 'w')", FRAME, "rule 'r'")
    assert not marker.exists()


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("'a' * 100000 * 100000 == 'a'", r"arithmetic on a text: `'a'`"),
        ("'%2000000000d' % 1 == 'x'", r"arithmetic on a text: `'%2000000000d'`"),
        ("main_cause * 10000000 == 'x'", r"arithmetic on a text: `main_cause`"),
        ("able_labour + ' ' == 'x'", r"arithmetic on a text: `' '`"),
        ("(" * 5_000 + "able_labour" + ")" * 5_000 + " > 0", "the condition is 10,015 characters"),
        ("-" * 1_900 + "able_labour > 0", "the condition nests 1,904 levels deep"),
        ("not " * 45 + "has_village_product", "the condition nests 4[0-9] levels deep, at most 40"),
    ],
)
def test_rules_cannot_build_large_values_or_nest_without_bound(expression, message):
    """Each of these took gigabytes or ended in a traceback before (#26)."""
    with pytest.raises(RuleError, match=r"^rule 'r': " + message):
        evaluate_rule(expression, FRAME, "rule 'r'")
