"""The consistency audit of a city's figures: every identity the statistics define, checked on the data.

``manage.py audit`` runs it on the store (the demo store after ``init``, or real data); the demo's tests
run it on every demo city. Each check says how many figures it examined and lists what fails:

* **aqi** — each area's daily AQI (the city's too, computed from its own concentrations) is the largest individual index (HJ 633-2012) of its published
  PM2.5, PM10 and 8-hour ozone (SO2, NO2 and CO are not published daily; they may only lead an
  "excellent" day, AQI ≤ 50);
* **air_days** — the monthly share of good days is the share of days with AQI ≤ 100, the heavy-pollution
  share that with AQI > 200, ozone exceedance days those above 160 µg/m³, monthly PM2.5, PM10 and
  ozone the mean (ozone: 90th percentile) of the days, in the city as in each district;
* **rain** — monthly precipitation is the sum of the daily rain; the monthly mean temperature lies
  below the mean daily maximum;
* **pork** — the CPI's pork prices year on year match the change of the month's mean retail price of pork;
* **aggregation** — a city total is the sum of its districts, a city mean their (weighted) mean (not the air
  figures the city measures itself, ``physical.CITY_MEASURED``);
* **parts** — totals and their parts (``indicators.demo.ties``): sums exact, parts within their totals,
  monthly counts the sums of the daily ones, shares their counts' ratio; industry within the secondary
  sector, per-capita GDP = GDP / residents, all-resident income between urban and rural;
* **year_to_date** — cumulative amounts never fall within a year; 1—2月 indicators have no January;
* **derived** — every derived indicator equals its formula on the stored inputs;
* **growth** — published growth (comparable prices) within ``GROWTH_TOLERANCE`` points of the growth
  its level implies, and GDP growth negative in 2020Q1;
* **ranges** — plausible for the city's facts: January highs, annual rain and dry days, ozone and
  PM2.5 maxima, no typhoons inland, GDP at the city's scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from geo.cities import City
from indicators.catalog.entries import Catalog, Indicator
from indicators.demo.physical import CITY_MEASURED
from indicators.demo.ties import PORK_CPI, PORK_PRICE
from indicators.store.derived import evaluate as evaluate_formula

GROWTH_TOLERANCE = 3.0  # percentage points between published and level-implied growth (the data desk's default)
SHOWN = 5  # failures listed per check
AQI, PM25, PM10, O3 = "ENV-AIR-001", "ENV-AIR-002", "ENV-AIR-003", "ENV-AIR-004"
DAILY_RAIN, DAILY_MAX, GUST, MONTHLY_RAIN, MONTHLY_TEMPERATURE, TYPHOONS = (
    "ENV-MET-001", "ENV-MET-002", "ENV-MET-003", "ENV-MET-004", "ENV-MET-005", "ENV-MET-006")
GDP, GDP_GROWTH, SECONDARY, INDUSTRY = "ECO-GDP-001", "ECO-GDP-002", "ECO-GDP-004", "ECO-IND-001"


@dataclass
class Check:
    """One identity checked over the data."""

    name: str
    title: str
    checked: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Whether nothing failed."""
        return not self.failures

    def fail(self, message: str) -> None:
        """Record a failure."""
        self.failures.append(message)

    def line(self) -> str:
        """One line for the report, with the first failures."""
        mark = "ok  " if self.passed else "FAIL"
        text = f"{mark} {self.name:<13} {self.title} ({self.checked:,} checked"
        if self.failures:
            text += f", {len(self.failures):,} failed)"
            text += "".join(f"\n       - {f}" for f in self.failures[:SHOWN])
            if len(self.failures) > SHOWN:
                text += f"\n       … and {len(self.failures) - SHOWN:,} more"
        else:
            text += ")"
        return text


@dataclass
class AuditReport:
    """Every check of one city."""

    city: str
    checks: list[Check]

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return all(c.passed for c in self.checks)

    def text(self) -> str:
        """The report as printed by ``manage.py audit``."""
        head = f"{self.city}: {'all checks passed' if self.ok else 'some checks FAILED'}"
        return "\n".join([head, *("  " + c.line() for c in self.checks)])

    def check(self, name: str) -> Check:
        """One check by name."""
        return next(c for c in self.checks if c.name == name)


