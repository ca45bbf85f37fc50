"""The demo cities are true to life: each calibrated to its facts, physically and statistically consistent,
with the Spring Festival, 2020 and the scripted episodes going the way they really go."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from geo.cities import load_cities
from indicators.catalog.entries import load_catalog
from indicators.demo import build_city, spring_festival
from indicators.demo.air import aqi, iaqi
from indicators.demo.audit import audit_generated
from indicators.demo.calendar import months_of, years_of
from indicators.demo.facts import city_profile

END = date(2025, 6, 30)
WINTER = date(2026, 1, 20)
SEED = 7
CITIES = ("xiamen", "ningde", "luan")


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def worlds(catalog):
    return {key: build_city(catalog, load_cities()[key], end=END, seed=SEED) for key in CITIES}


def city_values(world, code: str) -> pd.Series:
    """The city row of an indicator, by period (timestamps), delivered periods only."""
    series = world.series(code)
    periods = world.generator.cal.periods[world.generator.by_code[code].frequency]
    row = series.row(world.generator.city.adcode)
    return pd.Series(row[series.keep], index=pd.to_datetime(periods.dates[series.keep]))


# --------------------------------------------------------------------------- the audit


@pytest.mark.slow  # a whole demo city generated and audited: the full suite's, not the fast tier's
@pytest.mark.parametrize("key", CITIES)
def test_the_audit_passes_for_every_demo_city(catalog, key):
    report = audit_generated(catalog, load_cities()[key], end=END, seed=SEED)
    assert report.ok, report.text()
    assert report.check("aqi").checked > 5000 and report.check("growth").checked > 300
    assert report.check("pork").checked >= 24  # the months with a year of daily prices before them


@pytest.mark.slow  # a whole demo city generated and audited: the full suite's, not the fast tier's
def test_the_audit_passes_in_winter_too(catalog):
    report = audit_generated(catalog, load_cities()["luan"], end=WINTER, seed=SEED)
    assert report.ok, report.text()


def test_the_audit_finds_what_is_wrong(catalog):
    from indicators.demo import publish
    from indicators.demo.audit import audit_frame, with_derived

    world = build_city(catalog, load_cities()["xiamen"], end=END, seed=SEED)
    frame = with_derived(pd.concat(publish(world, catalog), ignore_index=True), catalog)
    broken = frame.copy()
    aqi_rows = broken.index[(broken["code"] == "ENV-AIR-001") & (broken["adcode"] == "350203")][:3]
    broken.loc[aqi_rows, "value"] += 40
    rain = broken.index[(broken["code"] == "ENV-MET-004") & (broken["adcode"] == "350205")
                        & (broken["period"] >= date(2023, 1, 1))][:2]  # months the daily rain covers
    broken.loc[rain, "value"] *= 2
    growth = broken.index[(broken["code"] == "ECO-GDP-002") & (broken["period"] == date(2020, 1, 1))]
    broken.loc[growth, "value"] = 5.3
    pork = broken.index[(broken["code"] == "MKT-PRC-008") & (broken["period"] == date(2025, 3, 1))]
    broken.loc[pork, "value"] += 40  # the CPI's pork line against a retail price that did not move so
    report = audit_frame(broken, catalog, load_cities()["xiamen"])
    assert not report.ok
    assert len(report.check("aqi").failures) == 3 and "350203" in report.check("aqi").failures[0]
    assert len(report.check("rain").failures) >= 1
    assert any("2020Q1" in f for f in report.check("growth").failures)
    assert len(report.check("pork").failures) == 1 and "2025-03-01" in report.check("pork").failures[0]


# --------------------------------------------------------------------------- facts and scale


def test_each_city_at_its_real_scale(worlds):
    expected = {"xiamen": (2023, 8066.49), "ningde": (2023, 3807.33), "luan": (2022, 1923.0)}
    for key, (year, gdp) in expected.items():
        sectors = sum(city_values(worlds[key], code) for code in ("ECO-GDP-003", "ECO-GDP-004", "ECO-GDP-005"))
        assert sectors[pd.Timestamp(year, 10, 1)] == pytest.approx(gdp, rel=0.01), key
    population = {key: city_values(worlds[key], "ECO-POP-001")[pd.Timestamp(2020, 1, 1)] for key in CITIES}
    assert population["xiamen"] == pytest.approx(516.4, abs=0.1)
    assert population["ningde"] == pytest.approx(314.7, abs=0.1) and population["luan"] == pytest.approx(439.4, abs=0.1)


def test_missing_facts_are_borrowed_and_say_so():
    notes = dict(city_profile(load_cities()["luan"]).notes)
    assert notes["gdp"].startswith("sourced")
    assert "borrowed from 宁德市" in notes["income_urban"] and "nearest" in notes["income_urban"]
    assert "安徽省 province profile" in notes["pm25"]
    xiamen = dict(city_profile(load_cities()["xiamen"]).notes)
    assert all(not text.startswith("borrowed") for text in xiamen.values())


def test_incomes_and_the_economy_follow_each_city(worlds):
    urban = {key: city_values(worlds[key], "ECO-INC-002") for key in CITIES}
    december = pd.Timestamp(2024, 10, 1)  # the year's cumulative value
    assert urban["xiamen"][december] > 1.4 * urban["ningde"][december]
    gdp_per_person = {key: city_values(worlds[key], "ECO-GDP-006")[pd.Timestamp(2023, 1, 1)] for key in CITIES}
    assert gdp_per_person["xiamen"] > gdp_per_person["ningde"] > gdp_per_person["luan"]


# --------------------------------------------------------------------------- weather


def test_climate_of_each_city(worlds):
    january = {}
    for key, world in worlds.items():
        days = world.generator.cal.days
        january[key] = world.weather.tmax[months_of(days) == 1].mean()
    assert 16.5 <= january["xiamen"] <= 19.5  # mild coastal winter
    assert 6.0 <= january["luan"] <= 9.5  # inland Anhui
    assert january["ningde"] < january["xiamen"]


@pytest.mark.parametrize("key", CITIES)
def test_rain_has_dry_spells_and_skewed_amounts(worlds, key):
    world = worlds[key]
    days = world.generator.cal.days
    rain = world.weather.rain[0]
    full = [y for y in range(2019, 2025)]
    for year in full:
        in_year = rain[years_of(days) == year]
        assert 150 <= (in_year < 0.1).sum() <= 290  # dry days, every year
    wet = rain[rain >= 0.1]
    assert np.median(wet) < 0.6 * wet.mean()  # many light days, a few heavy ones
    assert rain[months_of(days) == 12].max() < 60  # no cloudburst in a dry December
    # A wet day is more likely after a wet day (Markov persistence).
    wet_days = rain >= 0.1
    assert wet_days[1:][wet_days[:-1]].mean() > wet_days[1:][~wet_days[:-1]].mean() + 0.15


def test_typhoons_only_on_the_coast_in_summer_and_autumn(worlds):
    assert worlds["luan"].weather.storms == [s for s in worlds["luan"].weather.storms if s.kind == "rainstorm"]
    assert city_values(worlds["luan"], "ENV-MET-006").sum() == 0
    assert worlds["luan"].weather.gust.max() < 24.5
    storms = [s for s in worlds["xiamen"].weather.storms if s.kind == "typhoon"]
    assert all(6 <= s.day.month <= 10 for s in storms)
    by_month = pd.Series([s.day.month for s in storms]).value_counts()
    assert by_month.idxmax() in (7, 8)
    doksuri = next(s for s in storms if s.name.startswith("Doksuri"))
    days = worlds["xiamen"].generator.cal.days
    index = int(np.flatnonzero(days == np.datetime64(doksuri.day))[0])
    assert worlds["xiamen"].weather.gust[index] >= 32.7  # typhoon force
    assert worlds["xiamen"].weather.rain[:, index - 1:index + 3].sum(axis=1).mean() > 100


# --------------------------------------------------------------------------- air


def test_iaqi_breakpoints_of_hj_633():
    assert iaqi("pm25", np.array([35, 75, 115, 150, 250])).tolist() == [50, 100, 150, 200, 300]
    assert iaqi("pm25", np.array([40.0])).tolist() == [57]  # 56.25, rounded up
    assert iaqi("o3", np.array([160, 215, 265])).tolist() == [100, 150, 200]
    assert iaqi("co", np.array([4.0])).tolist() == [100] and iaqi("pm10", np.array([150])).tolist() == [100]
    assert aqi({"pm25": np.array([80.0]), "pm10": np.array([60.0]), "so2": np.array([5.0]), "no2": np.array([20.0]),
                "co": np.array([0.6]), "o3": np.array([170.0])}).tolist() == [110]  # ozone's 109.1 beats PM2.5's 106.3


@pytest.mark.parametrize("key", CITIES)
def test_air_is_calibrated_and_realistic(worlds, key):
    world = worlds[key]
    air, days = world.air, world.generator.cal.days
    pm25 = air.concentrations["pm25"]
    for year in range(2019, 2025):
        assert 12 <= pm25[:, years_of(days) == year].mean() <= 45
    winter = pm25[:, np.isin(months_of(days), (12, 1, 2))].mean()
    summer = pm25[:, np.isin(months_of(days), (6, 7, 8))].mean()
    assert winter > 1.8 * summer
    ozone = air.concentrations["o3"]
    if world.profile.coastal:
        assert np.percentile(ozone, 99.5) <= 200  # rarely above 200 µg/m³ in Fujian
    assert ozone.max() <= 300
    good = (air.aqi <= 100).mean()
    assert (0.97 if world.profile.coastal else 0.85) <= good <= 1.0


@pytest.mark.parametrize("key", CITIES)
def test_the_citys_air_figures_are_its_own_as_the_network_publishes_them(worlds, key):
    world = worlds[key]
    aqi_of_days = city_values(world, "ENV-AIR-001")
    assert (aqi_of_days == aqi_of_days.round()).all()  # an AQI is a whole number, not a mean of districts'
    assert (city_values(world, "ENV-AIR-002") % 1 == 0).all()  # µg/m³ whole, as published
    good = city_values(world, "ENV-AIR-006")
    for month, share in good.items():
        days = aqi_of_days[aqi_of_days.index.to_period("M") == month.to_period("M")]
        if len(days) == month.days_in_month:  # a whole month: the share is of whole days
            assert share == round(100 * (days <= 100).sum() / len(days), 1), month


def test_xiamen_pm25_level():
    world = build_city(load_catalog(), load_cities()["xiamen"], end=END, seed=SEED)
    annual = city_values(world, "ENV-AIR-016")
    assert all(19 <= v <= 29 for v in annual)


# --------------------------------------------------------------------------- calendar and economy


def _around_festival(series: pd.Series, year: int) -> tuple[float, float]:
    """The month of the Spring Festival, and the mean of the two months before and after it."""
    festival = pd.Timestamp(spring_festival(year)).to_period("M").to_timestamp()
    before, after = festival - pd.DateOffset(months=2), festival + pd.DateOffset(months=3)
    around = series[(series.index >= before) & (series.index <= after) & (series.index != festival)]
    return series[festival], around.mean()


def _single_months(world, code: str) -> pd.Series:
    from indicators.catalog.accumulation import single_values_of

    cumulative = city_values(world, code)
    ind = world.generator.by_code[code]
    return pd.Series(single_values_of(ind, list(cumulative.index), cumulative.to_numpy()), index=cumulative.index)


def test_spring_festival_goes_the_way_it_really_goes(worlds):
    world = worlds["xiamen"]
    tourists = city_values(world, "ECO-CON-008")
    month, around = _around_festival(tourists, 2024)
    assert month > 1.05 * around  # scenic spots and hotels fill at the festival
    metro = city_values(world, "PUB-TRN-001")
    festival = pd.Timestamp(spring_festival(2024))
    assert metro[festival:festival + pd.Timedelta(days=6)].mean() < 0.7 * metro["2024-03-01":"2024-03-21"].mean()
    power = city_values(world, "ECO-IND-015")
    assert power[festival:festival + pd.Timedelta(days=6)].mean() < 0.8 * power["2024-03-01":"2024-03-21"].mean()


def test_2020_slump_then_recovery(worlds):
    for key, world in worlds.items():
        gdp = sum(city_values(world, code) for code in ("ECO-GDP-003", "ECO-GDP-004", "ECO-GDP-005"))
        q1_2020 = gdp[pd.Timestamp(2020, 1, 1)] / gdp[pd.Timestamp(2019, 1, 1)] - 1
        q1_2021 = gdp[pd.Timestamp(2021, 1, 1)] / gdp[pd.Timestamp(2020, 1, 1)] - 1
        published = city_values(world, "ECO-GDP-002")  # comparable prices
        assert q1_2020 < 0 and published[pd.Timestamp(2020, 1, 1)] < -1 and q1_2021 > 0.08, key
        year_2020 = gdp[pd.Timestamp(2020, 10, 1)] / gdp[pd.Timestamp(2019, 10, 1)] - 1
        assert year_2020 > q1_2020  # recovered through the year
    tourism = city_values(worlds["xiamen"], "ECO-CON-008")
    assert tourism["2020-02-01"] < 0.5 * tourism["2019-02-01"]  # deeper than industry
    industry = _single_months(worlds["xiamen"], "ECO-IND-004")
    assert industry["2020-02-01"] > 0.5 * industry["2019-02-01"]


def test_year_to_date_values_and_growth(worlds):
    world = worlds["xiamen"]
    retail = city_values(world, "ECO-CON-001")
    assert not any(period.month == 1 for period in retail.index)  # 1—2月 published together
    for year in (2022, 2023, 2024):
        in_year = retail[retail.index.year == year]
        assert in_year.is_monotonic_increasing
    growth = city_values(world, "ECO-GDP-002")
    assert growth[pd.Timestamp(2020, 1, 1)] < 0 < growth[pd.Timestamp(2021, 1, 1)]


# --------------------------------------------------------------------------- episodes


def test_scripted_episodes_follow_the_season_and_the_coast(catalog):
    summer = build_city(catalog, load_cities()["xiamen"], end=END, seed=SEED)
    kinds = {e.kind for e in summer.episodes}
    assert kinds == {"typhoon", "hotline", "slowdown"}
    assert summer.weather.gust[-1] > 24.5  # the typhoon closing in on the last day
    inland = build_city(catalog, load_cities()["luan"], end=END, seed=SEED)
    assert {e.kind for e in inland.episodes} == {"rainstorm", "hotline", "slowdown"}
    winter = build_city(catalog, load_cities()["luan"], end=WINTER, seed=SEED)
    assert "haze" in {e.kind for e in winter.episodes}
    pm25 = winter.air.concentrations["pm25"]
    assert pm25[:, -1].mean() > 2 * pm25[:, -40:-10].mean()
    wait = city_values(summer, "GOV-HOT-004")
    assert wait.iloc[-1] > 2 * wait.iloc[-30:-10].mean()
