"""Air quality: daily pollutant concentrations per district, and the AQI computed from them by HJ 633-2012.

Each pollutant is lognormal around a seasonal level, with a city-wide autocorrelated anomaly (stagnant
weeks raise everything at once) and each district's own scatter. Rain washes particles out, typhoon
winds blow them away, Spring Festival fireworks add a night of smoke (more inland, where fewer cities
ban them), and the February 2020 shutdown lowered NO2. Ozone peaks in spring and autumn on the Fujian
coast and in early summer inland, higher on sunny days, and saturates well below 300 µg/m³.

Calibration to the city's facts (``indicators.demo.facts``): PM2.5 averages the city's annual level in
the fact's year (falling about 3 % a year, as Chinese cities' PM2.5 did), the share of days with
AQI ≤ 100 in that year is matched by the size of the city-wide anomaly, and ozone's 90th percentile of
daily 8-hour maxima is the city's.

The AQI is the national method: each pollutant's individual index (IAQI) interpolated between the
breakpoints of HJ 633-2012 table 1 (24-hour means of PM2.5, PM10, SO2, NO2 and CO; the daily maximum
8-hour mean of O3), rounded up, and the AQI the largest of them. It is computed from the published
(rounded) concentrations, so anyone can check it.

A city with districts has a row of its own, as the monitoring network publishes it: its concentrations are its
districts' weighted by population (the city's stations' mean), and its AQI is computed from them, a whole number
like any AQI (not a mean of its districts' AQIs). Its share of good days — the fact the calibration matches — is
then a whole number of days, and the city can be "good" on a day when a district is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from geo.cities import City
from indicators.demo.calendar import (
    covid_shock,
    day_of_year,
    offsets,
    spring_festival,
    years_of,
)
from indicators.demo.episodes import Episode
from indicators.demo.facts import CityProfile
from indicators.demo.noise import ar1, normal, rng
from indicators.demo.weather import Weather

# HJ 633-2012 table 1: IAQI and the concentration limits of each pollutant (µg/m³; CO in mg/m³).
IAQI_STEPS = (0, 50, 100, 150, 200, 300, 400, 500)
BREAKPOINTS = {
    "so2": (0, 50, 150, 475, 800, 1600, 2100, 2620),
    "no2": (0, 40, 80, 180, 280, 565, 750, 940),
    "pm10": (0, 50, 150, 250, 350, 420, 500, 600),
    "co": (0, 2, 4, 14, 24, 36, 48, 60),
    "o3": (0, 100, 160, 215, 265, 800),  # daily maximum 8-hour mean; above 800 the 1-hour value is used
    "pm25": (0, 35, 75, 115, 150, 250, 350, 500),
}
# GB 3095-2012 annual (grade II) limits used by the composite index (CO: 24-hour 95th percentile, O3: 8-hour 90th).
COMPOSITE_LIMITS = {"pm25": 35, "pm10": 70, "so2": 60, "no2": 40, "co": 4, "o3": 160}
POLLUTANTS = ("pm25", "pm10", "so2", "no2", "co", "o3")
PM25_DECLINE = 0.03  # a year
# Ozone's seasonal level by month: coastal Fujian peaks in spring and autumn, with a monsoon dip in
# June-July; inland Anhui in May-June.
O3_SEASON = {
    True: (0.62, 0.72, 0.88, 1.08, 1.12, 0.92, 0.85, 0.95, 1.18, 1.2, 0.95, 0.72),
    False: (0.55, 0.7, 0.88, 1.05, 1.22, 1.25, 1.05, 1.05, 1.12, 0.95, 0.75, 0.55),
}
O3_CEILING = {True: 240.0, False: 300.0}  # where the 8-hour maximum saturates (coast, inland)


def iaqi(pollutant: str, concentration: np.ndarray) -> np.ndarray:
    """The individual air quality index of concentrations of one pollutant (HJ 633-2012 5.2, rounded up).

    Args:
        pollutant: one of ``BREAKPOINTS``.
        concentration: µg/m³ (CO: mg/m³).

    Returns:
        IAQI values, 500 (or 300 for 8-hour ozone) at and beyond the last breakpoint.
    """
    limits = np.asarray(BREAKPOINTS[pollutant], dtype=float)
    steps = np.asarray(IAQI_STEPS[: len(limits)], dtype=float)
    return np.ceil(np.interp(np.asarray(concentration, dtype=float), limits, steps) - 1e-9)


def aqi(concentrations: dict[str, np.ndarray]) -> np.ndarray:
    """The AQI: the largest IAQI of the six pollutants (HJ 633-2012 5.3)."""
    return np.max([iaqi(p, concentrations[p]) for p in POLLUTANTS], axis=0)


def composite_index(means: dict[str, np.ndarray]) -> np.ndarray:
    """The composite index (环境空气质量综合指数): the sum of each pollutant's level over its limit."""
    return sum(means[p] / COMPOSITE_LIMITS[p] for p in POLLUTANTS)


