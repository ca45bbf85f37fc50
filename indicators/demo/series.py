"""One indicator's demo series, for every indicator no physical model covers.

One series per indicator and area is built as

    value = typical + scale * (district factor * trend * seasons * (1 + noise) * events - 1)

where ``typical`` is the catalog's typical value scaled to the city (``indicators.demo.economy``),
and ``scale`` is the typical value itself (plain multiplicative growth) or, for a value close to its
physical maximum such as a 97 % rate, the room left below that maximum, so rates near a ceiling move by
fractions of a point instead of being clipped flat.

* **Calendar.** Seasons and events come from ``indicators.demo.calendar``, averaged over each period.
  Each family moves the way it really does at the Spring Festival (factories and commuting down,
  tourism and restaurants up, travel up on both sides, shops up before it) and in 2020 (a slump in
  February, back by the summer, deeper for tourism than for industry).
* **Hints.** The catalog's ``demo`` column (``trend=0.06;season=summer+weekday;noise=0.03;covid=0.3;
  breach;integer;rural``) overrides the defaults, which follow theme, topics, unit and name; ``cities=341500``
  marks a city's own industry (tea in 六安): only the listed cities get it, at the catalog's typical value.
* **Districts.** Sums are split by population times a stable per-district intensity (core districts
  such as 思明 are denser economically than outer counties; ``rural`` ones, such as farming, the other
  way round); means get a small stable offset per district. The city row is computed from the district
  rows by the catalog's aggregation rule, so they add up exactly.
* **Warnings.** Ordinary series are kept on the normal side of the blue threshold (events such as an
  epidemic wave may still cross it, as they did). Series hinted ``breach`` and a stable ~3 % of
  thresholded district means in one district drift across the warning levels toward the end, so current
  warnings exist; a city too small to reach a threshold set for a bigger one does not breach it.
* **Gaps.** A few series miss some periods or their latest one (a late department); weight indicators
  stay complete.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from geo.cities import City
from indicators.catalog.entries import Indicator
from indicators.demo.calendar import Calendar, Periods
from indicators.demo.noise import ar1, normal, rng, unit

SEASONS = frozenset({"spring_festival", "festive", "chunyun", "shopping", "summer", "winter", "typhoon",
                     "epidemic", "weekday", "school"})
# Hourly indicators are not generated (``demo.hourly`` splits their days); their spec is asked like any other's.
DEFAULT_NOISE = {"hourly": 0.06, "daily": 0.06, "weekly": 0.04, "monthly": 0.03, "quarterly": 0.02, "yearly": 0.015}
STOCK_NOISE = 0.005  # balances and registers at a period's end move smoothly
AR_PHI = {"daily": 0.6, "weekly": 0.5, "monthly": 0.4, "quarterly": 0.3, "yearly": 0.2}
THEME_GROWTH = {"economy": 0.06, "market": 0.05, "public_service": 0.03, "governance": 0.02, "environment": 0.02}
# How strongly a sum follows district intensity on top of population.
THEME_CONCENTRATION = {"economy": 1.0, "market": 0.8, "public_service": 0.5, "governance": 0.4, "environment": 0.3}
RAMP_PERIODS = {"daily": 45, "weekly": 10, "monthly": 6, "quarterly": 3, "yearly": 2}
BREACH_SHARE = 0.03  # thresholded district means that breach in one district
LATE_SHARE = 0.06  # series whose latest period has not arrived yet
GAP_SHARE = 0.05  # series with a few missing periods
SAFE_MARGIN = 0.85  # ordinary series stay within this share of the way to blue
MAX_BREACH_RISE = 1.0  # a breach never needs more than doubling the typical value
# Default depth of the February 2020 slump (share of activity lost on the deepest days) by family.
COVID_DEPTH = {"spring_festival": 0.45, "festive": 0.85, "chunyun": 0.75, "shopping": 0.35}

RATE_UNITS = {"%", "％", "‰", "‱", "百分点", "个百分点", "分", "指数", "点", "index", "score", "pp"}
COUNT_UNITS = set("个人件起家户次辆例宗所座张台条项名处场艘架只头间套栋批份篇部通") | {
    "人次", "户次", "车次", "架次", "艘次", "件次", "批次"}
CONCENTRATION_UNITS = {"μg/m³", "µg/m³", "ug/m3", "μg/m3", "mg/m³", "mg/m3", "mg/L", "mg/l"}
ACTIVITY_WORDS = (
    "metro", "subway", "bus ", "traffic", "freight", "cargo", "electricity", "power load",
    "power consumption", "hotline", "12345", "industrial", "congestion", "地铁", "公交", "交通",
    "货运", "用电", "电量", "负荷", "热线", "工业", "拥堵", "港口", "吞吐",
)
LEISURE_WORDS = ("touris", "visitor", "scenic", " park", "游客", "旅游", "景区", "公园")
TRAVEL_WORDS = ("railway passenger", "airport passenger", "铁路旅客", "机场旅客")
SHOPPING_WORDS = ("retail", "catering", "零售", "餐饮")
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
    covid: float = 0.0  # depth of the February 2020 slump, 0..1
    rural: bool = False  # a sum concentrated in the outer counties (farming)


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


def is_rate(ind: Indicator) -> bool:
    """Whether the indicator is a rate, share or index (it does not add up over areas or time)."""
    return ind.unit.strip() in RATE_UNITS or ind.unit.strip().endswith("%")


def mentions(ind: Indicator, words: Iterable[str]) -> bool:
    """Whether the indicator's English or Chinese name contains any of ``words``."""
    text = f" {ind.name_en.lower()} {ind.name_zh} "
    return any(word in text for word in words)


