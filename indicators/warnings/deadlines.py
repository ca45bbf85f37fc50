"""Deadlines of an alert and escalation when they pass.

Each level has a time to acknowledge and a time to resolve (``CITYVITALS_ALERT_DEADLINES``, hours, e.g.
``red=1/24``). With ``CITYVITALS_WORKING_HOURS`` set, the clock runs only in working hours of Chinese working
days: public holidays are off and the 调休 weekends are on, both from the ``holidays`` package's China calendar.

An alert still unacknowledged at its acknowledge deadline escalates to its department's head; one still open at
its resolve deadline (or unacknowledged for twice its acknowledge time) escalates to the city's leaders. Either
marks it overdue. ``now`` is always passed in, so tests move the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from indicators.catalog.levels import LEVELS

DEFAULT_DEADLINES = "red=1/24,orange=2/48,yellow=4/72,blue=8/168"


def parse_deadlines(text: str) -> dict[str, tuple[timedelta, timedelta]]:
    """``red=1/24,orange=2/48,…`` → level → (time to acknowledge, time to resolve); a level not named keeps
    its default.

    Raises:
        ValueError: a part that is not ``level=hours/hours``, an unknown level, or a resolve time shorter than
            the acknowledge time; the message names the part.
    """
    deadlines = parse_pairs(DEFAULT_DEADLINES)
    deadlines.update(parse_pairs(text))
    return deadlines


def parse_pairs(text: str) -> dict[str, tuple[timedelta, timedelta]]:
    """The ``level=ack/resolve`` parts of ``text`` alone (see ``parse_deadlines``)."""
    parsed = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        try:
            level, hours = part.split("=")
            ack, resolve = (float(h) for h in hours.split("/"))
        except ValueError:
            raise ValueError(f"alert deadline {part!r}: expected level=hours/hours, e.g. red=1/24") from None
        if level.strip() not in LEVELS:
            raise ValueError(f"alert deadline {part!r}: unknown level {level.strip()!r} ({', '.join(LEVELS)})")
        if ack <= 0 or resolve < ack:
            raise ValueError(f"alert deadline {part!r}: hours must be positive and resolve ≥ acknowledge")
        parsed[level.strip()] = (timedelta(hours=ack), timedelta(hours=resolve))
    return parsed


@lru_cache(maxsize=1)
def china_calendar() -> holidays.HolidayBase:
    """China's public holidays and 调休 working weekends (the ``holidays`` package)."""
    return holidays.China()


def is_working_day(day: date) -> bool:
    """A weekday that is no public holiday, or a weekend day made a working day (调休)."""
    return china_calendar().is_working_day(day)


@dataclass(frozen=True)
class WorkingTime:
    """When deadlines run: ``spans`` of a working day (start, end), on Chinese working days; no spans: always."""

    spans: tuple[tuple[time, time], ...] = ()

    @classmethod
    def parse(cls, text: str) -> WorkingTime:
        """``08:30-12:00,14:00-17:30`` → working time; empty → around the clock.

        Raises:
            ValueError: a span that is not ``HH:MM-HH:MM`` with its start before its end.
        """
        spans = []
        for part in (p.strip() for p in text.split(",") if p.strip()):
            try:
                start, end = (time.fromisoformat(t.strip()) for t in part.split("-"))
            except ValueError:
                raise ValueError(f"working hours {part!r}: expected HH:MM-HH:MM, e.g. 08:30-12:00") from None
            if start >= end:
                raise ValueError(f"working hours {part!r}: the start must be before the end")
            spans.append((start, end))
        return cls(tuple(sorted(spans)))

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment ``duration`` of working time after ``start``."""
        if not self.spans:
            return start + duration
        left = duration
        day = start.date()
        for _ in range(3660):  # ten years of days: a deadline never lies further away
            if is_working_day(day):
                for begin, end in self.spans:
                    span_start = max(datetime.combine(day, begin), start)
                    span_end = datetime.combine(day, end)
                    if span_end <= span_start:
                        continue
                    if span_start + left <= span_end:
                        return span_start + left
                    left -= span_end - span_start
            day += timedelta(days=1)
        raise ValueError("a deadline more than ten years of working time away")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from ``start`` to ``end`` (zero if ``end`` is earlier)."""
        if end <= start:
            return timedelta(0)
        if not self.spans:
            return end - start
        total, day = timedelta(0), start.date()
        while day <= end.date():
            if is_working_day(day):
                for begin, finish in self.spans:
                    low = max(datetime.combine(day, begin), start)
                    high = min(datetime.combine(day, finish), end)
                    if high > low:
                        total += high - low
            day += timedelta(days=1)
        return total


@dataclass(frozen=True)
class Policy:
    """The deadlines of each level and the working time they run in."""

    deadlines: dict[str, tuple[timedelta, timedelta]]
    working: WorkingTime

    @classmethod
    def from_settings(cls, settings) -> Policy:
        return cls(parse_deadlines(settings.alert_deadlines), WorkingTime.parse(settings.working_hours))

    def due(self, opened_at: datetime, level: str) -> tuple[datetime | None, datetime | None]:
        """(acknowledge by, resolve by) of an alert of ``level`` opened at ``opened_at``; None without deadlines."""
        if level not in self.deadlines:
            return None, None
        ack, resolve = self.deadlines[level]
        return self.working.add(opened_at, ack), self.working.add(opened_at, resolve)

    def leader_due(self, opened_at: datetime, level: str) -> datetime | None:
        """When an alert still unacknowledged goes on to the city's leaders: twice its acknowledge time."""
        if level not in self.deadlines:
            return None
        return self.working.add(opened_at, 2 * self.deadlines[level][0])


HEAD, LEADER = 1, 2


def escalation_due(policy: Policy, *, state: str, level: str, opened_at: datetime, ack_due: datetime | None,
                   resolve_due: datetime | None, escalation: int, now: datetime) -> int:
    """How far an open alert should have escalated by ``now``: 0, ``HEAD`` or ``LEADER``.

    Args:
        policy: deadlines and working time.
        state: the alert's state (``new`` is unacknowledged).
        level, opened_at: the alert's level and opening time.
        ack_due, resolve_due: its deadlines.
        escalation: how far it has escalated already (never goes back).
        now: the clock.
    """
    step = escalation
    unacknowledged = state == "new"
    if unacknowledged and ack_due is not None and now >= ack_due:
        step = max(step, HEAD)
    leader_at = policy.leader_due(opened_at, level)
    if (resolve_due is not None and now >= resolve_due) or (unacknowledged and leader_at and now >= leader_at):
        step = max(step, LEADER)
    return step


def is_overdue(*, state: str, ack_due: datetime | None, resolve_due: datetime | None, now: datetime) -> bool:
    """Whether an alert in ``state`` is past a deadline it has not met."""
    if state in ("resolved", "closed"):
        return False
    late_ack = state == "new" and ack_due is not None and now >= ack_due
    return late_ack or (resolve_due is not None and now >= resolve_due)