class _Data:
    """The observations of one city, by indicator, as wide tables (periods × areas)."""

    def __init__(self, frame: pd.DataFrame, catalog: Catalog, city: City):
        self.catalog, self.city = catalog, city
        frame = frame.copy()
        frame["period"] = pd.to_datetime(frame["period"])
        self.by_code = {code: part for code, part in frame.groupby("code", sort=False)}
        self.districts = [d.adcode for d in city.districts]
        self._wide: dict[str, pd.DataFrame] = {}

    def has(self, *codes: str) -> bool:
        return all(code in self.by_code and code in self.catalog for code in codes)

    def wide(self, code: str) -> pd.DataFrame:
        if code not in self._wide:
            part = self.by_code.get(code)
            self._wide[code] = (pd.DataFrame() if part is None
                                else part.pivot_table(index="period", columns="adcode", values="value", aggfunc="first"))
        return self._wide[code]

    def district_columns(self, code: str) -> list[str]:
        table = self.wide(code)
        return [a for a in self.districts if a in table.columns]


def _where(adcode: str, period: pd.Timestamp) -> str:
    return f"{adcode} {period.date().isoformat()}"


def _iaqi(pollutant: str, values: np.ndarray) -> np.ndarray:
    from indicators.demo.air import iaqi

    return iaqi(pollutant, values)


def _check_aqi(data: _Data) -> Check:
    check = Check("aqi", "daily AQI = largest IAQI of the published pollutants (HJ 633-2012)")
    if not data.has(AQI, PM25, PM10, O3):
        return check
    columns = list(data.wide(AQI).columns)  # the city's own AQI too: computed from its own concentrations
    tables = {code: data.wide(code).reindex(columns=columns) for code in (AQI, PM25, PM10, O3)}
    index = tables[AQI].index.intersection(tables[PM25].index).intersection(tables[PM10].index).intersection(tables[O3].index)
    aqi = tables[AQI].loc[index].to_numpy()
    expected = np.max([_iaqi("pm25", tables[PM25].loc[index].to_numpy()), _iaqi("pm10", tables[PM10].loc[index].to_numpy()),
                       _iaqi("o3", tables[O3].loc[index].to_numpy())], axis=0)
    present = ~np.isnan(aqi) & ~np.isnan(expected)
    good = (aqi == expected) | ((aqi <= 50) & (aqi >= expected))
    check.checked = int(present.sum())
    for i, j in zip(*np.nonzero(present & ~good)):
        check.fail(f"{_where(columns[j], index[i])}: AQI {aqi[i, j]:.0f}, its pollutants give {expected[i, j]:.0f}")
    return check


def _complete_months(daily: pd.DataFrame) -> pd.DataFrame:
    """Per month and area: the days present, and the month's length."""
    months = daily.index.to_period("M")
    counts = daily.notna().groupby(months).sum()
    lengths = pd.Series([p.days_in_month for p in counts.index], index=counts.index)
    return counts.eq(lengths, axis=0)


def _monthly_from_daily(check: Check, data: _Data, monthly_code: str, daily_code: str, reduce, tolerance: float,
                        what: str) -> None:
    """Monthly values against what their daily values give, in complete months, in every area: the city's air
    figures are computed from its own daily values too (``physical.CITY_MEASURED``)."""
    if not data.has(monthly_code, daily_code):
        return
    daily = data.wide(daily_code)
    monthly = data.wide(monthly_code)
    complete = _complete_months(daily)
    computed = reduce(daily.groupby(daily.index.to_period("M")))
    areas = [a for a in monthly.columns if a in daily.columns]
    for adcode in areas:
        for period, value in monthly[adcode].dropna().items():
            month = period.to_period("M")
            if month not in computed.index or not complete.at[month, adcode]:
                continue
            check.checked += 1
            expected = computed.at[month, adcode]
            if abs(value - expected) > tolerance:
                check.fail(f"{monthly_code} {_where(adcode, period)}: {value:g}, {what} {expected:.2f}")


