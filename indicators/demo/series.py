"""Seeded, deterministic demo data: realistic histories for every catalog indicator.

One series per indicator and area is built as

    value = typical + scale * (district factor * trend * seasons * (1 + noise) * events - 1)

where ``scale`` is the typical value itself (plain multiplicative growth) or, for a value
close to its physical maximum such as a 97 % rate, the room left below that maximum, so
rates near a ceiling move by fractions of a point instead of being clipped flat.

* **Calendar.** Seasonal shapes and events live on one daily grid and are averaged over
  each period, so the Spring Festival falls in January or February of a monthly series
  exactly as the lunar calendar puts it, and a typhoon shows in the month it struck.
* **Hints.** The catalog's ``demo`` column (``trend=0.06;season=summer+weekday;noise=0.03;
  breach;integer``) overrides the defaults, which follow theme, topics, unit and name.
* **Districts.** Sums are split by population times a stable per-district intensity
  (core districts such as 思明 are denser economically than outer counties); means get a
  small stable offset per district. The city row is always computed from the district
  rows by the catalog's aggregation rule, so they add up exactly.
* **Warnings.** Ordinary series are kept on the normal side of the blue threshold (events
  such as an epidemic wave may still cross it, as they did). Series hinted ``breach`` and
  a stable ~5 % of thresholded district means in one district drift across the warning
  levels toward the end, so current warnings exist.
* **Gaps.** A few series miss some periods or their latest one (a late department);
  weight indicators stay complete.

Same catalog, city, end and seed give identical output: every random draw comes from a
``numpy`` generator seeded with the seed and a stable hash of indicator code and adcode.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta

import holidays
import numpy as np
import pandas as pd

from geo.cities import City
from indicators.catalog import Indicator

DEFAULT_SEED = 20240101
DEFAULT_START = date(2019, 1, 1)
COLUMNS = ("code", "adcode", "period", "value")
SEASONS = frozenset({"spring_festival", "summer", "winter", "typhoon", "epidemic", "weekday", "school"})

# Lunar New Year's Day (春节); other years come from the ``holidays`` China calendar.
SPRING_FESTIVAL = {
    2018: date(2018, 2, 16), 2019: date(2019, 2, 5), 2020: date(2020, 1, 25), 2021: date(2021, 2, 12),
    2022: date(2022, 2, 1), 2023: date(2023, 1, 22), 2024: date(2024, 2, 10), 2025: date(2025, 1, 29),
    2026: date(2026, 2, 17), 2027: date(2027, 2, 6), 2028: date(2028, 1, 26), 2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
}
# Typhoons that hit or brushed Fujian: (approximate day of landfall or closest pass, strength 0..1).
TYPHOONS = {
    "Lekima 利奇马": (date(2019, 8, 10), 0.6), "Bailu 白鹿": (date(2019, 8, 25), 0.8),
    "Hagupit 黑格比": (date(2020, 8, 4), 0.4), "Mekkhala 米克拉": (date(2020, 8, 11), 0.8),
    "In-Fa 烟花": (date(2021, 7, 25), 0.5), "Lupit 卢碧": (date(2021, 8, 5), 0.7),
    "Chanthu 灿都": (date(2021, 9, 13), 0.5), "Hinnamnor 轩岚诺": (date(2022, 9, 3), 0.4),
    "Muifa 梅花": (date(2022, 9, 14), 0.5), "Doksuri 杜苏芮": (date(2023, 7, 28), 1.0),
    "Haikui 海葵": (date(2023, 9, 5), 0.9), "Gaemi 格美": (date(2024, 7, 25), 0.9),
    "Kong-rey 康妮": (date(2024, 10, 31), 0.4), "Danas 丹娜丝": (date(2025, 7, 7), 0.6),
    "Podul 杨柳": (date(2025, 8, 14), 0.8),
}
TYPHOON_TABLE_YEARS = range(2019, 2026)
# Epidemic waves: (peak, days of rise, days of fall, height relative to normal).
EPIDEMIC_WAVES = (
    (date(2020, 2, 5), 10, 14, 0.6),  # first COVID-19 wave
    (date(2022, 12, 23), 7, 14, 3.0),  # the wave after reopening, Dec 2022 - Jan 2023
    (date(2023, 5, 28), 12, 14, 0.8),  # the smaller XBB wave
    (date(2023, 12, 3), 14, 18, 0.6),  # influenza and mycoplasma winter
    (date(2024, 12, 30), 14, 16, 0.5),  # influenza winter
)
# Spring Festival effect on activity, by days from New Year's Day: factories and migrant
# workers leave the week before, the holiday week is the trough, Lantern Festival (day 14)
# ends it, then a small catch-up rebound.
SF_DAYS = (-15, -8, -1, 0, 6, 13, 20, 28, 45)
SF_EFFECT = (0.0, -0.12, -0.40, -0.55, -0.50, -0.25, 0.0, 0.05, 0.0)
TYPHOON_DAYS = (-3, -2, -1, 0, 1, 2, 3, 5)
TYPHOON_EFFECT = (0.0, 0.25, 0.6, 1.0, 0.8, 0.4, 0.15, 0.0)

DEFAULT_NOISE = {"daily": 0.06, "weekly": 0.04, "monthly": 0.03, "quarterly": 0.02, "yearly": 0.015}
AR_PHI = {"daily": 0.6, "weekly": 0.5, "monthly": 0.4, "quarterly": 0.3, "yearly": 0.2}
THEME_GROWTH = {"economy": 0.06, "market": 0.05, "public_service": 0.03, "governance": 0.02, "environment": 0.02}
# How strongly a sum follows district intensity on top of population.
THEME_CONCENTRATION = {"economy": 1.0, "market": 0.8, "public_service": 0.5, "governance": 0.4, "environment": 0.3}
RAMP_PERIODS = {"daily": 45, "weekly": 10, "monthly": 6, "quarterly": 3, "yearly": 2}
BREACH_SHARE = 0.05  # thresholded district means that breach in one district
LATE_SHARE = 0.06  # series whose latest period has not arrived yet
GAP_SHARE = 0.05  # series with a few missing periods
SAFE_MARGIN = 0.85  # ordinary series stay within this share of the way to blue

RATE_UNITS = {"%", "％", "‰", "‱", "百分点", "个百分点", "分", "指数", "点", "index", "score", "pp"}
COUNT_UNITS = set("个人件起家户次辆例宗所座张台条项名处场艘架只头间套栋批份篇部") | {"人次", "户次", "车次", "架次", "艘次"}
CONCENTRATION_UNITS = {"μg/m³", "µg/m³", "ug/m3", "μg/m3", "mg/m³", "mg/m3", "mg/L", "mg/l"}
ACTIVITY_WORDS = (
    "metro", "subway", "bus ", "traffic", "passenger", "freight", "cargo", "electricity", "power load",
    "power consumption", "hotline", "12345", "industrial", "congestion", "地铁", "公交", "交通", "客运",
    "货运", "用电", "电量", "负荷", "热线", "工业", "拥堵", "港口", "吞吐",
)
LEISURE_WORDS = ("touris", "visitor", "scenic", " park", "游客", "旅游", "景区", "公园")
SUMMER_WORDS = (
    "electricity", "power load", "power consumption", "water supply", "water consumption", "用电", "电量", "负荷",
    "供水量", "用水量",
)
AIR_WORDS = ("pm2.5", "pm10", "no2", "so2", "aqi", "air quality", "pollut", "空气", "颗粒物", "污染")
TYPHOON_WORDS = ("typhoon", "flood", "rainfall", "waterlogging", "台风", "防汛", "内涝", "降雨", "降水")
EPIDEMIC_WORDS = ("fever", "infectious", "influenza", "covid", "发热", "传染", "流感", "疫情")


@dataclass(frozen=True)
class DemoSpec:
    """How one indicator's demo series behaves, from its hints and defaults."""

    trend: float
    seasons: frozenset[str]
    noise: float
    breach: bool
    integer: bool


