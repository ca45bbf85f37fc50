"""The demo's calendar: periods, the lunar and public holidays, and the daily shapes series draw on.

Seasonal shapes and events live on one daily grid and are averaged over each period, so the Spring
Festival falls in January or February of a monthly series exactly as the lunar calendar puts it, and a
storm shows in the month it struck. Each holiday moves each family of indicators the way it really does:
factories and commuting empty out at the Spring Festival (``spring_festival``), while scenic spots and
restaurants fill (``festive``), trains and planes carry the 春运 crowds on both sides of it (``chunyun``)
and shops sell the 年货 in the weeks before it (``shopping``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import holidays
import numpy as np

# Lunar New Year's Day (春节); other years come from the ``holidays`` China calendar.
SPRING_FESTIVAL = {
    2018: date(2018, 2, 16), 2019: date(2019, 2, 5), 2020: date(2020, 1, 25), 2021: date(2021, 2, 12),
    2022: date(2022, 2, 1), 2023: date(2023, 1, 22), 2024: date(2024, 2, 10), 2025: date(2025, 1, 29),
    2026: date(2026, 2, 17), 2027: date(2027, 2, 6), 2028: date(2028, 1, 26), 2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
}
# Epidemic waves: (peak, days of rise, days of fall, height relative to normal).
EPIDEMIC_WAVES = (
    (date(2020, 2, 5), 10, 14, 0.6),  # first COVID-19 wave
    (date(2022, 12, 23), 7, 14, 3.0),  # the wave after reopening, Dec 2022 - Jan 2023
    (date(2023, 5, 28), 12, 14, 0.8),  # the smaller XBB wave
    (date(2023, 12, 3), 14, 18, 0.6),  # influenza and mycoplasma winter
    (date(2024, 12, 30), 14, 16, 0.5),  # influenza winter
)
# Shapes by days from Lunar New Year's Day. Activity: factories and migrant workers leave the week
# before, the holiday week is the trough, the Lantern Festival (day 14) ends it, then a small catch-up.
SF_DAYS = (-15, -8, -1, 0, 6, 13, 20, 28, 45)
SF_EFFECT = (0.0, -0.12, -0.40, -0.55, -0.50, -0.25, 0.0, 0.05, 0.0)
# Leisure (scenic spots, restaurants, hotels): the holiday week is the peak.
FESTIVE_DAYS = (-4, -1, 0, 3, 6, 9, 15)
FESTIVE_EFFECT = (0.0, 0.15, 0.45, 0.6, 0.45, 0.1, 0.0)
# 春运: forty days of travel around the festival, going home before it and back after it.
CHUNYUN_DAYS = (-16, -10, -3, 0, 3, 7, 14, 24)
CHUNYUN_EFFECT = (0.0, 0.25, 0.35, 0.05, 0.2, 0.35, 0.25, 0.0)
# Shopping for the festival (年货) in the weeks before it; shops close for part of the holiday week.
SHOPPING_DAYS = (-25, -15, -5, -1, 0, 4, 8)
SHOPPING_EFFECT = (0.0, 0.15, 0.3, 0.2, -0.15, -0.1, 0.0)
# The 2020 COVID-19 shock on activity, 0 = normal, -1 = the deepest day (early February 2020), by days
# from 20 January 2020: the lockdown, the return to work through March, normal by the summer.
COVID_DAYS = (0, 10, 30, 45, 75, 105, 160)
COVID_EFFECT = (0.0, -1.0, -1.0, -0.55, -0.25, -0.08, 0.0)
COVID_START = date(2020, 1, 20)


def _weekday(day: np.datetime64) -> int:
    """Monday 0 … Sunday 6 (1970-01-01 was a Thursday)."""
    return int((day.astype("datetime64[D]").astype(np.int64) + 3) % 7)


def period_starts(frequency: str, start: date, end: date) -> np.ndarray:
    """First days of the periods that begin on or after ``start`` and are complete before ``end``.

    A period is published once it has ended: daily data up to yesterday, a month after the
    month, a year after the year.

    Args:
        frequency: daily, weekly, monthly, quarterly or yearly.
        start: earliest day of the history.
        end: today; periods must end before it.

    Returns:
        ``datetime64[D]`` array: the days, Mondays, month, quarter or year starts.
    """
    first, stop = np.datetime64(start, "D"), np.datetime64(end, "D")
    if frequency == "daily":
        return np.arange(first, max(first, stop), dtype="datetime64[D]")
    if frequency == "weekly":
        monday = first + (7 - _weekday(first)) % 7
        return np.arange(monday, max(monday, stop - 6), 7, dtype="datetime64[D]")
    step = {"monthly": 1, "quarterly": 3, "yearly": 12}[frequency]
    month = first.astype("datetime64[M]")
    if month.astype("datetime64[D]") < first:
        month += 1
    month += (-month.astype(np.int64)) % step  # align to Jan/Apr/Jul/Oct or January
    last = stop.astype("datetime64[M]") - step + 1
    return np.arange(month, max(month, last), step, dtype="datetime64[M]").astype("datetime64[D]")


def period_ends(frequency: str, starts: np.ndarray) -> np.ndarray:
    """The day after each period (its exclusive end).

    Args:
        frequency: daily, weekly, monthly, quarterly or yearly.
        starts: ``period_starts`` output.

    Returns:
        ``datetime64[D]`` array, one per start.
    """
    if frequency in ("daily", "weekly"):
        return starts + (1 if frequency == "daily" else 7)
    step = {"monthly": 1, "quarterly": 3, "yearly": 12}[frequency]
    return (starts.astype("datetime64[M]") + step).astype("datetime64[D]")


def demo_periods(frequency: str, start: date, end: date) -> list[date]:
    """The periods a demo series of ``frequency`` covers, as first days.

    Args:
        frequency: daily, weekly, monthly, quarterly or yearly.
        start: earliest day of the history.
        end: today; only periods complete before it are included.

    Returns:
        Period start dates, ascending.
    """
    return [d.item() for d in period_starts(frequency, start, end)]


def default_daily_start(end: date) -> date:
    """Where daily series begin by default: the three previous calendar years and this one.

    Args:
        end: today.

    Returns:
        1 January of ``end.year - 3``.
    """
    return date(end.year - 3, 1, 1)


def spring_festival(year: int) -> date:
    """Lunar New Year's Day (春节).

    Args:
        year: a Gregorian year.

    Returns:
        The real date: from a table for 2018–2030, else from the ``holidays`` China calendar.
    """
    if year in SPRING_FESTIVAL:
        return SPRING_FESTIVAL[year]
    days = [d for d, name in holidays.China(years=year, language="en_US").items() if "Spring Festival" in name]
    return min(days) if days else date(year, 2, 1)


def holiday_days(years: range) -> tuple[np.ndarray, np.ndarray]:
    """Public holidays, and the weekend days that are worked instead (调休)."""
    calendar = holidays.China(years=list(years), language="en_US")
    off = np.array(sorted(calendar), dtype="datetime64[D]")
    worked = []
    for name in calendar.values():
        match = re.search(r"substituted from (\d\d)/(\d\d)/(\d{4})", name)
        if match:
            month, day, year = map(int, match.groups())
            worked.append(date(year, month, day))
    return off, np.array(sorted(worked), dtype="datetime64[D]")


def day_of_year(days: np.ndarray) -> np.ndarray:
    """0 for 1 January."""
    return (days - days.astype("datetime64[Y]")).astype(np.int64)


def months_of(days: np.ndarray) -> np.ndarray:
    """Month numbers 1..12 of ``datetime64[D]`` days."""
    return days.astype("datetime64[M]").astype(np.int64) % 12 + 1


def years_of(days: np.ndarray) -> np.ndarray:
    """Calendar years of ``datetime64[D]`` days."""
    return days.astype("datetime64[Y]").astype(np.int64) + 1970


def bump(days: np.ndarray, peak_doy: float, power: int) -> np.ndarray:
    """A smooth yearly bump around a day of the year, 0..1."""
    return ((1 + np.cos(2 * np.pi * (day_of_year(days) - peak_doy) / 365.25)) / 2) ** power


def offsets(days: np.ndarray, when: date) -> np.ndarray:
    """Days from ``when`` to each day."""
    return (days - np.datetime64(when, "D")).astype(np.int64)


def wave(days: np.ndarray, peak: date, rise: float, fall: float) -> np.ndarray:
    """A skewed bell around ``peak``: ``rise`` and ``fall`` are its sds in days."""
    k = offsets(days, peak).astype(float)
    return np.exp(-0.5 * (k / np.where(k < 0, rise, fall)) ** 2)


def covid_shock(days: np.ndarray) -> np.ndarray:
    """The 2020 shock on activity: 0 normal, -1 on the deepest days of February 2020."""
    return np.interp(offsets(days, COVID_START), COVID_DAYS, COVID_EFFECT, 0, 0)


def day_grid(start: date, daily_start: date, end: date) -> np.ndarray:
    """Every day from the earliest start to the day before ``end``."""
    first = np.datetime64(min(start, daily_start), "D")
    return np.arange(first, max(first, np.datetime64(end, "D")))


def _around_festival(days: np.ndarray, years: range, xs: tuple, ys: tuple) -> np.ndarray:
    return sum(np.interp(offsets(days, spring_festival(y)), xs, ys, 0, 0) for y in years)


def daily_profiles(days: np.ndarray, storm: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Shapes of every season and event on the daily grid, shared by all indicators.

    Args:
        days: the daily grid.
        storm: the city's storm index per day (0 calm, about 1 for a rainstorm, up to 3 for a strong
            typhoon), from its weather; None for no storms.

    Returns:
        Shapes by name: seasons centred on their yearly mean (``summer``, ``winter``, ``weekend``,
        ``school``), events that are 0 on ordinary days (``spring_festival``, ``festive``, ``chunyun``,
        ``shopping``, ``covid``, ``wave``, ``typhoon``, ``epidemic``).
    """
    if len(days) == 0:
        return {}
    # From the year before (its Spring Festival rebound) to the year after (a January pre-dip).
    first, last = int(years_of(days[:1])[0]), int(years_of(days[-1:])[0])
    years = range(first - 1, last + 2)
    off, worked = holiday_days(years)
    dow = (days.astype(np.int64) + 3) % 7
    weekend = ((dow >= 5) | np.isin(days, off)) & ~np.isin(days, worked)
    doy = day_of_year(days)
    winter_break = sum(np.abs(offsets(days, spring_festival(y)) + 3) <= 18 for y in years) > 0
    school = ((doy >= 190) & (doy < 243)) | winter_break  # 10 Jul - 31 Aug, and around the Spring Festival
    shapes = {"summer": bump(days, 206, 3), "winter": bump(days, 10, 2), "weekend": weekend, "school": school}
    # Seasons move values around their yearly mean, so the typical value stays typical.
    profiles = {name: shape - shape.mean() for name, shape in shapes.items()}
    storm = np.zeros(len(days)) if storm is None else storm
    profiles |= {
        "spring_festival": _around_festival(days, years, SF_DAYS, SF_EFFECT),
        "festive": _around_festival(days, years, FESTIVE_DAYS, FESTIVE_EFFECT),
        "chunyun": _around_festival(days, years, CHUNYUN_DAYS, CHUNYUN_EFFECT),
        "shopping": _around_festival(days, years, SHOPPING_DAYS, SHOPPING_EFFECT),
        "covid": covid_shock(days),
        "wave": wave(days, date(2022, 12, 23), 7, 14),  # everyone ill at once, December 2022
        "typhoon": 0.15 * bump(days, 232, 6) + storm,
        "epidemic": sum(h * wave(days, p, up, down) for p, up, down, h in EPIDEMIC_WAVES),
    }
    return profiles


