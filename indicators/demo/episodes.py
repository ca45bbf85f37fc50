"""The demo's stories: real typhoons, and the scripted episodes that are under way on the demo's "today".

History (fixed dates): the typhoons that really struck or brushed Fujian 2019–2025 (coastal cities only,
at the city's exposure), storms drawn at the city's rate in the other years, the 2020 slump and the
December 2022 wave (``indicators.demo.calendar``), and Spring Festival fireworks every year (``air``).

Under way at the end of the history, chosen by the season and the city, so that warnings, forecasts and
the map have something real to show (README: "Scripted episodes"):

* **weather** — a typhoon closing in (coastal cities, June–October), a rainstorm (梅雨 season inland), an
  ozone episode (spring and autumn) or winter haze, over the last few days;
* **hotline surge** — 12345 calls, waiting times and overdue tickets rise over the last week (after the
  storm, or a water-main burst in one district);
* **industrial slowdown** — one district's industrial output falls behind over the last four months, so
  its year-to-date industrial growth sinks.

Everything else stays normal: the rest of the history carries only the seasons, noise and past events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from geo.cities import City
from indicators.demo.facts import CityProfile
from indicators.demo.noise import rng, unit

# Typhoons that struck or brushed Fujian: (day of landfall or closest pass, strength 0..1 for southern Fujian).
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
# Share of a year's typhoons by month, June to October: August has the most (37 of 100 Fujian landfalls
# 1961-2022, Fujian Climate Centre); October's are few.
TYPHOON_MONTHS = {6: 0.10, 7: 0.25, 8: 0.37, 9: 0.20, 10: 0.08}
STRONG_PER_YEAR = 1.6  # landfalls a year in Fujian (100 in 1961-2022)


@dataclass(frozen=True)
class Storm:
    """A typhoon (rain and wind) or a rainstorm (rain only) on a day."""

    name: str
    day: date
    strength: float  # 0..1: 1 is a landfalling severe typhoon, 0.2 a storm passing at a distance
    kind: str = "typhoon"


@dataclass(frozen=True)
class Episode:
    """A scripted episode under way at the end of the history."""

    kind: str  # typhoon, rainstorm, ozone, haze, hotline, slowdown
    start: date
    end: date  # the last day it affects (inclusive)
    strength: float
    district: str | None = None  # the district it is confined to, when it is

    def days(self, grid: np.ndarray) -> np.ndarray:
        """Its weight on each day of ``grid``: rising to 1 on its last day (0 outside it)."""
        first, last = np.datetime64(self.start, "D"), np.datetime64(self.end, "D")
        span = max(int((last - first).astype(np.int64)), 1)
        position = (grid - first).astype(np.int64)
        weight = np.clip((position + 1) / (span + 1), 0, 1) ** 0.7
        return np.where((grid >= first) & (grid <= last), weight, 0.0)


def _season_day(generator: np.random.Generator, year: int) -> date:
    month = int(generator.choice(list(TYPHOON_MONTHS), p=list(TYPHOON_MONTHS.values())))
    return date(year, month, int(generator.integers(1, 29)))


def storms(profile: CityProfile, years: range, seed: int) -> list[Storm]:
    """The storms that reach a city: for a coastal one, the real typhoons in the table years (at the city's
    exposure) and storms at the province's landfall rate in other years, plus weaker passing storms up to
    the city's rate of typhoons a year; none for an inland city.

    Args:
        profile: the city's facts (coastal, typhoons a year, exposure).
        years: the calendar years of the history.
        seed: the demo seed.

    Returns:
        The storms, by date.
    """
    if not profile.coastal:
        return []
    found: list[Storm] = []
    for year in years:
        generator = rng(seed, "storms", profile.adcode, year)
        if year in TYPHOON_TABLE_YEARS:
            found += [Storm(name, day, strength * profile.typhoon_exposure)
                      for name, (day, strength) in TYPHOONS.items() if day.year == year]
            strong = sum(1 for day, _ in TYPHOONS.values() if day.year == year)
        else:
            strong = int(generator.poisson(STRONG_PER_YEAR))
            found += [Storm(f"typhoon {year}-{i + 1}", _season_day(generator, year),
                            float(generator.uniform(0.4, 0.9)) * profile.typhoon_exposure) for i in range(strong)]
        weak = int(generator.poisson(max(profile.typhoons_per_year - strong, 0)))
        found += [Storm(f"passing storm {year}-{i + 1}", _season_day(generator, year), float(generator.uniform(0.12, 0.3)))
                  for i in range(weak)]
    return sorted(found, key=lambda s: s.day)


def current_episodes(city: City, profile: CityProfile, end: date, seed: int) -> list[Episode]:
    """The scripted episodes under way on the history's last days (see the module docstring).

    Args:
        city: the city (its districts).
        profile: its facts (coastal or not).
        end: the demo's "today"; the history ends the day before.
        seed: the demo seed.

    Returns:
        The weather episode of the season, the hotline surge and the industrial slowdown.
    """
    last = end - timedelta(days=1)
    month = last.month
    if profile.coastal and 6 <= month <= 10:
        weather = Episode("typhoon", last - timedelta(days=2), last, 0.6)
    elif 6 <= month <= 7:
        weather = Episode("rainstorm", last - timedelta(days=1), last, 0.7)
    elif month in (4, 5, 8, 9, 10):
        weather = Episode("ozone", last - timedelta(days=3), last, 1.0)
    else:
        # Winter haze: PM2.5 three times the season's level inland, a little over twice on the breezier coast.
        weather = Episode("haze", last - timedelta(days=4), last, 0.8 if profile.coastal else 1.0)
    episodes = [weather]
    districts = sorted(d.adcode for d in city.districts)
    stormy = weather.kind in ("typhoon", "rainstorm")
    burst = None if stormy or not districts else districts[int(unit(seed, "burst", city.adcode) * len(districts))]
    episodes.append(Episode("hotline", last - timedelta(days=7), last, 1.0, district=burst))
    if len(districts) > 1:
        # Not the old centre (services), but one of the districts with industry.
        outer = districts[1:]
        episodes.append(Episode("slowdown", _months_back(last, 4), last, 1.0,
                                district=outer[int(unit(seed, "slowdown", city.adcode) * len(outer))]))
    return episodes


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def storm_of(episode: Episode) -> Storm | None:
    """The storm a weather episode brings (its strongest day is the episode's last)."""
    if episode.kind == "typhoon":
        return Storm("demo typhoon", episode.end, episode.strength)
    if episode.kind == "rainstorm":
        return Storm("demo rainstorm", episode.end, episode.strength, kind="rainstorm")
    return None


# How the hotline surge moves each 12345 indicator at its peak: ("times", factor), ("plus", amount) or
# ("minus", points).
HOTLINE_EFFECTS = {
    "GOV-HOT-001": ("times", 1.5),  # calls
    "GOV-HOT-006": ("times", 1.5),  # tickets (in the district of a burst main, when it is one)
    "GOV-HOT-004": ("plus", 48.0),  # average wait, seconds
    "GOV-HOT-015": ("times", 2.6),  # overdue tickets
    "GOV-HOT-002": ("minus", 6.0),  # answered share
    "GOV-HOT-003": ("minus", 8.0),  # answered within 15 seconds
}


def apply_hotline(generator, episodes: list[Episode]) -> None:
    """The scripted hotline surge: calls, waits and overdue tickets rise over the last week.

    Args:
        generator: the city's series (``indicators.demo.series.Generator``).
        episodes: the scripted episodes.
    """
    from indicators.demo.series import decimals, demo_spec

    for episode in (e for e in episodes if e.kind == "hotline"):
        for code, (how, size) in HOTLINE_EFFECTS.items():
            ind = generator.by_code.get(code)
            if ind is None or ind.frequency != "daily":
                continue
            series = generator.series(ind)
            weight = episode.days(generator.cal.periods["daily"].starts) * episode.strength
            rows = [i for i, a in enumerate(series.adcodes)
                    if a != generator.city.adcode or not generator.aggregated_code(ind)]
            if episode.district and ind.spatial_level == "district":
                rows = [i for i in rows if series.adcodes[i] == episode.district] or rows
            values = series.values.copy()
            for i in rows:
                if how == "times":
                    values[i] = values[i] * (1 + (size - 1) * weight)
                else:
                    values[i] = values[i] + (size if how == "plus" else -size) * weight
            values = np.clip(values, ind.min_value, ind.max_value)
            generator.replace(ind, np.round(values, decimals(ind, demo_spec(ind))))