# --------------------------------------------------------------------------- hints


def parse_demo_hints(text: str) -> dict[str, str]:
    """Split a ``demo`` hint string into keys and values.

    Args:
        text: e.g. ``"trend=0.06;season=summer+weekday;breach"``.

    Returns:
        Lower-case keys mapped to their value; flags such as ``breach`` map to ``""``.
    """
    hints: dict[str, str] = {}
    for part in (text or "").split(";"):
        key, _, value = part.partition("=")
        if key.strip():
            hints[key.strip().lower()] = value.strip()
    return hints


def _number(text: str | None, default: float) -> float:
    """A hint number such as ``0.06`` or ``6%``; the default when absent or unreadable."""
    if not text:
        return default
    try:
        return float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        return default


def _is_rate(ind: Indicator) -> bool:
    return ind.unit.strip() in RATE_UNITS or ind.unit.strip().endswith("%")


def _mentions(ind: Indicator, words: Iterable[str]) -> bool:
    text = f" {ind.name_en.lower()} {ind.name_zh} "
    return any(word in text for word in words)


def _default_trend(ind: Indicator) -> float:
    """Levels grow with the economy, bad counts fall slowly, rates drift toward good."""
    if _is_rate(ind):
        return {"up": 0.01, "down": -0.01}.get(ind.direction, 0.0)
    if ind.direction == "down":
        return -0.03
    growth = THEME_GROWTH[ind.theme]
    return growth if ind.direction == "up" else round(growth * 0.6, 4)


def _default_seasons(ind: Indicator) -> frozenset[str]:
    """Seasons that fit the indicator's topics, theme, unit and name."""
    seasons: set[str] = set()
    sub_yearly = ind.frequency in ("daily", "weekly", "monthly")
    activity = _mentions(ind, ACTIVITY_WORDS) or (
        bool({"industry", "city_operation"} & set(ind.topics)) and not _is_rate(ind)
    )
    hazard_up = ind.direction in ("down", "neutral")  # more of it is bad, or it is a plain count
    if activity and sub_yearly:
        seasons.add("spring_festival")
    if ind.frequency == "daily" and (activity or "city_operation" in ind.topics or _mentions(ind, LEISURE_WORDS)):
        seasons.add("weekday")
    if _mentions(ind, SUMMER_WORDS) and sub_yearly:
        seasons.add("summer")
    if ind.theme == "environment" and (ind.unit in CONCENTRATION_UNITS or _mentions(ind, AIR_WORDS)):
        seasons.add("winter")
    if ind.frequency != "yearly" and (("emergency" in ind.topics and hazard_up) or _mentions(ind, TYPHOON_WORDS)):
        seasons.add("typhoon")
    if ind.frequency != "yearly" and (("health" in ind.topics and hazard_up) or _mentions(ind, EPIDEMIC_WORDS)):
        seasons.add("epidemic")
    return frozenset(seasons)


