"""Seeded, deterministic demo data a statistics bureau would sign: every catalog indicator of a real city.

The city is calibrated to facts about it (``facts``: 2020 census population by district, GDP and its
structure, incomes, climate normals, air quality, coastal typhoon exposure; missing facts borrowed from
the province or the nearest city, scaled by population). Then:

1. ``weather`` simulates its days (Markov rain, gamma amounts, seasonal temperatures, typhoons where the
   coast is exposed) and ``air`` its pollutants and AQI (HJ 633-2012) on them;
2. ``series`` makes the generic series of every other indicator from the catalog's typical value at
   the city's scale, with the calendar's seasons and events (``calendar``) and the storms;
3. ``physical`` puts the weather and air indicators in place, ``episodes`` the scripted stories under
   way at the end, ``ties`` the identities between indicators and ``economy`` the GDP calibration,
   year-to-date accumulation and growth rates.

Same catalog, city, end and seed give identical output: every random draw comes from a ``numpy``
generator seeded with the seed and a stable hash of what it is for (``noise``). Derived indicators are
not generated: the store computes them from their inputs (``indicators.store.derived``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from geo.cities import City
from indicators.catalog.entries import Indicator
from indicators.demo import air, economy, episodes, physical, ties, weather
from indicators.demo.calendar import (
    Calendar,
    day_grid,
    default_daily_start,
    demo_periods,
    spring_festival,
    years_of,
)
from indicators.demo.facts import CityProfile, city_profile
from indicators.demo.series import (
    POPULATION_CODE,
    DemoSpec,
    Generator,
    Series,
    demo_spec,
    parse_demo_hints,
)

__all__ = ["COLUMNS", "DEFAULT_SEED", "DEFAULT_START", "POPULATION_CODE", "DemoCity", "DemoSpec", "build_city",
           "default_daily_start", "demo_periods", "demo_spec", "generate_city", "parse_demo_hints", "publish",
           "spring_festival"]

DEFAULT_SEED = 20240101
DEFAULT_START = date(2019, 1, 1)
COLUMNS = ("code", "adcode", "period", "value")
RAIL_CODES = frozenset({"PUB-TRN-001", "PUB-TRN-009"})  # metro ridership: only where there is a metro


@dataclass
class DemoCity:
    """A city's finished demo world: its facts, weather, air, episodes and every indicator's series."""

    profile: CityProfile
    weather: weather.Weather
    air: air.Air
    episodes: list[episodes.Episode]
    generator: Generator

    def series(self, code: str) -> Series:
        """One indicator's finished series."""
        return self.generator.series(self.generator.by_code[code])


def build_city(catalog: Iterable[Indicator], city: City, *, end: date, start: date = DEFAULT_START,
               daily_start: date | None = None, seed: int = DEFAULT_SEED) -> DemoCity:
    """Build a city's demo world (see the module docstring); ``generate_city`` publishes it.

    Args:
        catalog: the indicators.
        city: the city and its districts.
        end: today; each series holds the periods complete before it (daily: to yesterday).
        start: first day of the history of non-daily series.
        daily_start: first day of daily series; default 1 January three years before ``end``.
        seed: same seed, catalog, city and end give identical output.

    Returns:
        The world, every indicator generated.
    """
    catalog = [ind for ind in catalog if ind.frequency != "hourly"]  # hours are split from days: ``demo.hourly``
    daily_start = daily_start or default_daily_start(end)
    profile = city_profile(city)
    days = day_grid(start, daily_start, end)
    years = range(int(years_of(days[:1])[0]), int(years_of(days[-1:])[0]) + 1) if len(days) else range(0)
    current = episodes.current_episodes(city, profile, end, seed) if len(days) else []
    storms = episodes.storms(profile, years, seed) + [s for e in current if (s := episodes.storm_of(e))]
    sky = weather.simulate(days, city, profile, storms, seed)
    breathing = air.simulate(days, city, profile, sky, current, seed) if len(days) else None
    cal = Calendar(start, daily_start, end, storm=sky.storm_index)
    scales = economy.Scales(catalog, profile, end)
    generator = Generator(catalog, city, cal, seed, scales)
    for ind in catalog:
        generator.series(ind)
    if breathing is not None:
        physical.apply(generator, sky, breathing, profile)
        episodes.apply_hotline(generator, current)
        economy.apply(generator, scales, profile, current, seed, lambda g: ties.apply(g, cal, seed))
        for ind in catalog:  # weights may have changed under weighted means: their city rows follow
            if ind.weight_code and generator.aggregated_code(ind):
                generator.replace(ind, generator.series(ind).values)
    return DemoCity(profile, sky, breathing, current, generator)


def belongs_to(ind: Indicator, city: City) -> bool:
    """Whether ``city`` has the indicator: a city's own industry (demo hint ``cities=341500+350900``, by adcode)
    belongs to those cities only; every other indicator to every city."""
    listed = parse_demo_hints(ind.demo).get("cities")
    return not listed or city.adcode in {part.strip() for part in listed.split("+")}


def _frame(code: str, series: Series, dates: np.ndarray) -> pd.DataFrame:
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
    catalog = list(catalog)
    yield from publish(build_city(catalog, city, end=end, start=start, daily_start=daily_start, seed=seed), catalog)


def publish(world: DemoCity, catalog: Iterable[Indicator]) -> Iterator[pd.DataFrame]:
    """A built world's observations as ``generate_city`` yields them: one frame per indicator with any period
    (none for urban rail in a city that has none)."""
    for ind in catalog:
        if ind.frequency == "hourly" or ind.code in RAIL_CODES and not world.profile.metro:
            continue
        if not belongs_to(ind, world.generator.city):
            continue
        frame = _frame(ind.code, world.series(ind.code), world.generator.cal.periods[ind.frequency].dates)
        if len(frame):  # nothing complete yet (``end`` close to ``start``): nothing to insert
            yield frame