def _default_trend(ind: Indicator) -> float:
    """Levels grow with the economy, bad counts fall slowly, rates drift toward good."""
    if is_rate(ind):
        return {"up": 0.01, "down": -0.01}.get(ind.direction, 0.0)
    if ind.direction == "down":
        return -0.03
    growth = THEME_GROWTH[ind.theme]
    return growth if ind.direction == "up" else round(growth * 0.6, 4)


def _default_seasons(ind: Indicator) -> frozenset[str]:
    """Seasons that fit the indicator's topics, theme, unit and name."""
    seasons: set[str] = set()
    sub_yearly = ind.frequency in ("daily", "weekly", "monthly")
    activity = mentions(ind, ACTIVITY_WORDS) or (
        bool({"industry", "city_operation"} & set(ind.topics)) and not is_rate(ind)
    )
    leisure = mentions(ind, LEISURE_WORDS)
    hazard_up = ind.direction in ("down", "neutral")  # more of it is bad, or it is a plain count
    if sub_yearly and not is_rate(ind):
        if mentions(ind, TRAVEL_WORDS):
            seasons.add("chunyun")
        elif leisure:
            seasons.add("festive")
        elif mentions(ind, SHOPPING_WORDS):
            seasons.add("shopping")
        elif activity:
            seasons.add("spring_festival")
    if ind.frequency == "daily" and (activity or "city_operation" in ind.topics or leisure):
        seasons.add("weekday")
    if (mentions(ind, SUMMER_WORDS) or leisure) and sub_yearly:
        seasons.add("summer")
    if ind.theme == "environment" and (ind.unit in CONCENTRATION_UNITS or mentions(ind, AIR_WORDS)):
        seasons.add("winter")
    if ind.frequency != "yearly" and (("emergency" in ind.topics and hazard_up) or mentions(ind, TYPHOON_WORDS)):
        seasons.add("typhoon")
    if ind.frequency != "yearly" and (("health" in ind.topics and hazard_up) or mentions(ind, EPIDEMIC_WORDS)):
        seasons.add("epidemic")
    return frozenset(seasons)