def demo_spec(ind: Indicator) -> DemoSpec:
    """The demo behaviour of an indicator: its ``demo`` hints over sensible defaults.

    Unknown keys and unreadable values are ignored, so a typo falls back to the default.

    Args:
        ind: the catalog entry.

    Returns:
        Trend (annual relative growth), seasons, noise (relative sd), whether it breaches
        its thresholds and whether its values are whole counts.
    """
    hints = parse_demo_hints(ind.demo)
    if "season" in hints:
        seasons = frozenset(s.strip().lower() for s in hints["season"].split("+")) & SEASONS
    else:
        seasons = _default_seasons(ind)
    integer = "integer" in hints or (ind.unit.strip() in COUNT_UNITS and ind.aggregation in ("sum", "none"))
    return DemoSpec(
        trend=min(max(_number(hints.get("trend"), _default_trend(ind)), -0.5), 1.0),  # keep (1 + trend) ** t sane
        seasons=seasons,
        noise=abs(_number(hints.get("noise"), DEFAULT_NOISE[ind.frequency])),
        breach="breach" in hints and ind.has_thresholds,
        integer=integer,
    )


# --------------------------------------------------------------------------- periods


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


# --------------------------------------------------------------------------- calendar


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


def _typhoons(years: range, seed: int) -> list[tuple[date, float]]:
    """Real typhoons for the table years; two stable made-up ones a year beyond it."""
    events = [when for when in TYPHOONS.values() if when[0].year in years]
    for year in years:
        if year not in TYPHOON_TABLE_YEARS:
            rng = _rng(seed, "typhoon", year)
            for offset, strength in zip(rng.integers(0, 75, 2), rng.uniform(0.4, 0.9, 2)):
                events.append((date(year, 7, 12) + timedelta(days=int(offset)), float(strength)))
    return events


def _holiday_days(years: range) -> tuple[np.ndarray, np.ndarray]:
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


def _bump(days: np.ndarray, peak_doy: float, power: int) -> np.ndarray:
    """A smooth yearly bump around a day of the year, 0..1."""
    doy = (days - days.astype("datetime64[Y]")).astype(np.int64)
    return ((1 + np.cos(2 * np.pi * (doy - peak_doy) / 365.25)) / 2) ** power


def _offsets(days: np.ndarray, when: date) -> np.ndarray:
    return (days - np.datetime64(when, "D")).astype(np.int64)


