"""The indicators read off the city's simulated weather and air, and its real land area.

Daily figures are the simulation's days; monthly and yearly ones are computed from the same days the way
the bureaus compute them: monthly precipitation is the sum of the daily rain, the monthly mean
temperature the mean of the days' (max + min) / 2, the share of good days the share of days with
AQI ≤ 100, the heavy-pollution share the share with AQI > 200, ozone exceedance days the days whose
8-hour maximum passed 160 µg/m³, monthly concentrations the means of the daily ones (CO: the 95th
percentile of daily means, O3: the 90th percentile of daily 8-hour maxima, as GB 3095 evaluates them)
and the composite index their sum over the annual limits. Districts are simulated; the city row of the weather
follows by each indicator's aggregation rule, while the air figures of the city are computed from its own daily
concentrations and AQI (``indicators.demo.air``), as the monitoring network publishes them: its AQI is a whole
number and its good days a whole number of days (``CITY_MEASURED``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from indicators.demo.air import Air, composite_index
from indicators.demo.calendar import Calendar, Periods
from indicators.demo.episodes import Storm
from indicators.demo.facts import CityProfile
from indicators.demo.series import Generator
from indicators.demo.weather import Weather

HEAVY_POLLUTION = 200
OZONE_LIMIT = 160
# The air figures of districts whose city row is the city's own, computed from its daily concentrations and AQI.
CITY_MEASURED = frozenset(f"ENV-AIR-{n:03d}" for n in (1, 2, 3, 4, 6, 7, 8, *range(10, 20)))


def _daily(cal: Calendar, periods: Periods, grid: np.ndarray) -> np.ndarray:
    return grid[..., periods.lo]


def _share(cal: Calendar, periods: Periods, condition: np.ndarray) -> np.ndarray:
    return cal.average(condition.astype(float), periods) * 100


def _percentile(q: float) -> Callable:
    return lambda values, axis: np.percentile(values, q, axis=axis)


def _pollution(cal: Calendar, air: Air) -> dict[str, Callable[[Periods], np.ndarray]]:
    """Each air indicator's values of the air's areas (the city's own row first) for a frequency's periods."""
    c = air.concentrations
    city = {p: values[0] for p, values in c.items()}

    def composite(periods: Periods) -> np.ndarray:
        means = {p: cal.average(city[p], periods) for p in ("pm25", "pm10", "so2", "no2")}
        means["co"] = cal.reduce(city["co"], periods, _percentile(95))
        means["o3"] = cal.reduce(city["o3"], periods, _percentile(90))
        return np.round(composite_index(means), 2)[None, :]

    return {
        "ENV-AIR-001": lambda p: _daily(cal, p, air.aqi),
        "ENV-AIR-002": lambda p: _daily(cal, p, c["pm25"]),
        "ENV-AIR-003": lambda p: _daily(cal, p, c["pm10"]),
        "ENV-AIR-004": lambda p: _daily(cal, p, c["o3"]),
        "ENV-AIR-006": lambda p: np.round(_share(cal, p, air.aqi <= 100), 1),
        "ENV-AIR-007": lambda p: np.round(_share(cal, p, air.aqi > HEAVY_POLLUTION), 1),
        "ENV-AIR-008": lambda p: cal.total((c["o3"] > OZONE_LIMIT).astype(float), p),
        "ENV-AIR-009": composite,
        "ENV-AIR-010": lambda p: np.round(cal.average(c["pm25"], p)),
        "ENV-AIR-011": lambda p: np.round(cal.average(c["pm10"], p)),
        "ENV-AIR-012": lambda p: np.round(cal.reduce(c["o3"], p, _percentile(90))),
        "ENV-AIR-013": lambda p: np.round(cal.average(c["so2"], p)),
        "ENV-AIR-014": lambda p: np.round(cal.average(c["no2"], p)),
        "ENV-AIR-015": lambda p: np.round(cal.reduce(c["co"], p, _percentile(95)), 1),
        "ENV-AIR-016": lambda p: np.round(cal.average(c["pm25"], p)),
        "ENV-AIR-017": lambda p: np.round(cal.average(c["pm10"], p)),
        "ENV-AIR-018": lambda p: np.round(cal.average(c["no2"], p)),
        "ENV-AIR-019": lambda p: np.round(cal.average(c["so2"], p)),
    }


def _typhoons(cal: Calendar, storms: list[Storm], periods: Periods) -> np.ndarray:
    grid = np.zeros(len(cal.days))
    for storm in storms:
        if storm.kind == "typhoon":
            grid[cal.days == np.datetime64(storm.day, "D")] += 1
    return cal.total(grid, periods)[None, :]


def _weather(cal: Calendar, weather: Weather) -> dict[str, Callable[[Periods], np.ndarray]]:
    """Each weather indicator's values (districts for rain, the city for the rest)."""
    mean_temperature = (weather.tmax + weather.tmin) / 2
    return {
        "ENV-MET-001": lambda p: _daily(cal, p, weather.rain),
        "ENV-MET-002": lambda p: _daily(cal, p, weather.tmax)[None, :],
        "ENV-MET-003": lambda p: _daily(cal, p, weather.gust)[None, :],
        "ENV-MET-004": lambda p: np.round(cal.total(weather.rain, p), 1),
        "ENV-MET-005": lambda p: np.round(cal.average(mean_temperature, p), 1)[None, :],
        "ENV-MET-006": lambda p: _typhoons(cal, weather.storms, p),
    }


def apply(generator: Generator, weather: Weather, air: Air, profile: CityProfile) -> None:
    """Replace the generic series of the weather and air indicators (and the land area) by the simulation's.

    Args:
        generator: the city's series.
        weather: its simulated weather.
        air: its simulated air quality.
        profile: its facts (land area).
    """
    cal, city = generator.cal, generator.city
    pollution = _pollution(cal, air)
    for code, model in (_weather(cal, weather) | pollution).items():
        ind = generator.by_code.get(code)
        if ind is None:
            continue
        periods = cal.periods[ind.frequency]
        values = model(periods) if len(periods.starts) else np.zeros((1, 0))
        areas = air.areas if code in pollution else weather.districts
        adcodes = [city.adcode] if values.shape[0] == 1 and ind.spatial_level == "city" else areas
        if ind.spatial_level == "city" and values.shape[0] > 1:
            continue  # a catalog that keeps this figure for the city only: nothing simulated fits it
        generator.replace(ind, values, adcodes, own_city=code in CITY_MEASURED)
        generator.done[code].keep = np.ones(len(periods.starts), dtype=bool)  # measured every day
    land_area(generator, profile)


def land_area(generator: Generator, profile: CityProfile) -> None:
    """The land area of each district: its boundary's area, scaled so the city has its official area."""
    from geo.cities import area_km2

    ind = generator.by_code.get("ENV-LAND-001")
    if ind is None or not generator.city.districts:
        return
    try:
        features = generator.city.boundary_geojson()["features"]
    except (OSError, ValueError):
        return  # no boundary file: the land area stays as generated
    areas = {f["properties"]["adcode"]: area_km2(f["geometry"]) for f in features}
    districts = [d.adcode for d in generator.city.districts if d.adcode in areas]
    if len(districts) != len(generator.city.districts):
        return
    measured = np.array([areas[a] for a in districts])
    official = measured * profile.land_area / measured.sum()
    periods = generator.cal.periods[ind.frequency]
    values = np.repeat(np.round(official, 2)[:, None], len(periods.starts), axis=1)
    generator.replace(ind, values, districts)
