from datetime import date, datetime

import pytest

from indicators.catalog.periods import (
    HourError,
    due_date,
    format_period,
    hours_overdue,
    parse_hour,
    parse_stored,
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
    ("quarterly", date(2024, 7, 1), "2024年三季度", "Q3 2024"),
    ("daily", date(2024, 3, 15), "3月15日", "15 Mar 2024"),
    ("yearly", date(2024, 1, 1), "2024年", "2024"),
])
def test_format_period(frequency, period, zh, en):
    assert format_period(period, frequency, "zh") == zh
    assert format_period(period, frequency, "en") == en


@pytest.mark.parametrize("text,hour", [
    ("2025-06-30T14:00:00+08:00", datetime(2025, 6, 30, 14)),
    ("2025-06-30 14:00", datetime(2025, 6, 30, 14)),
    ("2025-06-30T06:00:00Z", datetime(2025, 6, 30, 14)),  # UTC, stored in Xiamen's local time
    ("2025-06-30T23:00:00+00:00", datetime(2025, 7, 1, 7)),
])
def test_parse_hour_reads_a_whole_local_hour(text, hour):
    assert parse_hour(text) == hour


@pytest.mark.parametrize("text,reason", [("2025-06-30", "not a date"), ("2025-06-30 14:30", "on the hour"),
                                         ("2025-06-30 14:00:05", "on the hour"),
                                         ("yesterday 2pm", "not a date and hour")])
def test_parse_hour_refuses_what_is_not_a_whole_hour(text, reason):
    with pytest.raises(HourError, match=reason):
        parse_hour(text)


def test_an_hourly_series_is_overdue_two_hours_after_an_hour_ends():
    now = datetime(2025, 6, 30, 16, 20)
    assert hours_overdue(datetime(2025, 6, 30, 14), now) == 0
    assert hours_overdue(datetime(2025, 6, 30, 11), now) == 3
    assert hours_overdue(None, now) == -1


def test_hours_read_in_both_languages_and_count_days_like_daily():
    assert format_period(datetime(2025, 6, 30, 8), "hourly", "zh") == "6月30日8时"
    assert format_period(datetime(2025, 6, 30, 8), "hourly", "en") == "30 Jun 2025 08:00"
    assert shift(date(2025, 6, 30), "hourly", 1) == date(2025, 7, 1)
    assert parse_stored("2025-06-30T08:00") == datetime(2025, 6, 30, 8)
    assert parse_stored("2025-06-30") == date(2025, 6, 30)
