"""A city's economy at its real scale, published the way a statistics bureau publishes it.

* **Scale.** The catalog's typical values describe a reference city (a Xiamen-like service city of about
  5.3 million people, GDP of about 8,000 亿元). Each city's amounts are moved to its own scale: GDP
  sectors by its GDP and structure (``facts``), industrial amounts by its secondary sector, other
  economic amounts by its GDP, per-capita incomes by its incomes, counts of people and events by its
  population (``Scales``).
* **GDP.** The three sectors are calibrated so that their sum — the GDP the store derives — is the city's
  GDP in the fact's year, growing at its nominal rate (real growth plus about half a point of prices).
* **Year-to-date.** Single-period values are generated (with their Spring Festival and 2020 shapes) and
  published as cumulative sums within each year (1—N月, 1—N季度); indicators that merge January and
  February have no January value, February holding the two months (``indicators.catalog.accumulation``).
* **Growth.** A published growth rate (``growth_of``) is its level's cumulative year-on-year growth
  minus a small price effect (comparable prices: ``PRICE_EFFECT``, within ±2 points), so it agrees
  with the levels within the data-quality desk's tolerance and 2020Q1 GDP growth is negative, as it
  was. Growth rates without a level in the catalog carry the 2020 slump and its 2021 base effect.
* **Parts.** Per-capita GDP is GDP over the resident population; all-resident income lies between the
  urban and the rural figure by the city's urbanisation.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from indicators.catalog.accumulation import opens_year
from indicators.catalog.entries import Catalog, Indicator, is_rate_unit
from indicators.demo.calendar import Periods, covid_shock
from indicators.demo.episodes import Episode
from indicators.demo.facts import CityProfile
from indicators.demo.noise import rng
from indicators.demo.series import (
    POPULATION_CODE,
    Generator,
    decimals,
    demo_spec,
    is_rate,
    parse_demo_hints,
)

GDP = "ECO-GDP-001"
GDP_SECTORS = ("ECO-GDP-003", "ECO-GDP-004", "ECO-GDP-005")  # primary, secondary, tertiary
PER_CAPITA_GDP = "ECO-GDP-006"
URBANIZATION = "ECO-GDP-008"
INCOMES = ("ECO-INC-001", "ECO-INC-002", "ECO-INC-003")  # all residents, urban, rural
REFERENCE_INCOME = {"ECO-INC-001": 71062.0, "ECO-INC-002": 72880.0, "ECO-INC-003": 34206.0}
REFERENCE_URBANIZATION = 90.81
# Growth of prices (GDP deflator, approximate national figures, within ±2 points) taken off nominal
# growth to give comparable-price growth.
PRICE_EFFECT = {2017: 2.0, 2018: 1.5, 2019: 1.3, 2020: 0.6, 2021: 2.0, 2022: 1.5, 2023: -0.5, 2024: -0.6,
                2025: -0.8}
NOMINAL_TREND = (0.035, 0.09)  # bounds of a city's nominal growth
INDUSTRIAL_PREFIXES = ("ECO-IND", "ECO-ENE-003")
PEOPLE_PREFIXES = ("ECO-EMP", "ECO-POP")
STANDALONE_COVID_DEPTH = 0.35
SLOWDOWN = 0.25  # share of a district's industrial output lost at the end of the slowdown
PERIODS_A_YEAR = {"monthly": 12, "quarterly": 4, "yearly": 1}
# Units of intensities, which do not grow with the city's size.
INTENSIVE_UNITS = frozenset({"岁", "年", "天", "日", "月", "分钟", "秒", "小时", "℃", "km/h", "dB(A)", "级", "无量纲",
                             "指数", "m/s", "mm"})


def price_effect(year: int) -> float:
    """Points of growth that are prices, not volume, in ``year``."""
    return PRICE_EFFECT.get(year, 1.0)


class Scales:
    """Factors from the catalog's reference city to this one, and this city's typical values.

    Args:
        catalog: the indicators (their typical values describe the reference city).
        profile: the city's facts.
        end: the demo's "today" (typical values are values at ``end``).
    """

    def __init__(self, catalog: Catalog | list[Indicator], profile: CityProfile, end: date):
        by_code = {ind.code: ind for ind in catalog}
        self.profile = profile
        reference_population = by_code[POPULATION_CODE].typical if POPULATION_CODE in by_code else 530.0
        # A city whose districts' populations are unknown is taken at the reference size.
        self.people = profile.population / 1e4 / reference_population if profile.population else 1.0
        self.nominal = min(max((profile.gdp_growth + 0.5) / 100, NOMINAL_TREND[0]), NOMINAL_TREND[1])
        sectors = [by_code[c] for c in GDP_SECTORS if c in by_code]
        years_back = (date(profile.gdp_year, 7, 1) - end).days / 365.25
        if sectors:
            typical = np.array([s.typical * PERIODS_A_YEAR[s.frequency] for s in sectors])
            reference = float(typical.sum()) * (1 + self.nominal) ** years_back
            self.sector = {s.code: self._gdp(profile, reference) * share / (t / typical.sum())
                           for s, t, share in zip(sectors, typical, self._shares(sectors))}
        else:
            reference = 8000.0 * (1 + self.nominal) ** years_back
            self.sector = {}
        self.gdp = self._gdp(profile, reference)
        self.secondary = self.sector.get("ECO-GDP-004", self.gdp)
        urban = profile.urbanization / 100
        self.income = {
            "ECO-INC-002": profile.income_urban / REFERENCE_INCOME["ECO-INC-002"],
            "ECO-INC-003": profile.income_rural / REFERENCE_INCOME["ECO-INC-003"],
            "ECO-INC-001": (urban * profile.income_urban + (1 - urban) * profile.income_rural)
                           / REFERENCE_INCOME["ECO-INC-001"],
        }

    @staticmethod
    def _gdp(profile: CityProfile, reference: float) -> float:
        return profile.gdp / reference

    def _shares(self, sectors: list[Indicator]) -> list[float]:
        index = {code: i for i, code in enumerate(GDP_SECTORS)}
        return [self.profile.shares[index[s.code]] / 100 for s in sectors]

    def factor(self, ind: Indicator) -> float:
        """How much bigger this city's values of ``ind`` are than the reference city's."""
        if ind.code == POPULATION_CODE or ind.formula is not None:
            return 1.0
        if "cities" in parse_demo_hints(ind.demo):
            return 1.0  # a city's own industry: its typical value is that city's
        if ind.code in self.sector:
            return self.sector[ind.code]
        if ind.code in self.income:
            return self.income[ind.code]
        if ind.unit == "元" and ind.aggregation.startswith("wmean"):
            return self.income["ECO-INC-001"]  # per-capita spending follows income
        if not _adds_up(ind):
            return 1.0
        if ind.code.startswith("ENV-LAND"):
            return self.people * self.profile.urbanization / REFERENCE_URBANIZATION
        if ind.theme == "economy" and not ind.code.startswith(PEOPLE_PREFIXES):
            return self.secondary if ind.code.startswith(INDUSTRIAL_PREFIXES) else self.gdp
        return self.people

    def typical(self, ind: Indicator) -> float:
        """This city's typical value of ``ind``."""
        if ind.code == URBANIZATION:
            return self.profile.urbanization
        return ind.typical * self.factor(ind)

    def trend(self, ind: Indicator) -> float | None:
        """This city's growth of ``ind`` when it differs from the catalog's (GDP and its sectors: the city's)."""
        return self.nominal if ind.code in self.sector or ind.code == GDP else None


