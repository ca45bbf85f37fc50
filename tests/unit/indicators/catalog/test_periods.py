from datetime import date

import pytest

from indicators.catalog.periods import (
    due_date,
    format_period,
    period_start,
    periods_overdue,
    shift,
    year_ago,
)


@pytest.mark.parametrize("frequency, day, start", [
    ("daily", date(2024, 3, 15), date(2024, 3, 15)),
    ("weekly", date(2024, 3, 15), date(2024, 3, 11)),
    ("monthly", date(2024, 3, 15), date(2024, 3, 1)),
    ("quarterly", date(2024, 8, 15), date(2024, 7, 1)),
    ("yearly", date(2024, 8, 15), date(2024, 1, 1)),
])
def test_period_start(frequency, day, start):
    assert period_start(day, frequency) == start


@pytest.mark.parametrize("frequency, period, steps, expected", [
    ("monthly", date(2024, 1, 1), -1, date(2023, 12, 1)),
    ("monthly", date(2024, 11, 1), 3, date(2025, 2, 1)),
    ("quarterly", date(2024, 10, 1), 1, date(2025, 1, 1)),
    ("yearly", date(2024, 1, 1), -2, date(2022, 1, 1)),
    ("weekly", date(2024, 3, 11), 1, date(2024, 3, 18)),
    ("daily", date(2024, 2, 28), 2, date(2024, 3, 1)),
])
def test_shift(frequency, period, steps, expected):
    assert shift(period, frequency, steps) == expected


def test_year_ago_handles_leap_day_and_weeks():
    assert year_ago(date(2024, 2, 29), "daily") == date(2023, 2, 28)
    assert year_ago(date(2024, 3, 1), "monthly") == date(2023, 3, 1)
    assert year_ago(date(2024, 3, 11), "weekly").weekday() == 0


def test_overdue_counts_periods_past_their_due_date():
    today = date(2026, 11, 22)
    assert periods_overdue(date(2026, 10, 1), "monthly", today) == 0   # October due 20 November
    assert periods_overdue(date(2026, 9, 1), "monthly", today) == 1
    assert periods_overdue(date(2026, 11, 21), "daily", today) == 0
    assert periods_overdue(date(2026, 11, 10), "daily", today) == 10
    assert periods_overdue(None, "monthly", today) == -1
    assert due_date(date(2026, 10, 1), "monthly") == date(2026, 11, 20)


@pytest.mark.parametrize("frequency, period, zh, en", [
    ("monthly", date(2024, 3, 1), "2024年3月", "Mar 2024"),
    ("quarterly", date(2024, 1, 1), "2024Q1", "2024Q1"),
    ("daily", date(2024, 3, 15), "3月15日", "15 Mar 2024"),
    ("yearly", date(2024, 1, 1), "2024年", "2024"),
])
def test_format_period(frequency, period, zh, en):
    assert format_period(period, frequency, "zh") == zh
    assert format_period(period, frequency, "en") == en