@dataclass(frozen=True)
class Air:
    """A city's simulated air quality on the daily grid, per district.

    Attributes:
        areas: adcodes, in the order of the rows: the city's own first when it has districts, then the districts.
        concentrations: pollutant → areas × days, as published (µg/m³ whole; CO mg/m³ one decimal).
        aqi: areas × days.
    """

    areas: list[str]
    concentrations: dict[str, np.ndarray]
    aqi: np.ndarray


def _published(pollutant: str, values: np.ndarray) -> np.ndarray:
    return np.round(values, 1) if pollutant == "co" else np.round(values)


def _seasonal(days: np.ndarray, amplitude: float) -> np.ndarray:
    """1 ± amplitude around the year, highest in mid-January."""
    return 1 + amplitude * np.cos(2 * np.pi * (day_of_year(days) - 15) / 365.25)


def _fireworks(days: np.ndarray, coastal: bool) -> np.ndarray:
    years = range(int(years_of(days[:1])[0]), int(years_of(days[-1:])[0]) + 1)
    eve, day1 = (0.35, 0.2) if coastal else (0.6, 0.35)
    return sum(np.interp(offsets(days, spring_festival(y)), (-2, -1, 0, 1), (0, eve, day1, 0), 0, 0) for y in years)


def _episode_boost(days: np.ndarray, episodes: list[Episode], kind: str, factor: float) -> np.ndarray:
    return sum((np.log(factor) * e.strength * e.days(days) for e in episodes if e.kind == kind), np.zeros(len(days)))


class _Model:
    """The draws of one city, reused while the calibration tries anomaly sizes."""

    def __init__(self, days: np.ndarray, city: City, profile: CityProfile, weather: Weather,
                 episodes: list[Episode], seed: int):
        self.days, self.profile, self.weather = days, profile, weather
        self.districts = weather.districts
        population = {district.adcode: max(district.population, 1) for district in city.districts}
        self.city_adcode = city.adcode
        self.city_weights = (np.array([population[a] for a in self.districts], dtype=float)
                             if city.districts and city.adcode not in self.districts else None)
        n, m = len(days), len(self.districts)
        generator = rng(seed, "air", city.adcode)
        self.regional = np.clip(ar1(generator, 1, n, 0.8, 1.0)[0], -2.2, 2.2)  # stagnant weeks, city-wide
        self.own = {p: ar1(generator, m, n, 0.5, 1.0) for p in POLLUTANTS}
        self.ozone_weather = ar1(generator, 1, n, 0.6, 0.15)[0]
        self.district_level = np.array([np.exp(0.08 * normal(seed, "air-district", a)) for a in self.districts])
        coastal = profile.coastal
        rain, gust = weather.rain, weather.gust
        self.washout = 0.25 * np.log1p(rain / 5) + np.where(gust > 17, 0.3, 0.0)
        years = (days - np.datetime64(date(profile.pm25_year, 7, 1), "D")).astype(float) / 365.25
        self.trend = (1 - PM25_DECLINE) ** years
        self.events = (_fireworks(days, coastal) + 0.25 * covid_shock(days)
                       + _episode_boost(days, episodes, "haze", 3.0))
        self.base_amplitude = 0.4 if coastal else 0.5
        self.fact_year = years_of(days) == profile.pm25_year
        if not self.fact_year.any():
            self.fact_year = np.ones(n, dtype=bool)
        month = (days.astype("datetime64[M]").astype(np.int64) % 12)
        sunny = np.where(rain.mean(axis=0) < 0.1, 0.12, -0.25 * np.minimum(rain.mean(axis=0) / 10, 1.0))
        self.o3_shape = (np.asarray(O3_SEASON[coastal])[month] * np.exp(sunny + self.ozone_weather)
                         * np.exp(_episode_boost(days, episodes, "ozone", 1.55)))
        self.weekday = np.where(((days.astype(np.int64) + 3) % 7) < 5, 1.05, 0.9)

    def pm25(self, harshness: float) -> np.ndarray:
        """PM2.5 for a harshness 0..1: deeper winters and larger stagnant spells, the same annual mean."""
        season = _seasonal(self.days, self.base_amplitude + 0.12 * harshness)
        log = (np.log(season * self.trend) + self.spread(harshness) * self.regional + 0.15 * self.own["pm25"]
               - self.washout + self.events)
        raw = np.exp(log) * self.district_level[:, None]
        return raw * self.profile.pm25 / raw[:, self.fact_year].mean()

    def ozone(self) -> np.ndarray:
        raw = self.o3_shape * np.exp(0.12 * self.own["o3"]) * self.district_level[:, None] ** -0.5
        city = raw.mean(axis=0)
        scaled = raw * self.profile.o3_p90 / np.percentile(city[self.fact_year], 90)
        ceiling = O3_CEILING[self.profile.coastal]
        return ceiling * np.tanh(scaled / ceiling)

    @staticmethod
    def spread(harshness: float) -> float:
        """The size of the city-wide anomaly in log terms."""
        return 0.25 + 0.35 * harshness

    def others(self, pm25: np.ndarray, harshness: float) -> dict[str, np.ndarray]:
        coastal = self.profile.coastal
        stagnant = np.exp(0.5 * self.spread(harshness) * self.regional - self.washout * 0.5)
        winter = _seasonal(self.days, 0.3)
        ratio = (1.6 if coastal else 1.75) * np.exp(0.12 * self.own["pm10"])
        if not coastal:
            ratio = ratio * (1 + 0.25 * np.exp(-0.5 * ((day_of_year(self.days) - 90) / 20) ** 2))  # spring dust
        shutdown = 1 + 0.4 * covid_shock(self.days)
        return {
            "pm10": pm25 * np.maximum(ratio, 1.05),
            "no2": (22 if coastal else 24) * winter * self.weekday * shutdown * stagnant * np.exp(0.2 * self.own["no2"]),
            "so2": (6 if coastal else 8) * _seasonal(self.days, 0.2) * stagnant * np.exp(0.25 * self.own["so2"]),
            "co": (0.55 if coastal else 0.75) * winter * stagnant ** 0.8 * np.exp(0.15 * self.own["co"]),
        }

    def build(self, harshness: float) -> Air:
        pm25 = self.pm25(harshness)
        raw = {"pm25": pm25, "o3": self.ozone(), **self.others(pm25, harshness)}
        published = {p: _published(p, values) for p, values in raw.items()}
        _minor_below_major(published)
        if self.city_weights is None:
            return Air(self.districts, published, aqi(published))
        weights = self.city_weights[:, None] / self.city_weights.sum()
        city = {p: _published(p, (weights * values).sum(axis=0)) for p, values in published.items()}
        _minor_below_major(city)
        published = {p: np.vstack([city[p][None, :], values]) for p, values in published.items()}
        return Air([self.city_adcode, *self.districts], published, aqi(published))