def _check_air_days(data: _Data) -> Check:
    check = Check("air_days", "monthly air figures = what the daily values give")
    if not data.has(AQI):
        return check
    for code, condition in (("ENV-AIR-006", lambda g: (g <= 100).mean() * 100), ("ENV-AIR-007", lambda g: (g > 200).mean() * 100)):
        _monthly_from_daily(check, data, code, AQI, lambda groups, c=condition: groups.apply(lambda g: c(g)), 0.051,
                            "the daily AQI gives")
    _monthly_from_daily(check, data, "ENV-AIR-008", O3, lambda groups: groups.apply(lambda g: (g > 160).sum()), 0.01,
                        "days above 160 µg/m³ in the daily values:")
    _monthly_from_daily(check, data, "ENV-AIR-010", PM25, lambda groups: groups.mean(), 0.51, "the daily mean is")
    _monthly_from_daily(check, data, "ENV-AIR-011", PM10, lambda groups: groups.mean(), 0.51, "the daily mean is")
    _monthly_from_daily(check, data, "ENV-AIR-012", O3, lambda groups: groups.quantile(0.9), 1.01,
                        "the daily 90th percentile is")
    return check


def _check_rain(data: _Data) -> Check:
    check = Check("rain", "monthly rain = sum of daily rain; monthly mean below the daily highs")
    _monthly_from_daily(check, data, MONTHLY_RAIN, DAILY_RAIN, lambda groups: groups.sum(), 0.11,
                        "the daily rain adds up to")
    if data.has(MONTHLY_TEMPERATURE, DAILY_MAX):
        highs = data.wide(DAILY_MAX).iloc[:, 0]
        mean_high = highs.groupby(highs.index.to_period("M")).mean()
        for period, value in data.wide(MONTHLY_TEMPERATURE).iloc[:, 0].dropna().items():
            month = period.to_period("M")
            if month not in mean_high.index:
                continue
            check.checked += 1
            gap = mean_high[month] - value
            if not 1.0 <= gap <= 9.0:
                check.fail(f"{MONTHLY_TEMPERATURE} {month}: mean {value:g} ℃ against daily highs averaging "
                           f"{mean_high[month]:.1f} ℃")
    return check


def _weights(data: _Data, ind: Indicator, periods: pd.DatetimeIndex) -> pd.DataFrame | None:
    weight = data.wide(ind.weight_code)
    if weight.empty:
        return None
    weight = weight.reindex(columns=data.districts)
    position = np.searchsorted(weight.index.values, periods.values, side="right") - 1
    rows = weight.iloc[np.clip(position, 0, len(weight) - 1)].to_numpy()
    return pd.DataFrame(rows, index=periods, columns=data.districts)


def _check_aggregation(data: _Data) -> Check:
    check = Check("aggregation", "city = its districts by the aggregation rule")
    city = data.city.adcode
    for ind in data.catalog:
        if (ind.spatial_level != "district" or ind.aggregation == "none" or not data.has(ind.code)
                or ind.code in CITY_MEASURED):  # the city's own air figures, checked against its own days
            continue
        table = data.wide(ind.code)
        if city not in table.columns or any(a not in table.columns for a in data.districts):
            continue
        complete = table[data.districts].notna().all(axis=1) & table[city].notna()
        table = table[complete]
        parts, whole = table[data.districts], table[city]
        if ind.aggregation == "sum":
            expected, tolerance = parts.sum(axis=1), 1e-6 * parts.abs().sum(axis=1) + 0.011 * len(data.districts)
        elif ind.aggregation == "mean":
            expected, tolerance = parts.mean(axis=1), 1e-6 * parts.abs().max(axis=1) + 1e-9
        else:
            weights = _weights(data, ind, table.index)
            if weights is None:
                continue
            expected = (parts * weights).sum(axis=1) / weights.sum(axis=1)
            tolerance = 1e-6 * parts.abs().max(axis=1) + 1e-9
        bad = (whole - expected).abs() > tolerance
        check.checked += len(table)
        for period in table.index[bad]:
            check.fail(f"{ind.code} {period.date()}: city {whole[period]:g}, districts give {expected[period]:g}")
    return check