def _daily_profiles(days: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """Shapes of every season and event on the daily grid, shared by all indicators."""
    if len(days) == 0:
        return {}
    # From the year before (its Spring Festival rebound) to the year after (a January pre-dip).
    first, last = (int(d.astype("datetime64[Y]").astype(int)) + 1970 for d in (days[0], days[-1]))
    years = range(first - 1, last + 2)
    sf = sum(np.interp(_offsets(days, spring_festival(y)), SF_DAYS, SF_EFFECT, 0, 0) for y in years)
    start_2020 = (np.datetime64("2020-01-20") - days[0]).astype(np.int64)
    covid = np.interp(np.arange(len(days)) - start_2020, [0, 7, 31, 86], [0, -0.45, -0.45, 0], 0, 0)
    wave = _wave(days, date(2022, 12, 23), 7, 14)
    typhoon = sum(
        strength * np.interp(_offsets(days, when), TYPHOON_DAYS, TYPHOON_EFFECT, 0, 0)
        for when, strength in _typhoons(years, seed)
    )
    off, worked = _holiday_days(years)
    dow = (days.astype(np.int64) + 3) % 7
    weekend = ((dow >= 5) | np.isin(days, off)) & ~np.isin(days, worked)
    doy = (days - days.astype("datetime64[Y]")).astype(np.int64)
    winter_break = sum(np.abs(_offsets(days, spring_festival(y)) + 3) <= 18 for y in years) > 0
    school = ((doy >= 190) & (doy < 243)) | winter_break  # 10 Jul - 31 Aug, and around the Spring Festival
    shapes = {"summer": _bump(days, 206, 3), "winter": _bump(days, 10, 2), "weekend": weekend, "school": school}
    # Seasons move values around their yearly mean, so the typical value stays typical.
    profiles = {name: shape - shape.mean() for name, shape in shapes.items()}
    profiles |= {
        "spring_festival": sf,
        "activity_shock": covid - 0.25 * wave,  # lockdown of early 2020; everyone ill in Dec 2022
        "typhoon": 0.15 * _bump(days, 232, 6) + 2.0 * typhoon,
        "epidemic": sum(h * _wave(days, p, up, down) for p, up, down, h in EPIDEMIC_WAVES),
    }
    return profiles


def _wave(days: np.ndarray, peak: date, rise: float, fall: float) -> np.ndarray:
    """A skewed bell around ``peak``: ``rise`` and ``fall`` are its sds in days."""
    k = _offsets(days, peak).astype(float)
    return np.exp(-0.5 * (k / np.where(k < 0, rise, fall)) ** 2)


@dataclass(frozen=True)
class _Periods:
    """The periods of one frequency, located on the daily grid."""

    starts: np.ndarray  # datetime64[D]
    dates: np.ndarray  # the same as datetime.date objects
    lo: np.ndarray  # first grid day of each period
    hi: np.ndarray  # grid day after each period
    years: np.ndarray  # years from ``end`` to the middle of each period (negative)


class _Calendar:
    """The daily grid with its season shapes, and every frequency's periods on it."""

    def __init__(self, start: date, daily_start: date, end: date, seed: int):
        first = min(start, daily_start)
        self.days = np.arange(np.datetime64(first, "D"), max(np.datetime64(first, "D"), np.datetime64(end, "D")))
        self.profiles = _daily_profiles(self.days, seed)
        self.periods = {}
        for freq in ("daily", "weekly", "monthly", "quarterly", "yearly"):
            starts = period_starts(freq, daily_start if freq == "daily" else start, end)
            ends = period_ends(freq, starts)
            mid = starts + (ends - starts) // 2
            self.periods[freq] = _Periods(
                starts=starts,
                dates=np.array([d.item() for d in starts], dtype=object),
                lo=(starts - self.days[0]).astype(np.int64) if len(starts) else np.zeros(0, np.int64),
                hi=(ends - self.days[0]).astype(np.int64) if len(starts) else np.zeros(0, np.int64),
                years=(mid - np.datetime64(end, "D")).astype(np.int64) / 365.25,
            )

    def average(self, daily: np.ndarray, periods: _Periods) -> np.ndarray:
        """Mean of a daily factor over each period."""
        total = np.concatenate([[0.0], np.cumsum(daily)])
        return (total[periods.hi] - total[periods.lo]) / (periods.hi - periods.lo)


# --------------------------------------------------------------------------- randomness


def _digest(*parts: object) -> int:
    """A stable 64-bit hash (Python's ``hash`` is salted per process)."""
    text = "|".join(str(p) for p in parts)
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def _rng(seed: int, *parts: object) -> np.random.Generator:
    return np.random.default_rng([seed % 2**32, _digest(*parts)])


def _unit(seed: int, *parts: object) -> float:
    """A stable number in [0, 1) for a choice such as "is this series late"."""
    return _digest(seed, *parts) / 2**64


def _normal(seed: int, *parts: object) -> float:
    """A stable standard normal number (Box-Muller on two stable uniforms); no generator needed."""
    u1, u2 = 1 - _unit(seed, *parts, "u1"), _unit(seed, *parts, "u2")
    return float(np.sqrt(-2 * np.log(u1)) * np.cos(2 * np.pi * u2))


def _ar1(rng: np.random.Generator, rows: int, n: int, phi: float, sd: float) -> np.ndarray:
    """Autocorrelated noise: departments' figures wander, they do not jump independently."""
    burn = int(np.ceil(np.log(0.01) / np.log(phi)))
    white = rng.normal(0.0, sd * np.sqrt(1 - phi**2), size=(rows, n + burn))
    kernel = phi ** np.arange(burn + 1)
    return np.array([np.convolve(row, kernel)[burn : burn + n] for row in white]).reshape(rows, n)


# --------------------------------------------------------------------------- one indicator


def _scale(ind: Indicator) -> float:
    """How far one unit of relative change moves the value.

    The typical value itself, except near a physical maximum (a 97 % rate moves within
    the 3 points left below 100 %, doubled so it still moves visibly).
    """
    typical = ind.typical
    scale = abs(typical)
    if scale == 0:
        span = (ind.max_value - ind.min_value) if None not in (ind.min_value, ind.max_value) else 20.0
        scale = span / 20
    if ind.max_value is not None and ind.max_value >= typical:
        # At the ceiling itself (a 100 % coverage) keep a trace of movement just below it.
        scale = min(scale, max(2 * (ind.max_value - typical), 0.005 * scale))
    return scale


def _bad_sign(ind: Indicator) -> int:
    """+1 when a hazard raises the value (more is worse, or a plain count), -1 when it lowers it."""
    return -1 if ind.direction == "up" else 1


def _hazard(effect: np.ndarray, sign: int) -> np.ndarray:
    """A relative hazard effect as factor; lowering by division keeps values positive."""
    return 1 + effect if sign > 0 else 1 / (1 + effect)


def _period_factors(ind: Indicator, spec: DemoSpec, cal: _Calendar, periods: _Periods, rng) -> tuple:
    """Regular seasons and events of one indicator, averaged per period.

    Returns:
        ``(regular, events)`` factors: regular seasons count when keeping a series on the
        normal side of its thresholds, events (Spring Festival, lockdowns, typhoons,
        epidemics) may cross them.
    """
    amp = rng.uniform(0.6, 1.2, size=8)  # always eight draws, so later draws do not shift
    if not len(cal.days):
        return np.ones(0), np.ones(0)
    p, s, sign = cal.profiles, spec.seasons, _bad_sign(ind)
    regular = np.ones(len(cal.days))
    events = np.ones(len(cal.days))
    if "summer" in s:
        regular *= 1 + 0.25 * amp[0] * p["summer"]
    if "winter" in s:
        regular *= _hazard(0.35 * amp[1] * p["winter"], sign)
    if "weekday" in s and ind.frequency == "daily":
        weekend = 0.3 if _mentions(ind, LEISURE_WORDS) else -0.22  # outings rise, commuting falls
        regular *= 1 + weekend * amp[2] * p["weekend"]
    if "school" in s:
        regular *= 1 - 0.6 * min(amp[3], 1.0) * p["school"]
    if "spring_festival" in s:
        # Depth varies: metro and factories empty out, power and hotlines dip less.
        events *= (1 + 0.8 * amp[4] * p["spring_festival"]) * (1 + amp[5] * p["activity_shock"])
    hazard = np.zeros(len(cal.days))
    if "typhoon" in s:
        hazard += amp[6] * p["typhoon"]
    if "epidemic" in s:
        hazard += amp[7] * p["epidemic"]
    events *= _hazard(hazard, sign)
    return cal.average(regular, periods), cal.average(events, periods)


def _intensity(adcode: str, centre: str) -> float:
    """How urban and economically dense a district is, stable across indicators.

    The adcode says what it is: 01–10 urban districts (the lowest-numbered one, e.g.
    思明 or 蕉城, is the old centre), 11–20 districts made from former counties, 21–80
    counties, 81–99 county-level cities.
    """
    suffix = int(adcode[-2:])
    base = 2.0 if adcode == centre else 1.5 if suffix <= 10 else 1.0 if suffix <= 20 else 0.85 if suffix >= 81 else 0.6
    return base * float(np.exp(0.1 * _normal(0, "intensity", adcode)))


def _district_bases(ind: Indicator, city: City, seed: int) -> np.ndarray:
    """Each district's share of a sum, or its relative level for a mean (mean 1)."""
    noise = np.array([_normal(seed, ind.code, d.adcode, "base") for d in city.districts])
    centre = min(city.districts, key=lambda d: d.adcode).adcode
    intensity = np.array([_intensity(d.adcode, centre) for d in city.districts])
    if ind.aggregation == "sum":
        population = np.array([max(d.population, 1) for d in city.districts], dtype=float)
        weight = population * intensity ** THEME_CONCENTRATION[ind.theme] * np.exp(0.1 * noise)
        return weight / weight.sum()
    richer = 0.1 if (ind.theme == "economy" and ind.direction == "up") else 0.0
    factor = intensity**richer * np.exp(0.05 * noise)
    return factor / factor.mean()


@dataclass
class _Rows:
    """The areas of one indicator and the parameters of their rows."""

    adcodes: list[str]  # row areas; the city first when it is generated, not aggregated
    bases: np.ndarray  # share of a sum, or relative level
    shares: bool  # bases are shares of the city total
    seeds: list[np.random.Generator]


def _rows(ind: Indicator, city: City, seed: int) -> _Rows:
    """Rows to generate: the city alone, the districts (city aggregated), or both."""
    if ind.spatial_level == "city" or not city.districts:
        return _Rows([city.adcode], np.ones(1), False, [_rng(seed, ind.code, city.adcode, "row")])
    districts = [d.adcode for d in city.districts]
    bases = _district_bases(ind, city, seed)
    if ind.aggregation == "none":
        districts, bases = [city.adcode, *districts], np.concatenate([[1.0], bases])
    return _Rows(districts, bases, ind.aggregation == "sum", [_rng(seed, ind.code, a, "row") for a in districts])


def _paths(ind: Indicator, spec: DemoSpec, periods: _Periods, rows: _Rows, rng) -> np.ndarray:
    """Trend times noise for each row: a shared part plus each district's own."""
    n, m = len(periods.starts), len(rows.adcodes)
    phi, sd = AR_PHI[ind.frequency], spec.noise
    shared_sd, own_sd = (sd * 0.7, sd * 0.7) if m > 1 else (sd, 0.0)
    common = _ar1(rng, 1, n, phi, shared_sd)
    paths = np.empty((m, n))
    for i, row_rng in enumerate(rows.seeds):
        growth = spec.trend + row_rng.normal(0, 0.01 if abs(spec.trend) >= 0.02 else 0.002) * (m > 1)
        own = _ar1(row_rng, 1, n, phi, own_sd)[0] if own_sd else 0.0
        paths[i] = (1 + growth) ** periods.years * (1 + common[0] + own)
    return paths


def _values(ind: Indicator, rows: _Rows, factor: np.ndarray) -> np.ndarray:
    """Turn relative factors into values around the typical value."""
    if rows.shares:
        return rows.bases[:, None] * (ind.typical + _scale(ind) * (factor - 1))
    return ind.typical + _scale(ind) * (rows.bases[:, None] * factor - 1)


def _bad_excursion(ind: Indicator, values: np.ndarray, anchor: float) -> np.ndarray:
    """How far each value lies from ``anchor`` toward the bad side."""
    if ind.direction == "down":
        return values - anchor
    if ind.direction == "up":
        return anchor - values
    return np.abs(values - anchor)


def _compress(ind: Indicator, regular: np.ndarray, full: np.ndarray, shares: bool) -> np.ndarray:
    """Keep an ordinary series on the normal side of blue by shrinking its swings.

    The swing allowed is measured on the regular part only, so events may still cross.
    For sums the city total is what thresholds judge.
    """
    if not ind.has_thresholds or ind.direction == "neutral":
        return full
    if ind.direction == "target":
        anchor, room = ind.target, ind.blue
    else:
        anchor, room = ind.typical, float(_bad_excursion(ind, np.array(ind.blue), ind.typical))
    if room <= 0:
        return full  # the typical value is already in warning: leave it so
    judged_regular = regular.sum(axis=0, keepdims=True) if shares else regular
    judged_full = full.sum(axis=0, keepdims=True) if shares else full
    swing = _bad_excursion(ind, judged_regular, anchor).max(axis=1, keepdims=True)
    shrink = np.minimum(1.0, SAFE_MARGIN * room / np.maximum(swing, 1e-12))
    squeezed = anchor + shrink * (judged_full - anchor)
    if not shares:
        return squeezed
    ratio = np.divide(squeezed, judged_full, out=np.ones_like(squeezed), where=judged_full > 0)
    return full * ratio


def _soft_cap(ind: Indicator, values: np.ndarray) -> np.ndarray:
    """Bend values that rise toward the physical maximum so they approach it, not pile on it.

    Near the typical value nothing changes; an epidemic wave on an 80 % rate then peaks
    at 99.x % instead of sitting at 100 % for two months.
    """
    if ind.max_value is None or ind.max_value <= ind.typical:
        return values
    room = ind.max_value - ind.typical
    above = values > ind.typical
    bent = ind.max_value - room * np.exp(-(values - ind.typical) / room)
    return np.where(above, bent, values)


def _calm_end(ind: Indicator, rows: _Rows, expected: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Undo a warning that only the count noise put at the end of an ordinary series.

    A small count (3 a month, blue at 4) crosses its threshold by chance every few
    periods; fine in the history, but the latest periods should not all raise warnings.
    """
    if not ind.has_thresholds or ind.direction == "neutral":
        return counts

    def toward_good(x: np.ndarray) -> np.ndarray:
        lower = x > ind.target if ind.direction == "target" else np.full(x.shape, ind.direction == "down")
        return np.where(lower, np.floor(x), np.ceil(x))

    judged = [np.arange(len(rows.adcodes))] if rows.shares else [np.array([i]) for i in range(len(rows.adcodes))]
    for members in judged:
        for period in (-2, -1):
            sampled, calm = counts[members, period].sum(), expected[members, period].sum()
            if _level(ind, sampled) > 0 and _level(ind, calm) == 0:
                counts[members, period] = toward_good(expected[members, period])
    return counts


def _clip(ind: Indicator, values: np.ndarray, integer: bool) -> np.ndarray:
    low = ind.min_value if ind.min_value is not None else (0.0 if integer else None)
    if low is None and ind.max_value is None:
        return values
    return np.clip(values, low, ind.max_value)


def _decimals(ind: Indicator, spec: DemoSpec) -> int:
    """Published precision: counts whole, small values to 4 places, the rest to 2."""
    return 0 if spec.integer else 2 if abs(ind.typical) >= 1 else 4


def _aggregate(ind: Indicator, values: np.ndarray, weights: np.ndarray | None, decimals: int | None = None):
    """The city row from the district rows, by the catalog's aggregation rule.

    Args:
        ind: the indicator, for its rule.
        values: district rows × periods.
        weights: the weight indicator's district values per period, for ``wmean``.
        decimals: round a sum like its districts (only float dust changes); means stay exact.

    Returns:
        The city's values per period.
    """
    if ind.aggregation == "sum":
        total = values.sum(axis=0)
        return total if decimals is None else np.round(total, decimals)
    if ind.aggregation == "mean":
        return values.mean(axis=0)
    if weights is not None:
        total = weights.sum(axis=0)
        weighted = (weights * values).sum(axis=0)
        return np.where(total > 0, weighted / np.where(total > 0, total, 1), values.mean(axis=0))
    raise ValueError(f"{ind.code}: no weights for aggregation {ind.aggregation}")


# --------------------------------------------------------------------------- warnings


def _level(ind: Indicator, value: float) -> int:
    """Warning level of a value: 0 normal, 1 blue … 4 red (see the catalog docstring)."""
    if not ind.has_thresholds or ind.direction == "neutral":
        return 0
    reached = 0
    for i, threshold in enumerate(ind.thresholds, start=1):
        if ind.direction == "down" and value >= threshold:
            reached = i
        elif ind.direction == "up" and value <= threshold:
            reached = i
        elif ind.direction == "target" and abs(value - ind.target) >= threshold:
            reached = i
    return reached


def _breach_level(seed: int, code: str, adcode: str) -> int:
    """The stable level a breaching series ends in: 0 blue (most often) … 3 red (rarely)."""
    u = _unit(seed, "level", code, adcode)
    return 0 if u < 0.35 else 1 if u < 0.65 else 2 if u < 0.88 else 3


def _breach_target(ind: Indicator, seed: int, adcode: str, level: int) -> float:
    """Where a breaching series ends: inside ``level`` (0 blue … 3 red), at a stable depth."""
    levels = list(ind.thresholds)
    if ind.direction == "target":
        levels = [abs(x) for x in levels]
    beyond = levels[3] + 0.3 * (levels[3] - levels[2])
    bounds = (levels + [beyond])[level : level + 2]
    distance = bounds[0] + (0.35 + 0.3 * _unit(seed, "depth", ind.code, adcode)) * (bounds[1] - bounds[0])
    if ind.direction != "target":
        return _inside(ind, distance, levels[level])
    above = ind.target + distance
    below = ind.target - distance
    first, second = (above, below) if _unit(seed, "side", ind.code, adcode) < 0.5 else (below, above)
    return first if ind.in_range(first) else second


def _inside(ind: Indicator, value: float, threshold: float) -> float:
    """Pull a target value back inside the physical range, between it and the threshold."""
    if ind.max_value is not None and value > ind.max_value:
        return (threshold + ind.max_value) / 2
    if ind.min_value is not None and value < ind.min_value:
        return (threshold + ind.min_value) / 2
    return value


def _ramp(n: int, frequency: str) -> np.ndarray:
    """0 before the drift, then rising to 1 at the last period."""
    length = max(1, min(RAMP_PERIODS[frequency], n - 1))
    ramp = np.zeros(n)
    ramp[n - length :] = (np.arange(1, length + 1) / length) ** 1.5
    return ramp


# --------------------------------------------------------------------------- assembly


POPULATION_CODE = "ECO-POP-001"  # 常住人口, in 万人


@dataclass
class _Series:
    """One indicator's finished values: the city row first, then the districts."""

    adcodes: list[str]
    values: np.ndarray  # (areas, periods)
    keep: np.ndarray  # periods that were delivered


def _anchor_population(series: _Series, city: City) -> _Series:
    """Scale each district's resident population so that it ends at the configured figure.

    The catalog's typical values describe a city of about five million people; the
    population itself is known per district (``cities.yaml``), so the demo follows it, and
    every mean weighted by population uses the real proportions.
    """
    known = {d.adcode: d.population / 1e4 for d in city.districts if d.population}  # 万人
    if len(known) != len(city.districts) or series.values.shape[1] == 0:
        return series
    values = series.values.copy()
    rows = [i for i, adcode in enumerate(series.adcodes) if adcode in known]
    for i in rows:
        values[i] = np.round(values[i] * known[series.adcodes[i]] / values[i, -1], 2)
    if city.adcode in series.adcodes:
        values[series.adcodes.index(city.adcode)] = np.round(values[rows].sum(axis=0), 2)
    return replace(series, values=values)


class _Generator:
    """Generates the indicators of one city, remembering weight indicators' values."""

    def __init__(self, catalog: Iterable[Indicator], city: City, cal: _Calendar, seed: int):
        self.by_code = {ind.code: ind for ind in catalog}
        self.city, self.cal, self.seed = city, cal, seed
        self.weight_codes = {ind.weight_code for ind in self.by_code.values() if ind.weight_code}
        self.done: dict[str, _Series] = {}

    def series(self, ind: Indicator, stack: tuple[str, ...] = ()) -> _Series:
        """The indicator's values, generating weight indicators first."""
        if ind.code in self.done:
            return self.done[ind.code]
        if ind.code in stack:
            raise ValueError(f"{ind.code}: weight indicators refer to each other: {' -> '.join(stack)}")
        weights = None
        if ind.weight_code and ind.spatial_level == "district" and self.city.districts:
            if ind.weight_code not in self.by_code:
                raise ValueError(f"{ind.code}: weight indicator {ind.weight_code} is not among the indicators given")
            weights = self.weights(ind, self.series(self.by_code[ind.weight_code], (*stack, ind.code)))
        result = self.generate(ind, weights)
        if ind.code == POPULATION_CODE:
            result = _anchor_population(result, self.city)
        if ind.code in self.weight_codes:
            self.done[ind.code] = result
        return result

    def weights(self, ind: Indicator, weight: _Series) -> np.ndarray:
        """The weight's district values of the same period, or of the latest one before it."""
        own = self.cal.periods[ind.frequency].starts
        theirs = self.cal.periods[self.by_code[ind.weight_code].frequency].starts
        if not len(theirs):
            return np.ones((len(self.city.districts), len(own)))
        index = np.clip(np.searchsorted(theirs, own, side="right") - 1, 0, len(theirs) - 1)
        return weight.values[1:, index]

    def generate(self, ind: Indicator, weights: np.ndarray | None) -> _Series:
        """Build one indicator: rows, seasons, thresholds, breaches, city row and gaps."""
        spec, periods = demo_spec(ind), self.cal.periods[ind.frequency]
        rng = _rng(self.seed, ind.code, self.city.adcode)
        rows = _rows(ind, self.city, self.seed)
        if not len(periods.starts):
            return _Series(list(rows.adcodes), np.zeros((len(rows.adcodes), 0)), np.zeros(0, dtype=bool))
        regular, events = _period_factors(ind, spec, self.cal, periods, rng)
        paths = _paths(ind, spec, periods, rows, rng)
        ordinary, eventful = _values(ind, rows, paths * regular), _values(ind, rows, paths * regular * events)
        values = _compress(ind, ordinary, eventful, rows.shares)
        values = _clip(ind, values if rows.shares else _soft_cap(ind, values), spec.integer)
        single = self.breach_row(ind, spec, rows)
        if spec.integer:
            expected, values = values, rng.poisson(np.maximum(values, 0)).astype(float)  # counts scatter like counts
            if not spec.breach:
                values = _calm_end(ind, rows, expected, values)
        target = None
        if (spec.breach or single is not None) and values.shape[1] >= 2:
            values, target = self.breach(ind, rows, values, weights, single)
        values = np.round(_clip(ind, values, spec.integer), _decimals(ind, spec))
        if target is not None:
            values = self.push_over(ind, spec, rows, values, weights, single, target)
        adcodes = list(rows.adcodes)
        if self.aggregated(ind, rows):
            city = _clip(ind, _aggregate(ind, values, weights, _decimals(ind, spec)), False)  # float dust only
            values = np.vstack([city, values])
            adcodes = [self.city.adcode, *adcodes]
        breaching = spec.breach or single is not None
        return _Series(adcodes, values, self.delivered(ind, len(periods.starts), breaching))

    def aggregated(self, ind: Indicator, rows: _Rows) -> bool:
        """Whether the city row is computed from district rows."""
        return ind.spatial_level == "district" and ind.aggregation != "none" and rows.adcodes[0] != self.city.adcode

    def breach_row(self, ind: Indicator, spec: DemoSpec, rows: _Rows) -> int | None:
        """The one district row that drifts into warning, for a stable ~5 % of district means.

        Sums are left out: their thresholds judge the city total, which one district
        rarely moves.
        """
        eligible = (
            not spec.breach
            and ind.has_thresholds
            and ind.aggregation != "sum"
            and ind.code not in self.weight_codes
            and len(rows.adcodes) > 1
        )
        if not eligible or _unit(self.seed, "district-breach", ind.code, self.city.adcode) >= BREACH_SHARE:
            return None
        first = 1 if rows.adcodes[0] == self.city.adcode else 0  # never the city row itself
        count = len(rows.adcodes) - first
        return first + int(_unit(self.seed, "breach-district", ind.code, self.city.adcode) * count)

    def breach(self, ind: Indicator, rows: _Rows, values: np.ndarray, weights, single: int | None):
        """Let a breaching series drift across its warning levels toward the end.

        Returns:
            The values and the value the judged series (the city, or the one district)
            ends at.
        """
        ramp = _ramp(values.shape[1], ind.frequency)
        if single is None:
            level = _breach_level(self.seed, ind.code, self.city.adcode)
            target = _breach_target(ind, self.seed, self.city.adcode, level)
            step = (target - self.judged(ind, rows, values, weights)) * ramp
            # Shares move a sum's total by the step; for means every district moves (some
            # more than others) and their mean, the city, moves by the step.
            return values + (rows.bases if rows.shares else self.spread(ind, rows, weights))[:, None] * step, target
        adcode = rows.adcodes[single]
        for level in range(_breach_level(self.seed, ind.code, adcode), -1, -1):
            # A district deep in red can drag the city mean over blue; prefer a milder level.
            target = _breach_target(ind, self.seed, adcode, level)
            trial = values.copy()
            trial[single] += (target - values[single, -1]) * ramp
            if _level(ind, self.judged(ind, rows, trial, weights)) == 0:
                break
        return trial, target

    def spread(self, ind: Indicator, rows: _Rows, weights) -> np.ndarray:
        """How much of a city-wide drift each row takes; the city's share is exactly 1."""
        share = 1 + 0.5 * (2 * np.array([_unit(self.seed, "spread", ind.code, a) for a in rows.adcodes]) - 1)
        if len(share) == 1:
            return np.ones(1)
        if rows.adcodes[0] == self.city.adcode:
            share[0] = 1.0
            share[1:] /= share[1:].mean()
        elif weights is not None and weights[:, -1].sum() > 0:
            share /= (weights[:, -1] * share).sum() / weights[:, -1].sum()
        else:
            share /= share.mean()
        return share

    def judged(self, ind: Indicator, rows: _Rows, values: np.ndarray, weights) -> float:
        """The last city value, which the thresholds judge."""
        if not self.aggregated(ind, rows):
            return float(values[0, -1])
        last = None if weights is None else weights[:, -1:]
        return float(_aggregate(ind, values[:, -1:], last)[-1])

    def push_over(self, ind: Indicator, spec: DemoSpec, rows: _Rows, values: np.ndarray, weights, single, target):
        """Make sure rounding and clipping did not pull a breach back below blue."""
        decimals = _decimals(ind, spec)
        for _ in range(3):
            last = values[single, -1] if single is not None else self.judged(ind, rows, values, weights)
            if _level(ind, last) > 0 or ind.direction == "neutral":
                return values
            gap = target - last
            shift = gap + (np.sign(gap) or 1) * 10.0**-decimals  # one published digit past the target
            if single is not None:
                values[single, -1] += shift
            elif rows.shares:  # on one district, or rounding each district would swallow it
                values[np.argmax(values[:, -1]), -1] += shift
            else:
                values[:, -1] += shift
            values[:, -1] = np.round(_clip(ind, values[:, -1], spec.integer), decimals)
        return values

    def delivered(self, ind: Indicator, n: int, breaching: bool) -> np.ndarray:
        """Which periods arrived: a few series miss some, a few miss the latest (late).

        Weight indicators stay complete (others are weighted by them), and breaching
        series keep their latest period so the warning they carry is current.
        """
        keep = np.ones(n, dtype=bool)
        if ind.code in self.weight_codes or n < 4:
            return keep
        key = (ind.code, self.city.adcode)
        if not breaching and _unit(self.seed, "late", *key) < LATE_SHARE:
            keep[-(2 if ind.frequency == "daily" else 1) :] = False
        if n >= 8 and _unit(self.seed, "gaps", *key) < GAP_SHARE:
            rng = _rng(self.seed, "gaps", *key)
            count = int(rng.integers(2, 7) if ind.frequency == "daily" else rng.integers(1, 4))
            keep[rng.choice(np.arange(1, n - 3), size=min(count, n - 4), replace=False)] = False
        return keep


def _frame(code: str, series: _Series, dates: np.ndarray) -> pd.DataFrame:
    """One indicator's long table: code, adcode, period, value."""
    kept = dates[series.keep]
    values = series.values[:, series.keep]
    return pd.DataFrame(
        {
            "code": np.full(values.size, code, dtype=object),
            "adcode": np.repeat(np.array(series.adcodes, dtype=object), len(kept)),
            "period": np.tile(kept, len(series.adcodes)),
            "value": values.ravel().astype(float),
        }
    )


def generate_city(
    catalog: Iterable[Indicator],
    city: City,
    *,
    end: date,
    start: date = DEFAULT_START,
    daily_start: date | None = None,
    seed: int = DEFAULT_SEED,
) -> Iterator[pd.DataFrame]:
    """Generate demo data for every indicator of a city, one DataFrame per indicator.

    District-level indicators get a row for each district and for the city, the city
    computed from the districts by the aggregation rule (``none``: generated on its own);
    city-level indicators get city rows only.

    Args:
        catalog: the indicators (a ``Catalog`` or any iterable of ``Indicator``).
        city: the city and its districts.
        end: today; each series holds the periods complete before it (daily: to yesterday).
        start: first day of the history of non-daily series.
        daily_start: first day of daily series; default Jan 1 three years before ``end``.
        seed: same seed, catalog, city and end give identical output.

    Returns:
        An iterator of DataFrames in catalog order, one per indicator that has any period
        complete before ``end``, columns ``code`` (str), ``adcode`` (str), ``period``
        (``datetime.date``, the period's first day) and ``value`` (float).
    """
    daily_start = daily_start or default_daily_start(end)
    cal = _Calendar(start, daily_start, end, seed)
    generator = _Generator(catalog, city, cal, seed)
    for ind in generator.by_code.values():
        frame = _frame(ind.code, generator.series(ind), cal.periods[ind.frequency].dates)
        if len(frame):  # nothing complete yet (``end`` close to ``start``): nothing to insert
            yield frame