def demo_spec(ind: Indicator) -> DemoSpec:
    """The demo behaviour of an indicator: its ``demo`` hints over sensible defaults.

    Unknown keys and unreadable values are ignored, so a typo falls back to the default.

    Args:
        ind: the catalog entry.

    Returns:
        Trend (annual relative growth), seasons, noise (relative sd), whether it breaches its
        thresholds, whether its values are whole counts, the depth of its 2020 slump and whether it
        belongs to the outer counties.
    """
    hints = parse_demo_hints(ind.demo)
    if "season" in hints:
        seasons = frozenset(s.strip().lower() for s in hints["season"].split("+")) & SEASONS
    else:
        seasons = _default_seasons(ind)
    integer = "integer" in hints or (ind.unit.strip() in COUNT_UNITS and ind.aggregation in ("sum", "none"))
    covid = max((COVID_DEPTH[s] for s in seasons if s in COVID_DEPTH), default=0.0)
    return DemoSpec(
        trend=min(max(_number(hints.get("trend"), _default_trend(ind)), -0.5), 1.0),  # keep (1 + trend) ** t sane
        seasons=seasons,
        noise=abs(_number(hints.get("noise"), STOCK_NOISE if ind.accumulation == "stock" else DEFAULT_NOISE[ind.frequency])),
        breach="breach" in hints and ind.has_thresholds,
        integer=integer,
        covid=min(max(_number(hints.get("covid"), covid), 0.0), 0.95),
        rural="rural" in hints,
    )


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


def _period_factors(ind: Indicator, spec: DemoSpec, cal: Calendar, periods: Periods, generator) -> tuple:
    """Regular seasons and events of one indicator, averaged per period.

    Returns:
        ``(regular, events)`` factors: regular seasons count when keeping a series on the
        normal side of its thresholds, events (the Spring Festival, 2020, storms, epidemics)
        may cross them.
    """
    amp = generator.uniform(0.6, 1.2, size=12)  # always twelve draws, so later draws do not shift
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
        weekend = 0.3 if mentions(ind, LEISURE_WORDS) else -0.22  # outings rise, commuting falls
        regular *= 1 + weekend * amp[2] * p["weekend"]
    if "school" in s:
        regular *= 1 - 0.6 * min(amp[3], 1.0) * p["school"]
    if "spring_festival" in s:
        # Depth varies: metro and factories empty out, power and hotlines dip less.
        events *= 1 + 0.8 * amp[4] * p["spring_festival"]
    for season, index in (("festive", 8), ("chunyun", 9), ("shopping", 10)):
        if season in s:
            events *= 1 + amp[index] * p[season]
    if spec.covid:
        events *= 1 + spec.covid * min(amp[5], 1.0) * p["covid"]
    if s & {"spring_festival", "festive", "chunyun"}:
        events *= 1 - 0.25 * amp[11] * p["wave"]  # everyone ill at once, December 2022
    hazard = np.zeros(len(cal.days))
    if "typhoon" in s:
        hazard += amp[6] * p["typhoon"]
    if "epidemic" in s:
        hazard += amp[7] * p["epidemic"]
    events *= _hazard(hazard, sign)
    return cal.average(regular, periods), cal.average(events, periods)


def intensity(adcode: str, centre: str) -> float:
    """How urban and economically dense a district is, stable across indicators.

    The adcode says what it is: 01–10 urban districts (the lowest-numbered one, e.g.
    思明 or 蕉城, is the old centre), 11–20 districts made from former counties, 21–80
    counties, 81–99 county-level cities.
    """
    suffix = int(adcode[-2:])
    base = 2.0 if adcode == centre else 1.5 if suffix <= 10 else 1.0 if suffix <= 20 else 0.85 if suffix >= 81 else 0.6
    return base * float(np.exp(0.1 * normal(0, "intensity", adcode)))


def _district_bases(ind: Indicator, spec: DemoSpec, city: City, seed: int) -> np.ndarray:
    """Each district's share of a sum, or its relative level for a mean (mean 1)."""
    noise = np.array([normal(seed, ind.code, d.adcode, "base") for d in city.districts])
    centre = min(city.districts, key=lambda d: d.adcode).adcode
    dense = np.array([intensity(d.adcode, centre) for d in city.districts])
    if ind.aggregation == "sum":
        population = np.array([max(d.population, 1) for d in city.districts], dtype=float)
        concentration = -1.0 if spec.rural else THEME_CONCENTRATION[ind.theme]
        weight = population * dense**concentration * np.exp(0.1 * noise)
        return weight / weight.sum()
    richer = 0.1 if (ind.theme == "economy" and ind.direction == "up") else 0.0
    factor = dense**richer * np.exp(0.05 * noise)
    return factor / factor.mean()


