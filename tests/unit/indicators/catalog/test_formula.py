"""Formulas of derived indicators: what parses, what is refused, and how values come out."""

import math

import numpy as np
import pandas as pd
import pytest

from indicators.catalog.formula import FormulaError, parse_formula

INDEX = pd.MultiIndex.from_tuples([("350203", "2025-01"), ("350203", "2025-02"), ("350206", "2025-01")])


def _values(**columns) -> dict[str, pd.Series]:
    return {code.replace("_", "-"): pd.Series(values, index=INDEX, dtype=float) for code, values in columns.items()}


def test_a_total_reads_its_parts_in_order_and_is_linear():
    formula = parse_formula("ECO-GDP-003 + ECO-GDP-004 + ECO-GDP-005")
    assert formula.inputs == ("ECO-GDP-003", "ECO-GDP-004", "ECO-GDP-005")
    assert formula.linear and formula.growth_inputs == ()
    values = formula.evaluate(_values(ECO_GDP_003=[1, 2, 3], ECO_GDP_004=[10, 20, 30], ECO_GDP_005=[100, 200, 300]))
    assert values.tolist() == [111, 222, 333]


@pytest.mark.parametrize("text, linear", [
    ("MKT-ENT-006 * 10000 - MKT-ENT-011", True),
    ("-(ECO-TRD-002 - ECO-TRD-003) / 100", True),
    ("ECO-FIS-002 / ECO-FIS-001 * 100", False),
    ("ECO-GDP-001 * 100000000 / (ECO-POP-001 * 10000)", False),
    ("growth(ECO-FIN-002)", False),
])
def test_only_sums_and_differences_with_unit_factors_are_linear(text, linear):
    assert parse_formula(text).linear is linear


def test_a_missing_input_or_a_zero_divisor_makes_the_value_missing_not_wrong():
    share = parse_formula("ECO-FIS-002 / ECO-FIS-001 * 100")
    values = share.evaluate(_values(ECO_FIS_002=[80, 90, np.nan], ECO_FIS_001=[100, 0, 50]))
    assert values.iloc[0] == 80 and math.isnan(values.iloc[1]) and math.isnan(values.iloc[2])


def test_growth_compares_with_the_year_before_and_needs_a_positive_base():
    growth = parse_formula("growth(ECO-FIN-002)")
    assert growth.growth_inputs == ("ECO-FIN-002",)
    now = _values(ECO_FIN_002=[110, 90, 50])
    before = _values(ECO_FIN_002=[100, 100, 0])
    values = growth.evaluate(now, before)
    assert values.iloc[0] == pytest.approx(10.0) and values.iloc[1] == pytest.approx(-10.0)
    assert math.isnan(values.iloc[2])


@pytest.mark.parametrize("text", [
    "", "42", "ECO-GDP-003 ** 2", "ECO-GDP-003 % 7", "__import__('os').system('id')", "ECO-GDP-003; ECO-GDP-004",
    "sum(ECO-GDP-003)", "growth(ECO-GDP-003, ECO-GDP-004)", "growth(2)", "ECO-GDP-003 if 1 else 0", "'ECO-GDP-003'",
    "ECO-GDP-003 and ECO-GDP-004", "[ECO-GDP-003]", "ECO-GDP-003.real", "lambda: ECO-GDP-003", "True + ECO-GDP-003",
])
def test_anything_but_arithmetic_over_codes_is_refused(text):
    with pytest.raises(FormulaError):
        parse_formula(text)
