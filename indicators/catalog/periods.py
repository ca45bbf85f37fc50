"""Period arithmetic: a period is stored as its first day (day, ISO-week Monday, month,
quarter or year start).

An ``hourly`` indicator's values are kept by the hour (``hourly_observations``, local time, hour-aligned);
wherever a date stands for its period (the series' latest day, a chart's day) the hourly frequency counts
days like ``daily``, and ``hours_overdue`` judges its punctuality by the hour.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

LOCAL_OFFSET = timezone(timedelta(hours=8))  # Asia/Shanghai: no daylight saving since 1991

# Days after a period ends by which its value is due from the department (an hourly series' day: hours_overdue).
PUBLICATION_LAG_DAYS = {"hourly": 0, "daily": 1, "weekly": 3, "monthly": 20, "quarterly": 30, "yearly": 120}
# Hours after an hour ends by which its value is due: the national air network publishes within the hour,
# traffic platforms within minutes; two hours leave room for a station's late report.
HOURLY_LAG_HOURS = 2


class HourError(ValueError):
    """A time that is not a whole local hour; the message says why, in both languages."""


def parse_hour(text: str) -> datetime:
    """A whole hour in local time (Asia/Shanghai) from ``2025-06-30T14:00:00+08:00``, ``2025-06-30 14:00`` …

    Returns:
        A naive datetime on the hour, in local time (an offset other than +08:00 is converted).

    Raises:
        HourError: a date without a time, an unparseable text or a time that is not on the hour.
    """
    text = str(text).strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise HourError("无法识别的时刻 / not a date and hour (2025-06-30 14:00)") from None
    if len(text) <= 10:
        raise HourError("小时指标需要时刻，不是日期 / an hourly indicator needs a date and hour, not a date")
    if moment.tzinfo is not None:
        moment = moment.astimezone(LOCAL_OFFSET).replace(tzinfo=None)
    if (moment.minute, moment.second, moment.microsecond) != (0, 0, 0):
        raise HourError("时刻须为整点 / the time must be on the hour (14:00, not 14:30)")
    return moment


def parse_stored(text: str) -> date | datetime:
    """A period as ``latest.recent`` keeps it: a day (``2025-06-30``) or, for an hourly series, an hour
    (``2025-06-30T14:00``)."""
    return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)


def day_of(period: date | datetime) -> date:
    """The day of a period (of an hour, its date): what tables keyed by a date store."""
    return period.date() if isinstance(period, datetime) else period


def hours_overdue(latest: datetime | None, now: datetime) -> int:
    """How many hours after ``latest`` are past their due time (``HOURLY_LAG_HOURS``) at ``now``; -1 when none."""
    if latest is None:
        return -1
    expected = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=HOURLY_LAG_HOURS)
    return max(0, int((expected - latest) / timedelta(hours=1)))


def period_start(day: date, frequency: str) -> date:
    """The first day of the period of ``frequency`` that contains ``day``."""
    if frequency in ("hourly", "daily"):
        return day
    if frequency == "weekly":
        return day - timedelta(days=day.weekday())
    if frequency == "monthly":
        return day.replace(day=1)
    if frequency == "quarterly":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if frequency == "yearly":
        return date(day.year, 1, 1)
    raise ValueError(f"unknown frequency {frequency!r}")


def shift(period: date, frequency: str, steps: int) -> date:
    """The period ``steps`` periods after ``period`` (before, when negative)."""
    if frequency in ("hourly", "daily"):
        return period + timedelta(days=steps)
    if frequency == "weekly":
        return period + timedelta(weeks=steps)
    months = {"monthly": 1, "quarterly": 3, "yearly": 12}[frequency] * steps
    index = period.year * 12 + period.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def year_ago(period: date, frequency: str) -> date:
    """The period one year before ``period`` (同比 compares with it)."""
    if frequency in ("hourly", "daily"):
        try:
            return period.replace(year=period.year - 1)
        except ValueError:  # 29 February
            return period.replace(year=period.year - 1, day=28)
    if frequency == "weekly":
        return period - timedelta(weeks=52)
    return shift(period, frequency, -{"monthly": 12, "quarterly": 4, "yearly": 1}[frequency])


def due_date(period: date, frequency: str) -> date:
    """The day by which the value of ``period`` should have arrived."""
    end = shift(period, frequency, 1) - timedelta(days=1)
    return end + timedelta(days=PUBLICATION_LAG_DAYS[frequency])


def expected_latest(frequency: str, today: date, jan_feb_merged: bool = False) -> date:
    """The newest period whose value is due by ``today`` (never a January of an indicator published for
    January and February together: its value arrives with February's)."""
    period = period_start(today, frequency)
    while due_date(period, frequency) >= today or (jan_feb_merged and frequency == "monthly" and period.month == 1):
        period = shift(period, frequency, -1)
    return period


def periods_between(earlier: date, later: date, frequency: str) -> int:
    """How many periods ``later`` is after ``earlier`` (both period starts)."""
    if frequency in ("hourly", "daily"):
        return (later - earlier).days
    if frequency == "weekly":
        return (later - earlier).days // 7
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months // {"monthly": 1, "quarterly": 3, "yearly": 12}[frequency]


def periods_overdue(latest: date | None, frequency: str, today: date, jan_feb_merged: bool = False) -> int:
    """How many published periods after ``latest`` are past their due date on ``today``.

    Args:
        latest: the newest period with data, or None.
        frequency: the indicator's frequency.
        today: the day of judgement.
        jan_feb_merged: Januaries are not published (their value comes with February's).

    Returns:
        0 when the data is on time; ``-1`` when the series has no data at all.
    """
    if latest is None:
        return -1
    expected = expected_latest(frequency, today, jan_feb_merged)
    missing = max(0, periods_between(latest, expected, frequency))
    if jan_feb_merged and frequency == "monthly" and missing:
        missing -= sum(1 for year in range(latest.year, expected.year + 1)
                       if latest < date(year, 1, 1) <= expected)
    return missing


def format_period(period: date, frequency: str, lang: str, *, cumulative: bool = False,
                  jan_feb_merged: bool = False) -> str:
    """A period as readers expect it: 2024年3月 / Mar 2024, 2024年一季度 / Q1 2024, 3月15日 …

    Args:
        period: the period's first day.
        frequency: its frequency.
        lang: "zh" or "en".
        cumulative: the value covers the year up to this period (1—N月累计: 2024年1—3月 / Jan–Mar 2024;
            一季度, 上半年, 前三季度, 全年 for quarters).
        jan_feb_merged: February's value covers January too (1—2月), whether cumulative or not.
    """
    if frequency == "monthly" and (cumulative or jan_feb_merged) and (period.month > 1 and
                                                                       (cumulative or period.month == 2)):
        if lang == "zh":
            return f"{period.year}年1—{period.month}月"
        return f"Jan–{period.strftime('%b')} {period.year}"
    if frequency == "quarterly" and cumulative:
        quarter = (period.month - 1) // 3 + 1
        if lang == "zh":
            return f"{period.year}年{('一季度', '上半年', '前三季度', '全年')[quarter - 1]}"
        return f"{('Q1', 'H1', 'Q1–Q3', 'Full year')[quarter - 1]} {period.year}"
    if frequency == "yearly":
        return f"{period.year}年" if lang == "zh" else str(period.year)
    if frequency == "quarterly":  # as the bureaus write a single quarter: 2024年三季度, Q3 2024
        quarter = (period.month - 1) // 3 + 1
        return f"{period.year}年{'一二三四'[quarter - 1]}季度" if lang == "zh" else f"Q{quarter} {period.year}"
    if frequency == "monthly":
        return f"{period.year}年{period.month}月" if lang == "zh" else period.strftime("%b %Y")
    if frequency == "hourly" and isinstance(period, datetime):
        return f"{period.month}月{period.day}日{period.hour}时" if lang == "zh" else f"{period.day} {period:%b %Y %H:00}"
    if frequency == "weekly":
        week = period.isocalendar()[1]
        return f"{period.isocalendar()[0]}年第{week}周" if lang == "zh" else f"{period.isocalendar()[0]}-W{week:02d}"
    # A day without a leading zero: "4 Dec 2026", not "04 Dec 2026".
    return f"{period.month}月{period.day}日" if lang == "zh" else f"{period.day} {period:%b %Y}"