def _adds_up(ind: Indicator) -> bool:
    """Whether the indicator is an amount that grows with the city (a total, a count), not an intensity
    (a rate, an index, a duration, a per-capita or per-area figure, a temperature)."""
    if ind.aggregation not in ("sum", "none") or ind.direction == "target":
        return False
    return not (is_rate(ind) or is_rate_unit(ind.unit) or ind.unit in INTENSIVE_UNITS)


def _years(periods: Periods) -> np.ndarray:
    return np.array([d.year for d in periods.dates])


def calibrate_gdp(generator: Generator, scales: Scales, profile: CityProfile) -> None:
    """Scale each GDP sector so that the fact's year adds up to the city's GDP in its structure."""
    codes = [c for c in GDP_SECTORS if c in generator.by_code]
    if not codes:
        return
    frequency = generator.by_code[codes[0]].frequency
    years = _years(generator.cal.periods[frequency])
    full = [y for y in np.unique(years) if (years == y).sum() == PERIODS_A_YEAR[frequency]]
    if not full:
        return
    year = profile.gdp_year if profile.gdp_year in full else max(full)
    target_total = profile.gdp * (1 + scales.nominal) ** (year - profile.gdp_year)
    index = {code: i for i, code in enumerate(GDP_SECTORS)}
    for code in codes:
        ind = generator.by_code[code]
        series = generator.series(ind)
        total = _city_row(generator, ind)[years == year].sum()
        if total <= 0:
            continue
        target = target_total * profile.shares[index[code]] / 100
        generator.replace(ind, np.round(series.values * target / total, decimals(ind, demo_spec(ind))))


def _city_row(generator: Generator, ind: Indicator) -> np.ndarray:
    series = generator.series(ind)
    row = series.row(generator.city.adcode)
    return row if row is not None else series.values.sum(axis=0)


