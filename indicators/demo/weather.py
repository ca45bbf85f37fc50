"""A stochastic weather generator calibrated to each city's monthly climate normals.

* **Rain occurrence** is a two-state Markov chain (a wet day is more likely after a wet day) whose
  monthly wet-day frequency is the normal's rain days (≥ 0.1 mm) and whose persistence is a typical 0.35.
* **Rain amounts** on wet days follow a gamma law (shape 0.75: many light days, a few heavy ones) whose
  mean makes the month's expected total the normal precipitation; the expected typhoon rain of the
  month is taken out of the ordinary days first, so storms do not inflate the climate.
* **Districts** share the city's weather, each with its own scatter, and counties with their own
  station (Ningde's mountains, from Zhouning's normals) get its wetter months.
* **Temperature** follows the normals' seasonal cycle (interpolated between mid-month points) with
  autocorrelated anomalies, larger in winter and inland; wet days have cooler afternoons.
* **Storms** (``indicators.demo.episodes``) add their rain over four days and, for typhoons, gusts of
  17–40 m/s; only coastal cities get typhoons.

Everything is drawn from generators seeded by the demo seed and the city, so a city's weather is the
same for every indicator that reads it (rain, floods, hotline calls, air quality).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geo.cities import City
from indicators.demo.calendar import day_of_year, months_of, offsets
from indicators.demo.episodes import Storm
from indicators.demo.facts import CityProfile, Climate
from indicators.demo.noise import ar1, normal, rng

MID_MONTH = np.array([15, 45, 74, 105, 135, 166, 196, 227, 258, 288, 319, 349], dtype=float)
PERSISTENCE = 0.35  # P(wet | wet) - P(wet | dry)
GAMMA_SHAPE = 0.75
DISTRICT_SCATTER = 0.4  # lognormal sd of a district's rain around the city's
LOCAL_SHOWER = 0.015  # chance that a district gets a shower on a day dry elsewhere
# A storm's rain by days from its peak day, as shares of the event total.
STORM_DAYS = (-1, 0, 1, 2)
STORM_SHARES = (0.15, 0.45, 0.30, 0.10)
# Its influence on activity (hotline, emergencies, transport), by days from the peak.
IMPACT_DAYS = (-3, -2, -1, 0, 1, 2, 3, 5)
IMPACT_EFFECT = (0.0, 0.25, 0.6, 1.0, 0.8, 0.4, 0.15, 0.0)
TYPHOON_RAIN_MEAN = 78.0  # mm of an average storm (1.6 strong ones and the rest passing), for taking typhoon rain out of ordinary days


@dataclass(frozen=True)
class Weather:
    """A city's simulated weather on the daily grid.

    Attributes:
        districts: the districts' adcodes, in the order of ``rain``'s rows.
        rain: districts × days, mm (one decimal, as published).
        tmax, tmin: the city's daily maximum and minimum temperature, ℃ (one decimal).
        gust: the city's daily maximum gust, m/s (one decimal).
        storms: the storms that struck.
        storm_index: their influence on activity per day (0 calm, up to about 2).
    """

    districts: list[str]
    rain: np.ndarray
    tmax: np.ndarray
    tmin: np.ndarray
    gust: np.ndarray
    storms: list[Storm]
    storm_index: np.ndarray

    @property
    def city_rain(self) -> np.ndarray:
        """The mean of the districts' rain per day (the city's figure)."""
        return self.rain.mean(axis=0)


def daily_normal(monthly: tuple[float, ...] | np.ndarray, days: np.ndarray) -> np.ndarray:
    """A monthly normal interpolated to each day (periodic, between mid-month points)."""
    values = np.asarray(monthly, dtype=float)
    xs = np.concatenate([MID_MONTH - 365, MID_MONTH, MID_MONTH + 365])
    return np.interp(day_of_year(days), xs, np.tile(values, 3))


def _days_in_month(days: np.ndarray) -> np.ndarray:
    months = days.astype("datetime64[M]")
    return ((months + 1).astype("datetime64[D]") - months.astype("datetime64[D]")).astype(float)


def _typhoon_rain_share(profile: CityProfile, climate: Climate) -> np.ndarray:
    """The share of each month's normal rain that comes from typhoons (taken out of ordinary days)."""
    from indicators.demo.episodes import TYPHOON_MONTHS

    share = np.zeros(12)
    for month, weight in TYPHOON_MONTHS.items():
        expected = profile.typhoons_per_year * weight * TYPHOON_RAIN_MEAN
        share[month - 1] = min(0.45, expected / max(climate.precipitation[month - 1], 1.0))
    return share