@dataclass(frozen=True)
class Periods:
    """The periods of one frequency, located on the daily grid."""

    starts: np.ndarray  # datetime64[D]
    dates: np.ndarray  # the same as datetime.date objects
    lo: np.ndarray  # first grid day of each period
    hi: np.ndarray  # grid day after each period
    years: np.ndarray  # years from ``end`` to the middle of each period (negative)


class Calendar:
    """The daily grid with its season shapes, and every frequency's periods on it."""

    def __init__(self, start: date, daily_start: date, end: date, storm: np.ndarray | None = None):
        self.end = end
        self.days = day_grid(start, daily_start, end)
        self.profiles = daily_profiles(self.days, storm)
        self.periods: dict[str, Periods] = {}
        for freq in ("daily", "weekly", "monthly", "quarterly", "yearly"):
            starts = period_starts(freq, daily_start if freq == "daily" else start, end)
            ends = period_ends(freq, starts)
            mid = starts + (ends - starts) // 2
            self.periods[freq] = Periods(
                starts=starts,
                dates=np.array([d.item() for d in starts], dtype=object),
                lo=(starts - self.days[0]).astype(np.int64) if len(starts) else np.zeros(0, np.int64),
                hi=(ends - self.days[0]).astype(np.int64) if len(starts) else np.zeros(0, np.int64),
                years=(mid - np.datetime64(end, "D")).astype(np.int64) / 365.25,
            )

    def average(self, daily: np.ndarray, periods: Periods) -> np.ndarray:
        """Mean of a daily factor (or of each row of a 2-d array) over each period."""
        return self.total(daily, periods) / (periods.hi - periods.lo)

    def total(self, daily: np.ndarray, periods: Periods) -> np.ndarray:
        """Sum of a daily quantity (or of each row of a 2-d array) over each period."""
        daily = np.asarray(daily, dtype=float)
        cumulative = np.concatenate([np.zeros(daily.shape[:-1] + (1,)), np.cumsum(daily, axis=-1)], axis=-1)
        return cumulative[..., periods.hi] - cumulative[..., periods.lo]

    def reduce(self, daily: np.ndarray, periods: Periods, how) -> np.ndarray:
        """Any reduction ``how(values, axis=-1)`` of a daily quantity over each period (percentiles, maxima)."""
        daily = np.asarray(daily, dtype=float)
        out = np.empty(daily.shape[:-1] + (len(periods.lo),))
        for i, (lo, hi) in enumerate(zip(periods.lo, periods.hi)):
            out[..., i] = how(daily[..., lo:hi], axis=-1)
        return out

    def daily_index(self, periods: Periods) -> np.ndarray:
        """Positions on the grid of the days of a daily frequency's periods."""
        return periods.lo
