"""Formulas of derived indicators: arithmetic over other indicators of the same area and period.

A derived indicator's ``derived`` field in the catalog is an expression such as

* ``ECO-GDP-003 + ECO-GDP-004 + ECO-GDP-005``       (a total of its parts)
* ``MKT-ENT-006 * 10000 - MKT-ENT-011``            (a difference, with a unit factor)
* ``ECO-FIS-002 / ECO-FIS-001 * 100``              (a share, in %)
* ``ECO-GDP-001 * 100000000 / (ECO-POP-001 * 10000)``  (per capita)
* ``growth(ECO-FIN-002)``                          (year-on-year growth of another indicator, in %)

Only indicator codes, numbers, ``+ - * /``, parentheses and ``growth(CODE)`` are allowed; the text
is parsed with Python's own parser and every node is checked, so nothing else is ever evaluated.
A missing input, or a division by zero, makes the derived value missing, never wrong.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

CODE = re.compile(r"[A-Z]{3}-[A-Z0-9]{2,6}-\d{3}")
_OPERATORS: dict[type, Callable[[object, object], object]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
}
GROWTH = "growth"


class FormulaError(ValueError):
    """A formula that cannot be used; the message says why."""


@dataclass(frozen=True)
class Formula:
    """A parsed, checked formula.

    Attributes:
        text: the formula as written.
    """

    text: str
    _tree: ast.expr
    _names: tuple[str, ...]

    @cached_property
    def inputs(self) -> tuple[str, ...]:
        """The indicator codes the formula reads, in order of first use."""
        return tuple(dict.fromkeys(self._names))

    @cached_property
    def growth_inputs(self) -> tuple[str, ...]:
        """The codes read through ``growth()``: they need the year-before value too."""
        return tuple(dict.fromkeys(self._names[int(node.args[0].id[1:])] for node in ast.walk(self._tree)
                                   if isinstance(node, ast.Call)))

    @cached_property
    def linear(self) -> bool:
        """Whether the formula only adds and subtracts its inputs (times constants): a total or difference.

        Such a formula adds values of one kind, so its inputs must accumulate as the result does.
        """
        return _is_linear(self._tree)

    def evaluate(self, values: Mapping[str, pd.Series], year_before: Mapping[str, pd.Series] | None = None
                 ) -> pd.Series:
        """The formula's value over aligned series.

        Args:
            values: each input code → its values, all on one index (areas × periods).
            year_before: each input read through ``growth()`` → its values a year before, on the same index.

        Returns:
            The derived values on that index; NaN where an input is missing or a divisor is zero.
        """
        year_before = year_before or {}

        def walk(node: ast.expr):
            if isinstance(node, ast.Constant):
                return float(node.value)
            if isinstance(node, ast.Name):
                return values[self._names[int(node.id[1:])]].astype(float)
            if isinstance(node, ast.UnaryOp):
                return -walk(node.operand)
            if isinstance(node, ast.Call):
                code = self._names[int(node.args[0].id[1:])]
                now, before = values[code].astype(float), year_before[code].astype(float)
                return (now / before.where(before > 0) - 1) * 100
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Div):
                right = right.where(right != 0) if isinstance(right, pd.Series) else (right or np.nan)
            return _OPERATORS[type(node.op)](left, right)

        result = walk(self._tree)
        if not isinstance(result, pd.Series):
            raise FormulaError(f"formula {self.text!r} reads no indicator")
        return result.replace([np.inf, -np.inf], np.nan)


def parse_formula(text: str) -> Formula:
    """Parse and check a derived indicator's formula.

    Args:
        text: the formula, e.g. ``ECO-GDP-003 + ECO-GDP-004``.

    Returns:
        The checked formula.

    Raises:
        FormulaError: the formula uses anything but codes, numbers, + - * /, parentheses and growth(CODE).
    """
    names: list[str] = []

    def placeholder(match: re.Match) -> str:
        names.append(match.group(0))
        return f"_{len(names) - 1}"

    source = CODE.sub(placeholder, text.strip())
    if not names:
        raise FormulaError("a formula reads at least one indicator code (such as ECO-GDP-003)")
    try:
        tree = ast.parse(source, mode="eval").body
    except SyntaxError as exc:
        raise FormulaError(f"not a formula: {text!r} ({exc.msg})") from None
    _check(tree, text)
    return Formula(text.strip(), tree, tuple(names))


def _check(node: ast.AST, text: str) -> None:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return
    if isinstance(node, ast.Name) and re.fullmatch(r"_\d+", node.id):
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _check(node.operand, text)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        _check(node.left, text)
        return _check(node.right, text)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == GROWTH
            and len(node.args) == 1 and not node.keywords and isinstance(node.args[0], ast.Name)
            and re.fullmatch(r"_\d+", node.args[0].id)):
        return
    raise FormulaError(f"only indicator codes, numbers, + - * /, parentheses and growth(CODE) are allowed: {text!r}")


def _is_linear(node: ast.expr) -> bool:
    if isinstance(node, (ast.Name, ast.Constant)):
        return True
    if isinstance(node, ast.UnaryOp):
        return _is_linear(node.operand)
    if isinstance(node, ast.Call):
        return False
    if isinstance(node.op, (ast.Add, ast.Sub)):
        return _is_linear(node.left) and _is_linear(node.right)
    # A product or quotient by a constant (a unit factor) keeps a sum a sum.
    constant = isinstance(node.right, ast.Constant) or (isinstance(node.op, ast.Mult)
                                                        and isinstance(node.left, ast.Constant))
    return constant and _is_linear(node.left) and _is_linear(node.right)