def _storm_days(profile: CityProfile, days: np.ndarray) -> np.ndarray:
    """Expected days of storm rain per day of each month (storms rain over four days)."""
    from indicators.demo.episodes import TYPHOON_MONTHS

    per_month = np.array([profile.typhoons_per_year * TYPHOON_MONTHS.get(m, 0.0) * len(STORM_DAYS)
                          for m in range(1, 13)])
    return per_month[months_of(days) - 1] / _days_in_month(days)


def _wet_frequency(days: np.ndarray, climate: Climate, profile: CityProfile) -> np.ndarray:
    """The chance of an ordinary wet day: the normal's rain days less the storm days, which come on top."""
    normal = np.clip(daily_normal(climate.rain_days, days) / _days_in_month(days), 0.02, 0.95)
    storm = np.minimum(_storm_days(profile, days), 0.5)
    return np.clip((normal - storm) / (1 - storm), 0.3 * normal, 0.95)


def _occurrence(days: np.ndarray, frequency: np.ndarray, generator: np.random.Generator) -> np.ndarray:
    """Wet (True) or dry days from the two-state Markov chain."""
    p_dry = frequency * (1 - PERSISTENCE)  # P(wet | yesterday dry)
    p_wet = p_dry + PERSISTENCE  # P(wet | yesterday wet)
    draws = generator.random(len(days))
    wet = np.zeros(len(days), dtype=bool)
    previous = False
    for i, u in enumerate(draws):
        previous = u < (p_wet[i] if previous else p_dry[i])
        wet[i] = previous
    return wet


def _storm_rain(days: np.ndarray, storms: list[Storm]) -> np.ndarray:
    rain = np.zeros(len(days))
    for storm in storms:
        total = 30 + 170 * storm.strength**1.2
        for offset, share in zip(STORM_DAYS, STORM_SHARES):
            rain[offsets(days, storm.day) == offset] += total * share
    return rain


def simulate(days: np.ndarray, city: City, profile: CityProfile, storms: list[Storm], seed: int) -> Weather:
    """Simulate a city's daily weather.

    Args:
        days: the daily grid.
        city: the city (its districts).
        profile: its climate, coast and storms.
        storms: the storms that strike (``episodes.storms`` and the scripted one).
        seed: the demo seed.

    Returns:
        Rain per district, the city's temperatures and gusts, and the storms' influence.
    """
    climate = profile.climate
    generator = rng(seed, "weather", city.adcode)
    frequency = _wet_frequency(days, climate, profile)
    wet = _occurrence(days, frequency, generator)
    ordinary_share = 1 - _typhoon_rain_share(profile, climate)[months_of(days) - 1]
    per_wet_day = (daily_normal(climate.precipitation, days) * ordinary_share
                   / np.maximum(frequency * _days_in_month(days), 0.5))
    amounts = generator.gamma(GAMMA_SHAPE, per_wet_day / GAMMA_SHAPE)
    city_rain = np.where(wet, np.maximum(amounts, 0.1), 0.0) + _storm_rain(days, storms)
    districts = [d.adcode for d in city.districts] or [city.adcode]
    rain = np.array([_district_rain(days, climate, profile.climate_of(a), wet, city_rain, rng(seed, "weather", a))
                     for a in districts])
    tmax, tmin = _temperatures(days, profile, wet, city_rain, generator)
    gust = _gusts(days, profile, city_rain, storms, generator)
    return Weather(districts, rain, tmax, tmin, gust, storms, _storm_index(days, storms, city_rain))