@dataclass
class _Rows:
    """The areas of one indicator and the parameters of their rows."""

    adcodes: list[str]  # row areas; the city first when it is generated, not aggregated
    bases: np.ndarray  # share of a sum, or relative level
    shares: bool  # bases are shares of the city total
    seeds: list[np.random.Generator]


def _rows(ind: Indicator, spec: DemoSpec, city: City, seed: int) -> _Rows:
    """Rows to generate: the city alone, the districts (city aggregated), or both."""
    if ind.spatial_level == "city" or not city.districts:
        return _Rows([city.adcode], np.ones(1), False, [rng(seed, ind.code, city.adcode, "row")])
    districts = [d.adcode for d in city.districts]
    bases = _district_bases(ind, spec, city, seed)
    if ind.aggregation == "none":
        districts, bases = [city.adcode, *districts], np.concatenate([[1.0], bases])
    return _Rows(districts, bases, ind.aggregation == "sum", [rng(seed, ind.code, a, "row") for a in districts])


def _paths(ind: Indicator, spec: DemoSpec, periods: Periods, rows: _Rows, generator) -> np.ndarray:
    """Trend times noise for each row: a shared part plus each district's own."""
    n, m = len(periods.starts), len(rows.adcodes)
    phi, sd = AR_PHI[ind.frequency], spec.noise
    shared_sd, own_sd = (sd * 0.7, sd * 0.7) if m > 1 else (sd, 0.0)
    common = ar1(generator, 1, n, phi, shared_sd)
    paths = np.empty((m, n))
    for i, row_rng in enumerate(rows.seeds):
        growth = spec.trend + row_rng.normal(0, 0.01 if abs(spec.trend) >= 0.02 else 0.002) * (m > 1)
        own = ar1(row_rng, 1, n, phi, own_sd)[0] if own_sd else 0.0
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
            if level_index(ind, sampled) > 0 and level_index(ind, calm) == 0:
                counts[members, period] = toward_good(expected[members, period])
    return counts


def _clip(ind: Indicator, values: np.ndarray, integer: bool) -> np.ndarray:
    low = ind.min_value if ind.min_value is not None else (0.0 if integer else None)
    if low is None and ind.max_value is None:
        return values
    return np.clip(values, low, ind.max_value)


def decimals(ind: Indicator, spec: DemoSpec) -> int:
    """Published precision: counts whole, small values to 4 places, the rest to 2."""
    return 0 if spec.integer else 2 if abs(ind.typical) >= 1 else 4


def aggregate(ind: Indicator, values: np.ndarray, weights: np.ndarray | None, decimals: int | None = None):
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


def level_index(ind: Indicator, value: float) -> int:
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
    u = unit(seed, "level", code, adcode)
    return 0 if u < 0.35 else 1 if u < 0.65 else 2 if u < 0.88 else 3


def _breach_target(ind: Indicator, seed: int, adcode: str, level: int) -> float:
    """Where a breaching series ends: inside ``level`` (0 blue … 3 red), at a stable depth."""
    levels = list(ind.thresholds)
    if ind.direction == "target":
        levels = [abs(x) for x in levels]
    beyond = levels[3] + 0.3 * (levels[3] - levels[2])
    bounds = (levels + [beyond])[level : level + 2]
    distance = bounds[0] + (0.35 + 0.3 * unit(seed, "depth", ind.code, adcode)) * (bounds[1] - bounds[0])
    if ind.direction != "target":
        return _inside(ind, distance, levels[level])
    above = ind.target + distance
    below = ind.target - distance
    first, second = (above, below) if unit(seed, "side", ind.code, adcode) < 0.5 else (below, above)
    return first if ind.in_range(first) else second