def _pairs(data: _Data, left: str, right: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    a, b = data.wide(left), data.wide(right)
    index, columns = a.index.intersection(b.index), a.columns.intersection(b.columns)
    return a.loc[index, columns], b.loc[index, columns]


def _decimals(ind: Indicator) -> int:
    from indicators.demo.series import decimals, demo_spec

    return decimals(ind, demo_spec(ind))


def _check_parts(data: _Data) -> Check:
    from indicators.demo import ties

    check = Check("parts", "totals and their parts, daily and monthly counts, shares")

    def compare(label: str, actual: pd.DataFrame, expected: pd.DataFrame, tolerance) -> None:
        diff = (actual - expected).abs()
        present = actual.notna() & expected.notna()
        check.checked += int(present.to_numpy().sum())
        for period, adcode in zip(*np.nonzero((diff > tolerance).to_numpy() & present.to_numpy())):
            check.fail(f"{label} {_where(actual.columns[adcode], actual.index[period])}: "
                       f"{actual.iat[period, adcode]:g} against {expected.iat[period, adcode]:g}")

    for tie in ties.SUMS:
        if not data.has(tie.total, *tie.parts):
            continue
        total = data.wide(tie.total)
        parts = sum(data.wide(p).reindex_like(total) for p in tie.parts) * tie.factor * (1 + tie.extra)
        # Each rounded part, and at the city row each district's rounded total, may be half a digit off.
        steps = pd.Series([len(tie.parts) + 1 + (len(data.districts) if a == data.city.adcode else 0)
                           for a in total.columns], index=total.columns)
        tolerance = pd.DataFrame(np.outer(np.ones(len(total)), 10.0 ** -_decimals(data.catalog[tie.total]) * steps),
                                 index=total.index, columns=total.columns) + 1e-9
        compare(f"{tie.total} = sum of {'+'.join(tie.parts)}", total, parts, tolerance)
    for tie in ties.SHARES:
        if not data.has(tie.part, tie.total):
            continue
        part, total = _pairs(data, tie.part, tie.total)
        over = part > total + 1e-9
        check.checked += int(part.notna().to_numpy().sum())
        for period, adcode in zip(*np.nonzero(over.to_numpy())):
            check.fail(f"{tie.part} > {tie.total} {_where(part.columns[adcode], part.index[period])}")
    for tie in ties.DAILY_TOTALS:
        if not data.has(tie.monthly, tie.daily):
            continue
        daily = data.wide(tie.daily)
        complete = _complete_months(daily)
        sums = daily.groupby(daily.index.to_period("M")).sum().where(complete) * tie.factor
        sums.index = sums.index.to_timestamp()
        monthly = data.wide(tie.monthly).reindex(index=sums.index, columns=sums.columns)
        # A city row adds its districts' rounded months: one rounding step per district.
        steps = pd.Series([1 + (len(data.districts) if a == data.city.adcode else 0) for a in sums.columns],
                          index=sums.columns)
        tolerance = 10.0 ** -_decimals(data.catalog[tie.monthly]) * steps * 0.51 + 1e-6 * sums.abs()
        diff = (monthly - sums).abs()
        present = monthly.notna() & sums.notna()
        check.checked += int(present.to_numpy().sum())
        for period, adcode in zip(*np.nonzero(((diff > tolerance) & present).to_numpy())):
            check.fail(f"{tie.monthly} = Σ {tie.daily} {_where(sums.columns[adcode], sums.index[period])}: "
                       f"{monthly.iat[period, adcode]:g} against {sums.iat[period, adcode]:g}")
    for tie in ties.RATIOS:
        if not data.has(tie.share, tie.numerator, tie.denominator):
            continue
        share = data.wide(tie.share)
        if data.catalog[tie.share].frequency != data.catalog[tie.numerator].frequency:
            continue  # a weekly share of daily counts: shown, not re-derived here
        top, bottom = data.wide(tie.numerator).reindex_like(share), data.wide(tie.denominator).reindex_like(share)
        compare(f"{tie.share} = {tie.numerator} / {tie.denominator}", share, top / bottom * tie.factor, 0.051)
    _industry_within_secondary(check, data)
    _per_capita_gdp(check, data)
    _income_between(check, data)
    return check


def _year_end(table: pd.DataFrame, month: int) -> pd.DataFrame:
    return table[table.index.month == month]


def _industry_within_secondary(check: Check, data: _Data) -> None:
    if not data.has(INDUSTRY, SECONDARY):
        return
    industry = _year_end(data.wide(INDUSTRY), 12)
    secondary = _year_end(data.wide(SECONDARY), 10)
    for adcode in industry.columns.intersection(secondary.columns):
        for period, value in industry[adcode].dropna().items():
            q4 = secondary[adcode][secondary.index.year == period.year].dropna()
            if q4.empty:
                continue
            check.checked += 1
            if value > q4.iloc[0]:
                check.fail(f"{INDUSTRY} {adcode} {period.year}: industry {value:g} above the secondary sector {q4.iloc[0]:g}")


def _per_capita_gdp(check: Check, data: _Data) -> None:
    if not data.has("ECO-GDP-006", GDP, "ECO-POP-001"):
        return
    per_capita, population = data.wide("ECO-GDP-006"), data.wide("ECO-POP-001")
    gdp = _year_end(data.wide(GDP), 10)
    for adcode in per_capita.columns:
        for period, value in per_capita[adcode].dropna().items():
            annual = gdp[adcode][gdp.index.year == period.year].dropna() if adcode in gdp.columns else pd.Series()
            people = population.at[period, adcode] if period in population.index and adcode in population.columns else np.nan
            if annual.empty or np.isnan(people):
                continue
            check.checked += 1
            expected = annual.iloc[0] * 1e8 / (people * 1e4)
            if abs(value - expected) > 0.005 * expected:
                check.fail(f"ECO-GDP-006 {adcode} {period.year}: {value:,.0f} 元, GDP / residents gives {expected:,.0f}")


def _income_between(check: Check, data: _Data) -> None:
    if not data.has("ECO-INC-001", "ECO-INC-002", "ECO-INC-003"):
        return
    everyone, urban = _pairs(data, "ECO-INC-001", "ECO-INC-002")
    rural = data.wide("ECO-INC-003").reindex_like(everyone)
    inside = (everyone <= urban + 1) & (everyone >= rural - 1)
    present = everyone.notna() & urban.notna() & rural.notna()
    check.checked += int(present.to_numpy().sum())
    for period, adcode in zip(*np.nonzero((present & ~inside).to_numpy())):
        check.fail(f"ECO-INC-001 {_where(everyone.columns[adcode], everyone.index[period])}: outside urban and rural")


def _check_year_to_date(data: _Data) -> Check:
    from indicators.catalog.accumulation import single_values_of

    check = Check("year_to_date", "cumulative amounts never fall within a year; 1—2月 has no January")
    for ind in data.catalog:
        if ind.accumulation != "ytd" or not data.has(ind.code):
            continue
        table = data.wide(ind.code)
        if ind.jan_feb_merged:
            january = table.index.month == 1
            check.checked += len(table)
            for period in table.index[january]:
                check.fail(f"{ind.code} {period.date()}: a January value for an indicator published for 1—2月")
        if not ind.single_periods:
            continue
        for adcode in table.columns:
            column = table[adcode].dropna()
            single = single_values_of(ind, list(column.index), column.to_numpy())
            check.checked += len(single)
            tolerance = 10.0 ** -_decimals(ind) * 2
            for period, value in zip(column.index, single):
                if value < -tolerance:
                    check.fail(f"{ind.code} {_where(adcode, period)}: the cumulative value fell by {-value:g}")
    return check


def _check_derived(data: _Data) -> Check:
    check = Check("derived", "derived indicators = their formula on the stored inputs")
    for ind in data.catalog:
        if ind.formula is None or not data.has(ind.code) or not all(code in data.by_code for code in ind.formula.inputs):
            continue
        inputs = pd.concat([data.by_code[code] for code in ind.formula.inputs])
        inputs = inputs.assign(period=inputs["period"].dt.date)
        expected = evaluate_formula(ind, inputs)
        stored = data.by_code[ind.code].assign(period=lambda f: f["period"].dt.date).set_index(["adcode", "period"])["value"]
        both = expected.index.intersection(stored.index)
        check.checked += len(both)
        differs = ~np.isclose(stored.loc[both].to_numpy(), expected.loc[both].to_numpy(), rtol=1e-6, atol=1e-6)
        for (adcode, period), value, want in zip(both[differs], stored.loc[both][differs], expected.loc[both][differs]):
            check.fail(f"{ind.code} {adcode} {period}: stored {value:g}, formula gives {want:g}")
        for adcode, period in expected.index.difference(stored.index):
            check.fail(f"{ind.code} {adcode} {period}: missing though every input is there")
    return check


def _check_growth(data: _Data) -> Check:
    check = Check("growth", f"published growth within {GROWTH_TOLERANCE:g} points of its level's; 2020Q1 GDP negative")
    for ind in data.catalog:
        if not ind.growth_of or not data.has(ind.code, ind.growth_of):
            continue
        published, level = data.wide(ind.code), data.wide(ind.growth_of)
        for adcode in published.columns.intersection(level.columns):
            tolerance = GROWTH_TOLERANCE
            series = level[adcode].dropna()
            for period, value in published[adcode].dropna().items():
                before = period - pd.DateOffset(months=12)
                if period not in series.index or before not in series.index or series[before] <= 0:
                    continue
                implied = (series[period] / series[before] - 1) * 100
                check.checked += 1
                if abs(value - implied) > tolerance:
                    check.fail(f"{ind.code} {_where(adcode, period)}: published {value:.1f} %, "
                               f"{ind.growth_of} implies {implied:.1f} %")
    if data.has(GDP_GROWTH):
        table = data.wide(GDP_GROWTH)
        q1 = pd.Timestamp(date(2020, 1, 1))
        if q1 in table.index and data.city.adcode in table.columns:
            check.checked += 1
            value = table.at[q1, data.city.adcode]
            if not value < 0:
                check.fail(f"{GDP_GROWTH} 2020Q1: {value:.1f} %, but GDP fell in the first quarter of 2020")
    return check


def _check_ranges(data: _Data) -> Check:
    from indicators.demo.facts import city_profile

    check = Check("ranges", "plausible for the city's climate, air and size")
    profile = city_profile(data.city)
    climate = profile.climate
    if data.has(DAILY_MAX):
        highs = data.wide(DAILY_MAX).iloc[:, 0]
        january = highs[highs.index.month == 1]
        for year, values in january.groupby(january.index.year):
            if len(values) < 28:
                continue
            check.checked += 1
            if abs(values.mean() - climate.tmax[0]) > 3.0:
                check.fail(f"January {year} highs average {values.mean():.1f} ℃; the normal is {climate.tmax[0]:g} ℃")
    if data.has(DAILY_RAIN):
        rain = data.wide(DAILY_RAIN)
        for adcode in data.district_columns(DAILY_RAIN):
            normal = profile.climate_of(adcode)
            for year, values in rain[adcode].groupby(rain.index.year):
                if values.notna().sum() < 360:
                    continue
                check.checked += 1
                total, dry = values.sum(), int((values < 0.1).sum())
                normal_dry = 365 - sum(normal.rain_days)
                if not 0.5 * normal.annual_precipitation <= total <= 1.8 * normal.annual_precipitation:
                    check.fail(f"{adcode} {year}: {total:.0f} mm of rain; the normal is {normal.annual_precipitation:.0f} mm")
                if abs(dry - normal_dry) > 55:
                    check.fail(f"{adcode} {year}: {dry} dry days; the normal is about {normal_dry:.0f}")
    if data.has(O3):
        ceiling = 260 if profile.coastal else 320
        peak = np.nanmax(data.wide(O3).to_numpy())
        check.checked += 1
        if peak > ceiling:
            check.fail(f"ozone 8-hour maximum reaches {peak:.0f} µg/m³ (above {ceiling} is not seen here)")
    if data.has(PM25):
        pm25 = data.wide(PM25)
        check.checked += 2
        if np.nanmax(pm25.to_numpy()) > 400:
            check.fail(f"daily PM2.5 reaches {np.nanmax(pm25.to_numpy()):.0f} µg/m³")
        winter = pm25[pm25.index.month.isin([12, 1, 2])].stack().mean()
        summer = pm25[pm25.index.month.isin([6, 7, 8])].stack().mean()
        if not winter > 1.3 * summer:
            check.fail(f"PM2.5 is not higher in winter ({winter:.0f}) than in summer ({summer:.0f})")
    if data.has("ENV-AIR-016"):
        annual = data.wide("ENV-AIR-016").get(data.city.adcode, pd.Series(dtype=float)).dropna()
        for period, value in annual.items():
            check.checked += 1
            if not 0.5 * profile.pm25 <= value <= 1.6 * profile.pm25:
                check.fail(f"PM2.5 averages {value:.0f} µg/m³ in {period.year}; the city's level is about {profile.pm25:g}")
    if data.has(TYPHOONS) and not profile.coastal:
        check.checked += 1
        if data.wide(TYPHOONS).to_numpy().sum() > 0:
            check.fail("typhoons counted in an inland city")
    if data.has(GUST) and not profile.coastal:
        check.checked += 1
        if np.nanmax(data.wide(GUST).to_numpy()) >= 32.7:
            check.fail("typhoon-force gusts in an inland city")
    if data.has(GDP):
        gdp = _year_end(data.wide(GDP), 10)
        if data.city.adcode in gdp.columns:
            annual = gdp[data.city.adcode].dropna()
            same = annual[annual.index.year == profile.gdp_year]
            check.checked += 1
            if not same.empty and abs(same.iloc[0] / profile.gdp - 1) > 0.03:
                check.fail(f"GDP {profile.gdp_year}: {same.iloc[0]:,.0f} 亿元; the city's is {profile.gdp:,.0f} 亿元")
            if same.empty and not annual.empty:
                check.fail(f"GDP of {profile.gdp_year} (the fact's year) is not in the data")
    return check


def _check_pork(data: _Data) -> Check:
    check = Check("pork", "the CPI's pork prices year on year = the change of the month's mean retail price")
    if not data.has(PORK_PRICE, PORK_CPI):
        return check
    city = data.city.adcode
    daily, change = data.wide(PORK_PRICE).get(city), data.wide(PORK_CPI).get(city)
    if daily is None or change is None:
        return check
    months = daily.dropna().groupby(daily.dropna().index.to_period("M"))
    means = months.mean()[months.size() >= 28]  # months with (nearly) every day's price
    for period, value in change.dropna().items():
        month = period.to_period("M")
        if month in means.index and month - 12 in means.index:
            check.checked += 1
            expected = (means[month] / means[month - 12] - 1) * 100
            if abs(value - expected) > 2.5:  # the index prices every day; the published days may miss a few
                check.fail(f"{PORK_CPI} {_where(city, period)}: {value:g} %, the retail price changed {expected:.1f} %")
    return check


CHECKS = (_check_aqi, _check_air_days, _check_rain, _check_aggregation, _check_parts, _check_year_to_date,
          _check_derived, _check_growth, _check_ranges, _check_pork)


def audit_frame(frame: pd.DataFrame, catalog: Catalog, city: City) -> AuditReport:
    """Audit one city's observations.

    Args:
        frame: the city's observations (the city and its districts): ``code``, ``adcode``, ``period``,
            ``value``.
        catalog: the catalog (aggregation, accumulation, formulas, growth links).
        city: the city (its districts, and its facts for the plausible ranges).

    Returns:
        The report, one entry per check.
    """
    data = _Data(frame, catalog, city)
    return AuditReport(city.key, [check(data) for check in CHECKS])


def audit_store(city: City, catalog: Catalog) -> AuditReport:
    """Audit a city's observations in the current store (``manage.py audit``)."""
    from sqlalchemy import select

    from indicators.store import db
    from indicators.store.models import Observation

    adcodes = [city.adcode, *(d.adcode for d in city.districts)]
    with db.connect() as conn:
        rows = conn.execute(select(Observation.indicator_code, Observation.area_adcode, Observation.period,
                                   Observation.value).where(Observation.area_adcode.in_(adcodes))).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=["code", "adcode", "period", "value"])
    frame["value"] = frame["value"].astype(float)
    return audit_frame(frame, catalog, city)