def concentration_at(pollutant: str, index: np.ndarray) -> np.ndarray:
    """The concentration whose IAQI is ``index`` (the inverse of ``iaqi``)."""
    limits = np.asarray(BREAKPOINTS[pollutant], dtype=float)
    steps = np.asarray(IAQI_STEPS[: len(limits)], dtype=float)
    return np.interp(index, steps, limits)


def _minor_below_major(published: dict[str, np.ndarray]) -> None:
    """Keep SO2, NO2 and CO from leading the AQI above 50: in these cities the primary pollutant of a
    polluted day is PM2.5, PM10 or ozone, and the catalog publishes only those three daily, so the AQI
    of any day that is not "excellent" can be checked against them."""
    ceiling = np.maximum(50, np.max([iaqi(p, published[p]) for p in ("pm25", "pm10", "o3")], axis=0))
    for pollutant in ("so2", "no2", "co"):
        limit = concentration_at(pollutant, ceiling)
        limit = np.floor(limit * 10) / 10 if pollutant == "co" else np.floor(limit)
        published[pollutant] = np.minimum(published[pollutant], limit)


def simulate(days: np.ndarray, city: City, profile: CityProfile, weather: Weather, episodes: list[Episode],
             seed: int) -> Air:
    """Simulate a city's daily air quality, calibrated to its PM2.5 level and share of good days.

    Args:
        days: the daily grid.
        city: the city.
        profile: its facts (annual PM2.5, good days, ozone, coast).
        weather: its weather (rain and wind clean the air).
        episodes: the scripted episodes (haze, ozone).
        seed: the demo seed.

    Returns:
        The published concentrations and AQI of the city (when it has districts) and every district, every day.
    """
    model = _Model(days, city, profile, weather, episodes, seed)
    target = profile.good_days / 100
    low, high = 0.0, 1.0
    for _ in range(12):  # the city's good-day share falls as winters deepen and stagnant spells grow
        harshness = (low + high) / 2
        good = (model.build(harshness).aqi[0, model.fact_year] <= 100).mean()  # the city's row (or only one)
        low, high = (harshness, high) if good > target else (low, harshness)
    return model.build((low + high) / 2)
