"""Conditions written by data teams in configuration (e.g. the measure rules 措施到户),
evaluated over a table without running any code.

A condition is parsed, checked against an allow-list — column names, constants, comparisons,
``and``/``or``/``not``, ``+ - * / %`` and ``in [...]`` lists — and then interpreted here, one
vectorised operation per syntax node. Nothing reaches ``eval``: attributes, calls,
subscripts, ``@`` variables, lambdas and comprehensions are refused before anything runs.

The interpreter is bounded by construction: a rule is at most ``MAX_RULE_CHARS`` long and
``MAX_RULE_DEPTH`` deep, and arithmetic takes numbers only — a text can be compared, never
repeated or formatted (``'a' * 10**9``, ``'%2000000000d' % 1``, ``household_type * 10**7``
would each build gigabytes) — so every value a rule makes is one number or one column.
"""

from __future__ import annotations

import ast
import operator

import numpy as np
import pandas as pd

from ecpa_pipeline.errors import ProjectError

ALLOWED = (
    "column names, numbers, texts, True/False, comparisons (== != < <= > >=), "
    "and/or/not, + - * / %, and `in [...]` lists of constants"
)
_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_ARITHMETIC = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Mod: operator.mod,
}


#: The longest rule (characters) and the deepest nesting of its syntax tree: a rule is a
#: line of configuration, not a program (the measure rules here are < 200 and < 10).
MAX_RULE_CHARS = 2_000
MAX_RULE_DEPTH = 40


class RuleError(ProjectError):
    """A condition that is not allowed or cannot be evaluated; the message names the rule
    (a configuration problem: the run stops with this one line)."""


def _constants(node: ast.AST) -> list | None:
    """The values of a list or tuple of constants (the right side of ``in``), else None."""
    if isinstance(node, ast.List | ast.Tuple) and all(
        isinstance(e, ast.Constant) for e in node.elts
    ):
        return [e.value for e in node.elts]
    return None


def _truth(value) -> pd.Series | bool:
    """A condition's value as booleans (a missing value is false)."""
    if isinstance(value, pd.Series):
        return value.fillna(False).astype(bool) if value.dtype != bool else value
    return bool(value)


def _numeric(value) -> bool:
    """Whether arithmetic may take ``value``: a number, or a column of numbers or booleans."""
    if isinstance(value, pd.Series):
        return pd.api.types.is_numeric_dtype(value) or pd.api.types.is_bool_dtype(value)
    return isinstance(value, int | float) and not isinstance(value, str)


