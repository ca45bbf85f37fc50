"""Deadlines per level, working time on the Chinese calendar (holidays and 调休 from ``holidays``), escalation."""

from datetime import datetime, timedelta

import pytest

from indicators.warnings.deadlines import (
    HEAD,
    LEADER,
    Policy,
    WorkingTime,
    escalation_due,
    is_overdue,
    parse_deadlines,
)

OFFICE = WorkingTime.parse("08:30-12:00,14:00-17:30")


def test_deadlines_are_read_per_level_and_unnamed_levels_keep_their_default():
    deadlines = parse_deadlines("red=0.5/12")
    assert deadlines["red"] == (timedelta(minutes=30), timedelta(hours=12))
    assert deadlines["blue"] == (timedelta(hours=8), timedelta(hours=168))


@pytest.mark.parametrize("text, message", [("red=1", "expected level=hours/hours"),
                                           ("purple=1/2", "unknown level 'purple'"),
                                           ("red=5/2", "resolve ≥ acknowledge")])
def test_a_bad_deadline_setting_names_its_part(text, message):
    with pytest.raises(ValueError, match=message):
        parse_deadlines(text)


def test_around_the_clock_a_red_alert_is_due_in_one_and_twenty_four_hours():
    policy = Policy(parse_deadlines(""), WorkingTime.parse(""))
    opened = datetime(2025, 10, 1, 23, 0)
    assert policy.due(opened, "red") == (opened + timedelta(hours=1), opened + timedelta(hours=24))
    assert policy.due(opened, "normal") == (None, None)


def test_working_time_skips_the_night_lunch_and_the_national_day_holiday():
    # Tuesday 30 Sep 2025, 17:00: half an hour today, then the holiday (1–8 Oct), then Thursday 9 Oct 08:30.
    assert OFFICE.add(datetime(2025, 9, 30, 17, 0), timedelta(hours=1)) == datetime(2025, 10, 9, 9, 0)
    assert OFFICE.add(datetime(2025, 10, 9, 11, 30), timedelta(hours=1)) == datetime(2025, 10, 9, 14, 30)


def test_a_调休_saturday_is_a_working_day_and_an_ordinary_saturday_is_not():
    # Saturday 11 Oct 2025 is worked (调休 for the National Day holiday); Saturday 18 Oct is not.
    assert OFFICE.add(datetime(2025, 10, 10, 17, 0), timedelta(hours=1)) == datetime(2025, 10, 11, 9, 0)
    assert OFFICE.add(datetime(2025, 10, 17, 17, 0), timedelta(hours=1)) == datetime(2025, 10, 20, 9, 0)
    assert OFFICE.between(datetime(2025, 10, 17, 17, 0), datetime(2025, 10, 20, 9, 0)) == timedelta(hours=1)


def test_bad_working_hours_are_refused():
    with pytest.raises(ValueError, match="the start must be before the end"):
        WorkingTime.parse("17:00-09:00")


def test_escalation_goes_to_the_head_then_the_leaders_and_never_back():
    policy = Policy(parse_deadlines(""), WorkingTime.parse(""))
    opened = datetime(2025, 6, 2, 9, 0)
    ack, resolve = policy.due(opened, "red")

    def step(state, now, escalation=0):
        return escalation_due(policy, state=state, level="red", opened_at=opened, ack_due=ack, resolve_due=resolve,
                              escalation=escalation, now=now)

    assert step("new", opened + timedelta(minutes=59)) == 0
    assert step("new", opened + timedelta(hours=1)) == HEAD
    assert step("new", opened + timedelta(hours=2)) == LEADER  # still not acknowledged after twice the time
    assert step("acknowledged", opened + timedelta(hours=2)) == 0
    assert step("acknowledged", opened + timedelta(hours=24)) == LEADER  # not resolved in time
    assert step("acknowledged", opened + timedelta(hours=2), escalation=HEAD) == HEAD
    assert is_overdue(state="new", ack_due=ack, resolve_due=resolve, now=opened + timedelta(hours=1))
    assert not is_overdue(state="acknowledged", ack_due=ack, resolve_due=resolve, now=opened + timedelta(hours=1))
    assert not is_overdue(state="resolved", ack_due=ack, resolve_due=resolve, now=opened + timedelta(days=9))