def _inside(ind: Indicator, value: float, threshold: float) -> float:
    """Pull a target value back inside the physical range, between it and the threshold."""
    if ind.max_value is not None and value > ind.max_value:
        return (threshold + ind.max_value) / 2
    if ind.min_value is not None and value < ind.min_value:
        return (threshold + ind.min_value) / 2
    return value


def _reachable(ind: Indicator) -> bool:
    """Whether a breach is plausible for this city: its typical value is within ``MAX_BREACH_RISE``
    of the blue threshold (a small city does not breach a count threshold set for a bigger one)."""
    if ind.direction == "target" or not ind.has_thresholds:
        return True
    needed = float(_bad_excursion(ind, np.array(ind.blue), ind.typical))
    return needed <= MAX_BREACH_RISE * _scale(ind)


def _ramp(n: int, frequency: str) -> np.ndarray:
    """0 before the drift, then rising to 1 at the last period."""
    length = max(1, min(RAMP_PERIODS[frequency], n - 1))
    ramp = np.zeros(n)
    ramp[n - length :] = (np.arange(1, length + 1) / length) ** 1.5
    return ramp


# --------------------------------------------------------------------------- assembly


POPULATION_CODE = "ECO-POP-001"  # 常住人口, in 万人
CENSUS_YEAR = 2020


@dataclass
class Series:
    """One indicator's finished values: the city row first (when it has one), then the districts."""

    adcodes: list[str]
    values: np.ndarray  # (areas, periods)
    keep: np.ndarray  # periods that were delivered

    def row(self, adcode: str) -> np.ndarray | None:
        """The values of one area, or None when the series has no row for it."""
        return self.values[self.adcodes.index(adcode)] if adcode in self.adcodes else None


def _anchor_population(series: Series, city: City, periods: Periods) -> Series:
    """Scale each district's resident population so that its 2020 value is its census figure.

    The catalog's typical values describe a city of about five million people; the population
    itself is known per district (``cities.yaml``, from the 2020 census), so the demo follows it, and
    every mean weighted by population uses the real proportions. A history that does not reach 2020
    is anchored at its newest year instead.
    """
    known = {d.adcode: d.population / 1e4 for d in city.districts if d.population}  # 万人
    if len(known) != len(city.districts) or series.values.shape[1] == 0:
        return series
    years = np.array([d.year for d in periods.dates])
    anchor = int(np.flatnonzero(years == CENSUS_YEAR)[0]) if CENSUS_YEAR in years else -1
    values = series.values.copy()
    rows = [i for i, adcode in enumerate(series.adcodes) if adcode in known]
    for i in rows:
        values[i] = np.round(values[i] * known[series.adcodes[i]] / values[i, anchor], 2)
    if city.adcode in series.adcodes:
        values[series.adcodes.index(city.adcode)] = np.round(values[rows].sum(axis=0), 2)
    return replace(series, values=values)