def with_derived(frame: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Generated observations plus the derived indicators the store would compute from them."""
    from indicators.catalog.entries import derived_order

    derived = {ind.code for ind in catalog if ind.formula is not None}
    parts = [frame[~frame["code"].isin(derived)]]  # the store computes them; it never loads them
    for ind in derived_order(catalog):
        inputs = pd.concat(parts)
        inputs = inputs[inputs["code"].isin(ind.formula.inputs)]
        if inputs.empty:
            continue
        values = evaluate_formula(ind, inputs).rename("value").reset_index()
        values.insert(0, "code", ind.code)
        parts.append(values)
    return pd.concat(parts, ignore_index=True)


def audit_generated(catalog: Catalog, city: City, *, end: date, seed: int) -> AuditReport:
    """Audit a city's demo data as generated (no store needed), adding the check of the AQI against all six
    pollutants, which the simulation has but the catalog does not publish daily."""
    from indicators.demo import build_city, publish
    from indicators.demo.air import aqi

    world = build_city(catalog, city, end=end, seed=seed)
    frame = with_derived(pd.concat(publish(world, catalog), ignore_index=True), catalog)
    report = audit_frame(frame, catalog, city)
    check = Check("aqi_six", "simulated AQI = largest IAQI of all six pollutants, every district and day")
    recomputed = aqi(world.air.concentrations)
    check.checked = int(recomputed.size)
    for i, j in zip(*np.nonzero(recomputed != world.air.aqi)):
        check.fail(f"{world.air.areas[i]} day {j}: {world.air.aqi[i, j]:g} against {recomputed[i, j]:g}")
    report.checks.insert(1, check)
    return report