def _district_rain(days: np.ndarray, city: Climate, own: Climate, wet: np.ndarray, city_rain: np.ndarray,
                   generator: np.random.Generator) -> np.ndarray:
    """A district's rain: the city's wet days with its own scatter, plus, where its own station has more rain
    days (mountains), extra lighter wet days of its own, so that both its rain days and its total follow
    its normals; now and then a local shower on a day dry elsewhere."""
    n = len(days)
    length = _days_in_month(days)
    city_days, own_days = daily_normal(city.rain_days, days), daily_normal(own.rain_days, days)
    extra = np.clip((own_days - city_days) / np.maximum(length - city_days, 1.0), 0.0, 0.9)
    own_mean = daily_normal(own.precipitation, days) / np.maximum(own_days, 0.5)
    city_mean = daily_normal(city.precipitation, days) / np.maximum(city_days, 0.5)
    # Shared wet days carry the district's mean amount, its extra days half of it; together they make its total.
    level = own_days / np.maximum(city_days + 0.5 * np.maximum(own_days - city_days, 0.0), 0.5)
    scatter = np.exp(DISTRICT_SCATTER * generator.standard_normal(n) - DISTRICT_SCATTER**2 / 2)
    shared = city_rain * own_mean / np.maximum(city_mean, 0.1) * level * scatter
    dry = city_rain == 0
    added = dry & (generator.random(n) < extra)
    shower = dry & ~added & (generator.random(n) < LOCAL_SHOWER)
    amounts = generator.gamma(GAMMA_SHAPE, 1.0 / GAMMA_SHAPE, n)
    own_rain = np.where(added, np.maximum(amounts * 0.5 * own_mean * level, 0.1), 0.0)
    local = np.where(shower, amounts * 2.0 + 0.1, 0.0)
    return np.round(shared + own_rain + local, 1)


def _temperatures(days: np.ndarray, profile: CityProfile, wet: np.ndarray, rain: np.ndarray,
                  generator: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Daily maximum and minimum: the normal plus autocorrelated anomalies, cooler on wet afternoons."""
    climate = profile.climate
    winter = np.cos(2 * np.pi * (day_of_year(days) - 15) / 365.25) * 0.5 + 0.5  # 1 in mid-January
    spread = (1.2 + (1.6 if not profile.coastal else 1.0) * winter)  # inland winters swing more
    anomaly = ar1(generator, 1, len(days), 0.75, 1.0)[0] * spread
    cooling = np.where(wet, 1.0 + 1.5 * np.minimum(rain / 20, 1.0), 0.0)
    tmax = daily_normal(climate.tmax, days) + anomaly - cooling + 0.45  # dry days make up for the wet ones
    own = ar1(generator, 1, len(days), 0.6, 0.8)[0]
    tmin = daily_normal(climate.tmin, days) + 0.7 * anomaly + own + np.where(wet, 0.5, -0.2)
    tmin = np.minimum(tmin, tmax - 1.5)
    return np.round(tmax, 1), np.round(tmin, 1)


def _gusts(days: np.ndarray, profile: CityProfile, rain: np.ndarray, storms: list[Storm],
           generator: np.random.Generator) -> np.ndarray:
    """Daily maximum gust: breezy coasts, the winter monsoon, summer squalls and typhoons."""
    base = 9.5 if profile.coastal else 8.0
    monsoon = 1 + (0.15 if profile.coastal else 0.05) * np.cos(2 * np.pi * (day_of_year(days) - 330) / 365.25)
    squall = np.where(rain > 20, generator.gamma(2.0, 1.5, len(days)), 0.0)
    gust = base * monsoon * np.exp(0.22 * generator.standard_normal(len(days)) - 0.024) + squall
    for storm in storms:
        if storm.kind != "typhoon":
            continue
        peak = 17 + 20 * storm.strength
        shape = np.interp(offsets(days, storm.day), (-2, -1, 0, 1, 2), (0.45, 0.75, 1.0, 0.7, 0.4), 0, 0)
        gust = np.maximum(gust, peak * shape * np.exp(0.06 * normal(0, storm.name, "gust")))
    return np.round(gust, 1)


def _storm_index(days: np.ndarray, storms: list[Storm], rain: np.ndarray) -> np.ndarray:
    """How strongly storms and heavy rain disturb the city each day (0 calm, about 2 at a severe typhoon)."""
    index = sum((2.0 * s.strength * np.interp(offsets(days, s.day), IMPACT_DAYS, IMPACT_EFFECT, 0, 0)
                 for s in storms), np.zeros(len(days)))
    return index + np.clip((rain - 50) / 100, 0, 1.5)