class Generator:
    """Generates the indicators of one city from their catalog entries, remembering every series.

    Args:
        catalog: the indicators.
        city: the city.
        cal: the calendar (its profiles carry the city's storms).
        seed: the demo seed.
        scales: this city's typical values and growth (``economy.Scales``); the catalog's when None.
    """

    def __init__(self, catalog: Iterable[Indicator], city: City, cal: Calendar, seed: int, scales=None):
        self.by_code = {ind.code: ind for ind in catalog}
        self.city, self.cal, self.seed = city, cal, seed
        self.scales = scales
        self.weight_codes = {ind.weight_code for ind in self.by_code.values() if ind.weight_code}
        self.done: dict[str, Series] = {}
        self.measured: set[str] = set()  # indicators whose city row is the city's own figure (``replace``)

    def scaled(self, ind: Indicator) -> Indicator:
        """The indicator with its typical value moved to this city's scale."""
        typical = self.scales.typical(ind) if self.scales else ind.typical
        return ind if typical == ind.typical else ind.model_copy(update={"typical": typical})

    def breaching(self, ind: Indicator) -> bool:
        """Whether the indicator drifts into warning at the end in this city: hinted ``breach``, and within
        reach (a smaller city does not breach a count threshold the catalog sets for a bigger one)."""
        scaled = self.scaled(ind)
        return demo_spec(ind).breach and (scaled.typical >= ind.typical or _reachable(scaled))

    def trend_of(self, ind: Indicator) -> float:
        """The yearly growth of an indicator in this city."""
        own = self.scales.trend(ind) if self.scales else None
        return demo_spec(ind).trend if own is None else own

    def series(self, ind: Indicator, stack: tuple[str, ...] = ()) -> Series:
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
        result = self.generate(self.scaled(ind), weights, breach=self.breaching(ind))
        if ind.code == POPULATION_CODE:
            result = _anchor_population(result, self.city, self.cal.periods[ind.frequency])
        self.done[ind.code] = result
        return result

    def weights_of(self, ind: Indicator) -> np.ndarray | None:
        """The district weights of a ``wmean`` indicator per period (None for other rules)."""
        if not (ind.weight_code and ind.spatial_level == "district" and self.city.districts):
            return None
        return self.weights(ind, self.series(self.by_code[ind.weight_code]))

    def replace(self, ind: Indicator, values: np.ndarray, adcodes: list[str] | None = None, *,
                own_city: bool = False) -> Series:
        """Put new values into an indicator's series (a physical model or an identity made them),
        recomputing the city row of an aggregated indicator from its districts (unless ``own_city``: the
        values hold the city's own figures, measured, not aggregated).

        Args:
            ind: the indicator.
            values: areas × periods, in the order of ``adcodes`` (the series' own by default).
            adcodes: the areas of ``values``.

        Returns:
            The updated series, which later reads get.
        """
        current = self.series(ind)
        adcodes = adcodes or current.adcodes
        rows = {a: values[i] for i, a in enumerate(adcodes)}
        updated = np.array([rows.get(a, current.values[i]) for i, a in enumerate(current.adcodes)], dtype=float)
        if own_city:
            self.measured.add(ind.code)
        if current.adcodes and current.adcodes[0] == self.city.adcode and self.aggregated_code(ind):
            spec = demo_spec(ind)
            updated[0] = _clip(ind, aggregate(ind, updated[1:], self.weights_of(ind), decimals(ind, spec)), False)
        result = Series(current.adcodes, updated, current.keep)
        self.done[ind.code] = result
        return result

    def aggregated_code(self, ind: Indicator) -> bool:
        """Whether an indicator's city row is computed from its districts (not the city's own, measured)."""
        return (ind.spatial_level == "district" and ind.aggregation != "none" and bool(self.city.districts)
                and ind.code not in self.measured)

    def weights(self, ind: Indicator, weight: Series) -> np.ndarray:
        """The weight's district values of the same period, or of the latest one before it."""
        own = self.cal.periods[ind.frequency].starts
        theirs = self.cal.periods[self.by_code[ind.weight_code].frequency].starts
        if not len(theirs):
            return np.ones((len(self.city.districts), len(own)))
        index = np.clip(np.searchsorted(theirs, own, side="right") - 1, 0, len(theirs) - 1)
        return weight.values[1:, index]

    def generate(self, ind: Indicator, weights: np.ndarray | None, *, breach: bool | None = None) -> Series:
        """Build one indicator: rows, seasons, thresholds, breaches, city row and gaps."""
        spec, periods = replace(demo_spec(ind), trend=self.trend_of(ind)), self.cal.periods[ind.frequency]
        if breach is not None:
            spec = replace(spec, breach=breach)
        generator = rng(self.seed, ind.code, self.city.adcode)
        rows = _rows(ind, spec, self.city, self.seed)
        if not len(periods.starts):
            adcodes = ([self.city.adcode] if self.aggregated(ind, rows) else []) + list(rows.adcodes)
            return Series(adcodes, np.zeros((len(adcodes), 0)), np.zeros(0, dtype=bool))
        regular, events = _period_factors(ind, spec, self.cal, periods, generator)
        paths = _paths(ind, spec, periods, rows, generator)
        ordinary, eventful = _values(ind, rows, paths * regular), _values(ind, rows, paths * regular * events)
        values = _compress(ind, ordinary, eventful, rows.shares)
        values = _clip(ind, values if rows.shares else _soft_cap(ind, values), spec.integer)
        single = self.breach_row(ind, spec, rows)
        if spec.integer:
            expected, values = values, generator.poisson(np.maximum(values, 0)).astype(float)  # counts scatter like counts
            if not spec.breach:
                values = _calm_end(ind, rows, expected, values)
        target = None
        if (spec.breach or single is not None) and values.shape[1] >= 2:
            values, target = self.breach(ind, rows, values, weights, single)
        values = np.round(_clip(ind, values, spec.integer), decimals(ind, spec))
        if target is not None:
            values = self.push_over(ind, spec, rows, values, weights, single, target)
        adcodes = list(rows.adcodes)
        if self.aggregated(ind, rows):
            city = _clip(ind, aggregate(ind, values, weights, decimals(ind, spec)), False)  # float dust only
            values = np.vstack([city, values])
            adcodes = [self.city.adcode, *adcodes]
        breaching = spec.breach or single is not None
        return Series(adcodes, values, self.delivered(ind, len(periods.starts), breaching))

    def aggregated(self, ind: Indicator, rows: _Rows) -> bool:
        """Whether the city row is computed from district rows."""
        return ind.spatial_level == "district" and ind.aggregation != "none" and rows.adcodes[0] != self.city.adcode

    def breach_row(self, ind: Indicator, spec: DemoSpec, rows: _Rows) -> int | None:
        """The one district row that drifts into warning, for a stable ~3 % of district means.

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
        if not eligible or unit(self.seed, "district-breach", ind.code, self.city.adcode) >= BREACH_SHARE:
            return None
        first = 1 if rows.adcodes[0] == self.city.adcode else 0  # never the city row itself
        count = len(rows.adcodes) - first
        return first + int(unit(self.seed, "breach-district", ind.code, self.city.adcode) * count)

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
            if level_index(ind, self.judged(ind, rows, trial, weights)) == 0:
                break
        return trial, target

    def spread(self, ind: Indicator, rows: _Rows, weights) -> np.ndarray:
        """How much of a city-wide drift each row takes; the city's share is exactly 1.

        A city generated on its own (aggregation ``none``) carries the story; its districts follow half
        way, so one drifting figure does not put every district in warning at once.
        """
        share = 1 + 0.5 * (2 * np.array([unit(self.seed, "spread", ind.code, a) for a in rows.adcodes]) - 1)
        if len(share) == 1:
            return np.ones(1)
        if rows.adcodes[0] == self.city.adcode:
            share[0] = 1.0
            share[1:] *= 0.5 / share[1:].mean()
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
        return float(aggregate(ind, values[:, -1:], last)[-1])

    def push_over(self, ind: Indicator, spec: DemoSpec, rows: _Rows, values: np.ndarray, weights, single, target):
        """Make sure rounding and clipping did not pull a breach back below blue."""
        digits = decimals(ind, spec)
        for _ in range(3):
            last = values[single, -1] if single is not None else self.judged(ind, rows, values, weights)
            if level_index(ind, last) > 0 or ind.direction == "neutral":
                return values
            gap = target - last
            shift = gap + (np.sign(gap) or 1) * 10.0**-digits  # one published digit past the target
            if single is not None:
                values[single, -1] += shift
            elif rows.shares:  # on one district, or rounding each district would swallow it
                values[np.argmax(values[:, -1]), -1] += shift
            else:
                values[:, -1] += shift
            values[:, -1] = np.round(_clip(ind, values[:, -1], spec.integer), digits)
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
        if not breaching and unit(self.seed, "late", *key) < LATE_SHARE:
            keep[-(2 if ind.frequency == "daily" else 1) :] = False
        if n >= 8 and unit(self.seed, "gaps", *key) < GAP_SHARE:
            draws = rng(self.seed, "gaps", *key)
            count = int(draws.integers(2, 7) if ind.frequency == "daily" else draws.integers(1, 4))
            keep[draws.choice(np.arange(1, n - 3), size=min(count, n - 4), replace=False)] = False
        return keep