def industry_where_the_industry_is(generator: Generator) -> None:
    """Industrial output sits in the districts where the secondary sector is: each district's industrial rows are
    scaled so that its share of the city's industry over the history is its share of the secondary sector."""
    if "ECO-GDP-004" not in generator.by_code:
        return
    secondary = generator.series(generator.by_code["ECO-GDP-004"])
    districts = [a for a in secondary.adcodes if a != generator.city.adcode]
    if not districts:
        return
    target = np.array([secondary.row(a).sum() for a in districts])
    target = target / target.sum()
    for code in ("ECO-IND-004", "ECO-IND-001"):
        ind = generator.by_code.get(code)
        if ind is None or ind.spatial_level != "district":
            continue
        series = generator.series(ind)
        rows = np.array([series.row(a) for a in districts])
        shares = rows.sum(axis=1) / rows.sum()
        generator.replace(ind, np.round(rows * (target / shares)[:, None], decimals(ind, demo_spec(ind))), districts)


def slowdown(generator: Generator, episodes: list[Episode]) -> None:
    """The scripted industrial slowdown: one district's industrial output falls behind at the end."""
    for episode in (e for e in episodes if e.kind == "slowdown"):
        for code in ("ECO-IND-004", "ECO-IND-001"):
            if code not in generator.by_code:
                continue
            ind = generator.by_code[code]
            series = generator.series(ind)
            row = series.row(episode.district)
            if row is None:
                continue
            periods = generator.cal.periods[ind.frequency]
            weight = episode.days(periods.starts + (periods.hi - periods.lo) // 2)
            values = series.values.copy()
            values[series.adcodes.index(episode.district)] = row * (1 - SLOWDOWN * episode.strength * weight)
            generator.replace(ind, np.round(values, decimals(ind, demo_spec(ind))))


def per_capita_gdp(generator: Generator) -> None:
    """Per-capita GDP (元/人) = the year's GDP (the sum of its sectors) over the year-end residents."""
    codes = [c for c in GDP_SECTORS if c in generator.by_code]
    if PER_CAPITA_GDP not in generator.by_code or POPULATION_CODE not in generator.by_code or len(codes) < 3:
        return
    target, population = generator.by_code[PER_CAPITA_GDP], generator.by_code[POPULATION_CODE]
    if target.frequency != "yearly" or population.frequency != "yearly":
        return
    quarterly = generator.cal.periods[generator.by_code[codes[0]].frequency]
    yearly = generator.cal.periods["yearly"]
    own, people = generator.series(target), generator.series(population)
    areas = [a for a in own.adcodes if a != generator.city.adcode and people.row(a) is not None]
    if not areas or not len(yearly.starts):
        return
    quarter_years = _years(quarterly)
    values = []
    for adcode in areas:
        gdp = sum(generator.series(generator.by_code[c]).row(adcode) for c in codes)
        annual = np.array([gdp[quarter_years == y].sum() if (quarter_years == y).sum() == 4 else np.nan
                           for y in _years(yearly)])
        values.append(annual * 1e8 / (people.row(adcode) * 1e4))
    values = np.array(values)
    generic = np.array([own.row(a) for a in areas])
    generator.replace(target, np.round(np.where(np.isnan(values), generic, values)), areas)


def income_mix(generator: Generator, profile: CityProfile) -> None:
    """All-resident income = urban and rural incomes weighted by the city's urbanisation."""
    if not all(code in generator.by_code for code in INCOMES):
        return
    everyone, urban, rural = (generator.series(generator.by_code[c]) for c in INCOMES)
    areas = [a for a in everyone.adcodes if a != generator.city.adcode
             and urban.row(a) is not None and rural.row(a) is not None]
    if not areas:
        return
    share = profile.urbanization / 100
    values = np.array([share * urban.row(a) + (1 - share) * rural.row(a) for a in areas])
    generator.replace(generator.by_code["ECO-INC-001"], np.round(values), areas)


def _cumulative(values: np.ndarray, periods: Periods, ind: Indicator) -> np.ndarray:
    """Year-to-date sums of single-period values along the last axis."""
    out = np.empty_like(values)
    total = np.zeros(values.shape[0])
    for i, day in enumerate(periods.dates):
        if opens_year(day, ind.frequency, False):
            total = np.zeros(values.shape[0])
        total = total + values[:, i]
        out[:, i] = total
    return out


def accumulate(generator: Generator) -> None:
    """Publish year-to-date amounts as cumulative sums; hide January where 1—2月 are merged."""
    for ind in generator.by_code.values():
        if ind.accumulation != "ytd" or ind.formula is not None:
            continue
        series = generator.series(ind)
        periods = generator.cal.periods[ind.frequency]
        if ind.single_periods and series.values.size:
            values = _cumulative(series.values, periods, ind)
            generator.replace(ind, np.round(values, decimals(ind, demo_spec(ind))))
        if ind.jan_feb_merged:
            january = np.array([d.month == 1 for d in periods.dates], dtype=bool)
            generator.done[ind.code].keep = generator.series(ind).keep & ~january


def _level_values(generator: Generator, level: Indicator) -> tuple[list[str], np.ndarray]:
    """A level's values by area, computing a derived level (GDP = the sum of its sectors) from its inputs."""
    if level.formula is None:
        series = generator.series(level)
        return series.adcodes, series.values
    inputs = {code: generator.series(generator.by_code[code]) for code in level.formula.inputs
              if code in generator.by_code}
    if len(inputs) != len(level.formula.inputs):
        return [], np.zeros((0, 0))
    areas = [a for a in next(iter(inputs.values())).adcodes if all(s.row(a) is not None for s in inputs.values())]
    shape = (len(areas), len(next(iter(inputs.values())).keep))
    flat = {code: pd.Series(np.array([s.row(a) for a in areas]).ravel()) for code, s in inputs.items()}
    return areas, level.formula.evaluate(flat).to_numpy().reshape(shape)


def growth_rates(generator: Generator, seed: int) -> None:
    """Published growth rates (``growth_of``) from their levels' cumulative year-on-year growth."""
    for ind in generator.by_code.values():
        if not ind.growth_of or ind.growth_of not in generator.by_code or ind.formula is not None:
            continue
        level = generator.by_code[ind.growth_of]
        areas, levels = _level_values(generator, level)
        own = generator.series(ind)
        areas = [a for a in areas if a in own.adcodes]
        if generator.aggregated_code(ind):
            areas = [a for a in areas if a != generator.city.adcode]
        if not areas or not levels.size:
            continue
        index = {a: i for i, a in enumerate(_level_values(generator, level)[0])}
        levels = levels[[index[a] for a in areas]]
        periods = generator.cal.periods[ind.frequency]
        lag = PERIODS_A_YEAR[ind.frequency]
        prices = np.array([price_effect(d.year) for d in periods.dates])
        growth = np.full(levels.shape, np.nan)
        growth[:, lag:] = (levels[:, lag:] / levels[:, :-lag] - 1) * 100
        trend = generator.trend_of(level) * 100
        growth[:, :lag] = trend + prices[:lag]  # before the history: the level's usual growth
        noise = rng(seed, "growth", ind.code, generator.city.adcode).normal(0, 0.15, growth.shape)
        values = np.clip(growth - prices + noise, ind.min_value, ind.max_value)
        generator.replace(ind, np.round(values, 1), areas)


def covid_overlay(generator: Generator) -> None:
    """Growth rates without a level in the catalog take the 2020 slump and the 2021 base effect:
    the year-to-date shortfall of 2020 lowers that year's cumulative growth and raises 2021's."""
    for ind in generator.by_code.values():
        if (ind.accumulation != "ytd" or ind.growth_of or ind.formula is not None or ind.unit != "%"
                or not _is_growth(ind)):
            continue
        periods = generator.cal.periods[ind.frequency]
        if not len(periods.starts):
            continue
        depth = demo_spec(ind).covid or STANDALONE_COVID_DEPTH
        shock = 1 + depth * generator.cal.average(covid_shock(generator.cal.days), periods)
        years = _years(periods)
        cumulative = np.ones(len(periods.starts))
        for year in (2020,):
            inside = years == year
            cumulative[inside] = np.cumsum(shock[inside]) / np.arange(1, inside.sum() + 1)
        overlay = np.zeros(len(periods.starts))
        overlay[years == 2020] = (cumulative[years == 2020] - 1) * 100
        base = {(d.month): cumulative[i] for i, d in enumerate(periods.dates) if d.year == 2020}
        overlay[years == 2021] = [(1 / base.get(d.month, 1.0) - 1) * 100 for d in periods.dates[years == 2021]]
        series = generator.series(ind)
        values = np.clip(series.values + overlay, ind.min_value, ind.max_value)
        generator.replace(ind, np.round(values, 1))


def _is_growth(ind: Indicator) -> bool:
    return "增速" in ind.name_zh or "增长" in ind.name_zh or "growth" in ind.name_en.lower()


def apply(generator: Generator, scales: Scales, profile: CityProfile, episodes: list[Episode], seed: int,
          ties) -> None:
    """Put the city's economy in order, in the order its identities build on each other.

    Args:
        generator: the city's series (generic, weather and air already in place).
        scales: the city's scale.
        profile: its facts.
        episodes: the scripted episodes (the industrial slowdown).
        seed: the demo seed.
        ties: applies the identities between indicators (``indicators.demo.ties.apply``), on single periods.
    """
    calibrate_gdp(generator, scales, profile)
    industry_where_the_industry_is(generator)
    slowdown(generator, episodes)
    ties(generator)
    income_mix(generator, profile)
    per_capita_gdp(generator)
    accumulate(generator)
    growth_rates(generator, seed)
    covid_overlay(generator)