def _depth(tree: ast.AST) -> int:
    """The deepest nesting of ``tree`` (counted without recursion: a hostile rule may nest
    thousands of levels)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack += [(child, depth + 1) for child in ast.iter_child_nodes(node)]
    return deepest


class _Interpreter:
    def __init__(self, frame: pd.DataFrame, rule: str):
        self.frame, self.rule = frame, rule

    def refuse(self, node: ast.AST, what: str):
        text = ast.unparse(node) if not isinstance(node, ast.expr_context) else ""
        raise RuleError(f"{self.rule}: {what} `{text}` is not allowed (allowed: {ALLOWED})")

    def value(self, node: ast.AST):  # noqa: PLR0911 - one branch per kind of node
        if isinstance(node, ast.Name):
            if node.id not in self.frame.columns:
                known = ", ".join(sorted(map(str, self.frame.columns)))
                raise RuleError(f"{self.rule}: no column {node.id!r} (columns: {known})")
            return self.frame[node.id]
        if isinstance(node, ast.Constant):
            if not isinstance(node.value, str | int | float | bool):
                self.refuse(node, "the constant")
            return node.value
        if isinstance(node, ast.BoolOp):
            values = [_truth(self.value(v)) for v in node.values]
            combine = operator.and_ if isinstance(node.op, ast.And) else operator.or_
            result = values[0]
            for v in values[1:]:
                result = combine(result, v)
            return result
        if isinstance(node, ast.UnaryOp):
            operand = self.value(node.operand)
            if isinstance(node.op, ast.Not):
                truth = _truth(operand)
                return ~truth if isinstance(truth, pd.Series) else not truth
            if isinstance(node.op, ast.USub):
                return -operand
            if isinstance(node.op, ast.UAdd):
                return operand
            self.refuse(node, "the operator in")
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
            return self.arithmetic(node)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        kind = {
            ast.Call: "a call",
            ast.Attribute: "an attribute",
            ast.Subscript: "a subscript",
            ast.BinOp: "the operator in",
        }.get(type(node), "the expression")
        self.refuse(node, kind)

    def arithmetic(self, node: ast.BinOp):
        left, right = self.value(node.left), self.value(node.right)
        for side, operand in ((node.left, left), (node.right, right)):
            if not _numeric(operand):
                self.refuse(side, "arithmetic on a text:")
        return _ARITHMETIC[type(node.op)](left, right)

    def compare(self, node: ast.Compare):
        result, left = None, self.value(node.left)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                values = _constants(right_node)
                if values is None:
                    self.refuse(right_node, "`in` needs a list of constants, not")
                if not isinstance(left, pd.Series):
                    self.refuse(node, "`in` needs a column on its left, not")
                part = left.isin(values)
                part = ~part if isinstance(op, ast.NotIn) else part
                right = None
            elif type(op) in _COMPARE:
                right = self.value(right_node)
                part = _COMPARE[type(op)](left, right)
            else:
                self.refuse(node, "the comparison in")
            part = _truth(part)
            result = part if result is None else result & part
            left = right
        return result


def evaluate_rule(expression: str, frame: pd.DataFrame, rule: str) -> pd.Series:
    """Where ``expression`` holds on each row of ``frame`` (booleans, missing = false).

    Raises:
        RuleError: naming ``rule`` when the expression does not parse, uses anything outside
        the allow-list, names a column ``frame`` lacks, or cannot be computed.
    """
    text = str(expression).strip()
    if len(text) > MAX_RULE_CHARS:
        raise RuleError(
            f"{rule}: the condition is {len(text):,} characters long, at most "
            f"{MAX_RULE_CHARS:,} are allowed"
        )
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise RuleError(f"{rule}: cannot read {text[:80]!r} ({exc.msg})") from None
    except (RecursionError, MemoryError):
        raise RuleError(f"{rule}: the condition nests too deeply to be read") from None
    if _depth(tree) > MAX_RULE_DEPTH:
        raise RuleError(
            f"{rule}: the condition nests {_depth(tree):,} levels deep, at most "
            f"{MAX_RULE_DEPTH} are allowed"
        )
    try:
        result = _Interpreter(frame, rule).value(tree.body)
    except RuleError:
        raise
    except (TypeError, ValueError, ZeroDivisionError) as exc:
        raise RuleError(f"{rule}: cannot evaluate {expression!r} ({exc})") from None
    if isinstance(result, pd.Series):
        return _truth(result).reindex(frame.index, fill_value=False)
    return pd.Series(np.full(len(frame), bool(result)), index=frame.index)


def matching_rules(
    frame: pd.DataFrame, rules: list[dict], default: str, where: str
) -> pd.DataFrame:
    """Which of ``rules`` (``{code, when, group?}``, in order) apply to each row: within a
    ``group`` only the first matching rule, rules without a group all; the ``default`` code
    where none applies. One boolean column per code, in rule order, the default last.

    Raises:
        RuleError: naming the rule (``where`` + its code) that is not allowed or fails.
    """
    taken: dict[str, pd.Series] = {}
    chosen = {}
    for rule in rules:
        hit = evaluate_rule(rule["when"], frame, f"{where} rule {rule['code']!r}")
        group = rule.get("group")
        if group:
            free = ~taken.get(group, pd.Series(False, index=frame.index))
            hit &= free
            taken[group] = ~free | hit
        chosen[rule["code"]] = hit
    flags = pd.DataFrame(chosen, index=frame.index)
    flags[default] = ~flags.any(axis=1)
    return flags
