"""The demo data generator: deterministic, consistent with the catalog, and realistic."""

from __future__ import annotations

import time
from datetime import date

import holidays
import numpy as np
import pandas as pd
import pytest

from geo.cities import City, District, load_cities
from indicators.catalog.entries import (
    CATALOG_PATH,
    Indicator,
    load_catalog,
    parse_catalog,
)
from indicators.demo import (
    COLUMNS,
    DEFAULT_START,
    build_city,
    demo_periods,
    demo_spec,
    generate_city,
    parse_demo_hints,
    spring_festival,
)

END = date(2025, 6, 30)
SEED = 7
HEADER = (
    "code,name_zh,name_en,theme,topics,unit,frequency,direction,department,source,spatial_level,aggregation,"
    "blue,yellow,orange,red,target,min_value,max_value,typical,headline,definition,demo"
)
CATALOG_CSV = HEADER + """
ECO-POP-001,常住人口,Resident population,economy,,万人,yearly,neutral,市统计局,统计年鉴,district,sum,,,,,,0,,530,,年末常住人口,trend=0.015
ECO-GDP-001,地区生产总值,Gross domestic product,economy,industry,亿元,quarterly,up,市统计局,季度核算,district,sum,,,,,,0,,2100,true,季度GDP,trend=0.06
ECO-IND-001,规上工业增加值,Value added of industry above designated size,economy,industry,亿元,monthly,up,市工信局,月报,district,sum,,,,,,0,,230,,月度,
ECO-INC-001,居民人均可支配收入,Per-capita disposable income,economy,,元,quarterly,up,市统计局,住户调查,district,wmean:ECO-POP-001,,,,,,0,,17000,,季度,trend=0.05
CIT-MET-001,地铁日客运量,Metro daily ridership,public_service,city_operation,万人次,daily,neutral,市交通局,地铁集团,city,none,,,,,,0,,110,true,日客运量,season=spring_festival+weekday;trend=0.05
GOV-HOT-001,12345热线日受理量,12345 hotline calls per day,governance,petition;city_operation,件,daily,neutral,市政务服务中心,12345平台,district,sum,,,,,,0,,4200,,日受理量,
CIT-PWR-001,全社会用电负荷,Power load,economy,city_operation,万千瓦,daily,neutral,国网供电公司,调度,city,none,,,,,,0,,650,,日最高负荷,season=summer+spring_festival+weekday
TOU-VIS-001,A级景区游客量,Scenic area tourist visits,economy,,万人次,daily,up,市文旅局,票务,city,none,,,,,,0,,9,,日接待,season=weekday
EMR-RSC-001,消防救援出警数,Fire and rescue dispatches,governance,emergency;safety,起,daily,down,市消防救援支队,119,district,sum,80,100,130,170,,0,,42,,日出警,
EMR-RSC-002,突发事件数,Emergency incidents per month,governance,emergency,起,monthly,down,市应急管理局,月报,district,sum,400,480,560,650,,0,,260,,月度,
HLT-FEV-001,发热门诊就诊人次,Fever clinic visits,public_service,health,人次,daily,down,市卫健委,哨点医院,district,sum,9000,12000,16000,20000,,0,,2600,,日就诊,
HLT-INF-001,法定传染病发病率,Notifiable infectious disease incidence,public_service,health,1/10万,monthly,down,市疾控中心,传染病报告,district,mean,60,75,90,110,,0,,25,,月发病率,
ENV-PM2-001,PM2.5平均浓度,PM2.5 concentration,environment,,μg/m³,monthly,down,市生态环境局,国控站,district,mean,35,50,75,115,,0,1000,21,true,月均,
ENV-AQG-001,空气质量优良天数比例,Share of days with good air,environment,,%,monthly,up,市生态环境局,国控站,district,wmean:ECO-POP-001,90,85,80,75,,0,100,97.5,,月度,breach
ENV-PHV-001,饮用水源pH,Drinking water source pH,environment,,无量纲,monthly,target,市水利局,水源地监测,district,mean,0.5,0.8,1.1,1.5,7.2,0,14,7.3,,月均,breach
SAF-CRM-001,刑事案件立案数,Criminal cases filed,governance,safety,起,monthly,down,市公安局,警综平台,district,sum,1300,1500,1700,1900,,0,,900,,月度,trend=-0.04;breach
SAF-TRF-001,交通事故死亡人数,Road deaths,governance,safety,人,weekly,down,市公安局交警支队,事故系统,district,sum,12,15,18,22,,0,,5,,周度,
PUB-BED-001,每千人口床位数,Hospital beds per 1000 people,public_service,health,张/千人,yearly,up,市卫健委,统计年报,district,wmean:ECO-POP-001,4.5,4,3.5,3,,0,,6.1,,年度,
PUB-SCH-001,中小学入学率,School enrolment rate,public_service,,%,yearly,up,市教育局,教育统计,district,mean,98,97,96,95,,0,100,99.6,,年度,
PUB-WTR-001,日供水量,Daily water supply,public_service,city_operation,万吨,daily,neutral,市水务集团,调度,district,none,,,,,,0,,120,,日供水,season=summer
MKT-ENT-001,市场主体数,Registered market entities,market,,户,quarterly,up,市市场监管局,登记系统,district,sum,,,,,,0,,820000,,季末,foo=bar;trend=oops
"""


# --------------------------------------------------------------------------- fixtures and helpers


@pytest.fixture(scope="module")
def catalog():
    return parse_catalog(CATALOG_CSV)


@pytest.fixture(scope="module")
def xiamen() -> City:
    return load_cities()["xiamen"]


@pytest.fixture(scope="module")
def frames(catalog, xiamen) -> dict[str, pd.DataFrame]:
    return {frame["code"].iat[0]: frame for frame in generate_city(catalog, xiamen, end=END, seed=SEED)}


def series(frames: dict[str, pd.DataFrame], code: str, adcode: str = "350200") -> pd.Series:
    """One area's values, indexed by period as timestamps (for slicing by date strings)."""
    frame = frames[code]
    rows = frame[frame["adcode"] == adcode]
    return pd.Series(rows["value"].to_numpy(), index=pd.to_datetime(rows["period"])).sort_index()


def table(frames: dict[str, pd.DataFrame], code: str) -> pd.DataFrame:
    """Periods × areas."""
    return frames[code].pivot(index="period", columns="adcode", values="value")


def in_warning(ind: Indicator, value: float) -> bool:
    """Whether a value reaches at least the blue level (catalog docstring semantics)."""
    if ind.direction == "down":
        return value >= ind.blue
    if ind.direction == "up":
        return value <= ind.blue
    return abs(value - ind.target) >= ind.blue


def many_district_means(count: int) -> str:
    """A catalog of ordinary thresholded district means plus a population weight."""
    lines = [HEADER, "ECO-POP-001,常住人口,Population,economy,,万人,yearly,neutral,统计局,年鉴,district,sum,,,,,,0,,530,,人口,"]
    for i in range(count):
        freq = ("monthly", "quarterly", "yearly")[i % 3]
        agg = "wmean:ECO-POP-001" if i % 2 else "mean"
        lines.append(
            f"GOV-TST-{i:03d},指标{i},Indicator {i},governance,,%,{freq},down,统计局,报表,district,{agg},"
            f"40,50,60,70,,0,100,25,,定义,"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- hints and calendar


def test_hints_are_lenient():
    assert parse_demo_hints("trend=0.06; season=summer+weekday ;breach;;Foo=bar") == {
        "trend": "0.06", "season": "summer+weekday", "breach": "", "foo": "bar"
    }
    assert parse_demo_hints("") == {}


def test_spec_defaults_follow_topics_unit_and_name(catalog):
    hotline = demo_spec(catalog["GOV-HOT-001"])
    assert hotline.integer and {"weekday", "spring_festival"} <= hotline.seasons
    assert "typhoon" in demo_spec(catalog["EMR-RSC-001"]).seasons
    assert "epidemic" in demo_spec(catalog["HLT-FEV-001"]).seasons
    assert "winter" in demo_spec(catalog["ENV-PM2-001"]).seasons
    assert demo_spec(catalog["CIT-PWR-001"]).seasons == {"summer", "spring_festival", "weekday"}
    assert demo_spec(catalog["ECO-GDP-001"]).trend == 0.06
    market = demo_spec(catalog["MKT-ENT-001"])  # unreadable trend and unknown key fall back
    assert market.trend == 0.05 and market.integer
    assert demo_spec(catalog["ENV-AQG-001"]).breach
    assert not demo_spec(catalog["ECO-INC-001"]).integer


def test_spring_festival_dates_are_the_lunar_ones():
    assert spring_festival(2024) == date(2024, 2, 10)
    for year in range(2019, 2028):
        calendar = holidays.China(years=year, language="en_US")
        first_day = min(d for d, name in calendar.items() if name == "Chinese New Year (Spring Festival)")
        assert spring_festival(year) == first_day


@pytest.mark.parametrize(
    "frequency, start, end, first, last",
    [
        ("daily", date(2022, 1, 1), END, date(2022, 1, 1), date(2025, 6, 29)),
        ("weekly", DEFAULT_START, END, date(2019, 1, 7), date(2025, 6, 23)),
        ("weekly", DEFAULT_START, date(2025, 6, 29), date(2019, 1, 7), date(2025, 6, 16)),
        ("monthly", DEFAULT_START, END, date(2019, 1, 1), date(2025, 5, 1)),
        ("monthly", DEFAULT_START, date(2025, 7, 1), date(2019, 1, 1), date(2025, 6, 1)),
        ("quarterly", DEFAULT_START, END, date(2019, 1, 1), date(2025, 1, 1)),
        ("quarterly", date(2019, 2, 10), date(2025, 7, 1), date(2019, 4, 1), date(2025, 4, 1)),
        ("yearly", DEFAULT_START, END, date(2019, 1, 1), date(2024, 1, 1)),
    ],
)
def test_periods_are_first_days_complete_before_end(frequency, start, end, first, last):
    periods = demo_periods(frequency, start, end)
    assert periods[0] == first and periods[-1] == last
    assert all(a < b for a, b in zip(periods, periods[1:]))
    check = {
        "daily": lambda d: True,
        "weekly": lambda d: d.weekday() == 0,
        "monthly": lambda d: d.day == 1,
        "quarterly": lambda d: d.day == 1 and d.month in (1, 4, 7, 10),
        "yearly": lambda d: (d.month, d.day) == (1, 1),
    }[frequency]
    assert all(check(d) for d in periods)


def test_no_complete_period_gives_no_frame(catalog, xiamen):
    assert list(generate_city(catalog, xiamen, end=date(2019, 1, 1), daily_start=date(2019, 1, 1))) == []


# --------------------------------------------------------------------------- shape and consistency


def test_same_inputs_same_output_and_seed_matters(catalog, xiamen, frames):
    again = {f["code"].iat[0]: f for f in generate_city(catalog, xiamen, end=END, seed=SEED)}
    other = {f["code"].iat[0]: f for f in generate_city(catalog, xiamen, end=END, seed=SEED + 1)}
    for code, frame in frames.items():
        pd.testing.assert_frame_equal(frame, again[code])
    assert not frames["ECO-GDP-001"]["value"].equals(other["ECO-GDP-001"]["value"])


def test_a_series_does_not_depend_on_the_rest_of_the_catalog(catalog, xiamen, frames):
    subset = [catalog["ECO-POP-001"], catalog["ENV-AQG-001"]]
    alone = {f["code"].iat[0]: f for f in generate_city(subset, xiamen, end=END, seed=SEED)}
    pd.testing.assert_frame_equal(alone["ENV-AQG-001"], frames["ENV-AQG-001"])


def test_one_typed_frame_per_indicator_in_catalog_order(catalog, frames):
    assert list(frames) == [ind.code for ind in catalog]
    for code, frame in frames.items():
        assert tuple(frame.columns) == COLUMNS
        assert frame["value"].dtype == np.float64 and frame["value"].notna().all()
        assert all(type(p) is date for p in frame["period"])
        assert all(isinstance(a, str) for a in frame["adcode"])
        assert not frame.duplicated(["adcode", "period"]).any(), code


def test_areas_city_and_every_district(catalog, xiamen, frames):
    districts = {d.adcode for d in xiamen.districts}
    for ind in catalog:
        areas = set(frames[ind.code]["adcode"])
        expected = {xiamen.adcode} | (districts if ind.spatial_level == "district" else set())
        assert areas == expected, ind.code
        complete = table(frames, ind.code).notna().all(axis=1)
        assert complete.all(), ind.code  # a missing period is missing for every area


def test_series_end_near_end(catalog, frames):
    assert min(frames["CIT-MET-001"]["period"]) == date(2022, 1, 1)  # daily: three years before END's
    for ind in catalog:
        last = max(frames[ind.code]["period"])
        expected = demo_periods(ind.frequency, date(2022, 1, 1) if ind.frequency == "daily" else DEFAULT_START, END)
        assert last in expected[-3:], ind.code  # a late series misses its latest period, no more


@pytest.mark.parametrize("code", ["ECO-GDP-001", "ECO-IND-001", "GOV-HOT-001", "SAF-CRM-001", "MKT-ENT-001"])
def test_districts_add_up_to_the_city(frames, xiamen, code):
    wide = table(frames, code)
    districts = wide[[d.adcode for d in xiamen.districts]]
    np.testing.assert_allclose(wide[xiamen.adcode], districts.sum(axis=1), rtol=1e-9)


@pytest.mark.parametrize("code", ["HLT-INF-001", "ENV-PM2-001", "ENV-PHV-001", "PUB-SCH-001"])
def test_district_mean_is_the_city(frames, xiamen, code):
    wide = table(frames, code)
    np.testing.assert_allclose(wide[xiamen.adcode], wide[[d.adcode for d in xiamen.districts]].mean(axis=1), rtol=1e-9)


@pytest.mark.parametrize("code", ["ECO-INC-001", "ENV-AQG-001", "PUB-BED-001"])
def test_weighted_mean_uses_the_latest_weights(frames, xiamen, code):
    adcodes = [d.adcode for d in xiamen.districts]
    wide, weights = table(frames, code), table(frames, "ECO-POP-001")[adcodes]
    for period, row in wide.iterrows():
        weight = weights[weights.index <= period].iloc[-1] if (weights.index <= period).any() else weights.iloc[0]
        expected = (row[adcodes] * weight).sum() / weight.sum()
        assert row[xiamen.adcode] == pytest.approx(expected, rel=1e-9), (code, period)


def test_aggregation_none_city_is_its_own(frames, xiamen):
    wide = table(frames, "PUB-WTR-001")
    districts = wide[[d.adcode for d in xiamen.districts]]
    assert not np.allclose(wide[xiamen.adcode], districts.sum(axis=1))
    assert not np.allclose(wide[xiamen.adcode], districts.mean(axis=1))


def test_districts_differ_and_the_centre_is_denser(frames):
    gdp = table(frames, "ECO-GDP-001").iloc[-1]
    population = {d.adcode: d.population for d in load_cities()["xiamen"].districts}
    per_person = {a: gdp[a] / p for a, p in population.items()}
    assert max(per_person, key=per_person.get) in ("350203", "350206")  # 思明 or 湖里
    assert per_person["350203"] > 1.3 * per_person["350213"]  # 思明 versus 翔安


def test_values_in_physical_range_and_counts_whole(catalog, frames):
    for ind in catalog:
        values = frames[ind.code]["value"]
        assert ind.min_value is None or values.min() >= ind.min_value, ind.code
        assert ind.max_value is None or values.max() <= ind.max_value, ind.code
        if demo_spec(ind).integer:
            assert (values == values.round()).all(), ind.code


def test_bounded_rate_does_not_pile_up_at_its_maximum(frames):
    share = frames["ENV-AQG-001"]["value"]
    assert (share == 100).mean() < 0.02
    assert share.max() > 97  # but it does move near the top


# --------------------------------------------------------------------------- realism


def test_spring_festival_dip_on_the_lunar_date(frames):
    metro = series(frames, "CIT-MET-001")
    holiday_week = metro["2024-02-10":"2024-02-16"].mean()
    around = pd.concat([metro["2024-01-06":"2024-01-26"], metro["2024-03-02":"2024-03-22"]]).mean()
    assert holiday_week < 0.7 * around
    # a year later the dip moves with the lunar calendar (29 Jan 2025)
    assert metro["2025-01-29":"2025-02-04"].mean() < 0.7 * metro["2025-03-01":"2025-03-21"].mean()
    assert metro["2024-01-29":"2024-02-04"].mean() > holiday_week


def test_spring_festival_dip_falls_in_the_right_month(frames):
    industry = series(frames, "ECO-IND-001")
    assert industry["2023-12":"2024-03"].idxmin() == pd.Timestamp("2024-02-01")  # SF 10 Feb 2024
    assert industry["2022-12":"2023-03"].idxmin() == pd.Timestamp("2023-01-01")  # SF 22 Jan 2023
    assert industry["2024-02-01"] < 0.85 * industry["2024-04-01"]


def test_weekday_effect(frames):
    hotline = series(frames, "GOV-HOT-001")["2023-03":"2023-12"]
    weekend = hotline.index.day_of_week >= 5
    assert hotline[weekend].mean() < 0.9 * hotline[~weekend].mean()
    visits = series(frames, "TOU-VIS-001")["2023-03":"2023-12"]
    weekend = visits.index.day_of_week >= 5
    assert visits[weekend].mean() > 1.1 * visits[~weekend].mean()  # outings rise at weekends


def test_typhoon_spikes_in_emergency_series(frames):
    rescue = series(frames, "EMR-RSC-001")
    assert rescue["2023-07-27":"2023-07-30"].mean() > 2 * rescue["2023-06"].median()  # Doksuri
    monthly = series(frames, "EMR-RSC-002")
    season = monthly.index.month.isin([7, 8, 9])
    assert monthly[season].mean() > 1.1 * monthly[~season].mean()


def test_epidemic_wave_in_health_series(frames):
    fever = series(frames, "HLT-FEV-001")
    assert fever["2022-12-15":"2023-01-05"].mean() > 2 * fever["2022-09":"2022-10"].mean()
    incidence = series(frames, "HLT-INF-001")
    wave = max(incidence["2022-12-01"], incidence["2023-01-01"])
    assert wave > 1.5 * incidence["2022-06":"2022-10"].mean()


def test_summer_peak_and_winter_pollution(frames):
    power = series(frames, "CIT-PWR-001")
    assert power["2024-07":"2024-08"].mean() > 1.1 * power["2024-04"].mean()
    pm = series(frames, "ENV-PM2-001")
    winter, summer = pm[pm.index.month.isin([12, 1])].mean(), pm[pm.index.month.isin([6, 7])].mean()
    assert winter > 1.15 * summer


def test_economic_levels_grow_at_the_citys_rate(frames, xiamen):
    from indicators.demo.facts import city_profile

    gdp = series(frames, "ECO-GDP-001")
    growth = (gdp["2024"].sum() / gdp["2019"].sum()) ** (1 / 5) - 1
    nominal = (city_profile(xiamen).gdp_growth + 0.5) / 100  # real growth of the facts plus prices
    assert abs(growth - nominal) < 0.015  # districts grow at their own pace around it


# --------------------------------------------------------------------------- warnings and gaps


@pytest.mark.parametrize("code", ["ENV-AQG-001", "ENV-PHV-001", "SAF-CRM-001"])
def test_breach_series_cross_blue_at_the_end(catalog, frames, code):
    ind, city = catalog[code], series(frames, code)
    assert in_warning(ind, city.iloc[-1])
    early = city.iloc[: len(city) // 2]
    assert np.mean([in_warning(ind, v) for v in early]) < 0.1  # it drifted there


def test_ordinary_series_end_normal(catalog, frames):
    for ind in catalog:
        # The scripted typhoon closing in at the end (June, a coastal city) drives the storm-driven series.
        if ind.has_thresholds and not demo_spec(ind).breach and "typhoon" not in demo_spec(ind).seasons:
            assert not in_warning(ind, series(frames, ind.code).iloc[-1]), ind.code


def test_a_few_district_means_breach_in_one_district(xiamen):
    catalog = parse_catalog(many_district_means(120))
    districts = [d.adcode for d in xiamen.districts]
    one_district = 0
    for frame in generate_city(catalog, xiamen, end=END, seed=SEED):
        ind = catalog[frame["code"].iat[0]]
        if not ind.has_thresholds:
            continue
        last = table({ind.code: frame}, ind.code).iloc[-1]
        warned = [a for a in districts if in_warning(ind, last[a])]
        assert len(warned) <= 1, ind.code
        one_district += len(warned) == 1
    assert 1 <= one_district <= 15


def test_a_few_gaps_and_late_series_but_weights_complete(xiamen):
    catalog = parse_catalog(many_district_means(150))
    late = gappy = 0
    for frame in generate_city(catalog, xiamen, end=END, seed=SEED):
        ind = catalog[frame["code"].iat[0]]
        expected = demo_periods(ind.frequency, DEFAULT_START, END)
        delivered = sorted(set(frame["period"]))
        if ind.code == "ECO-POP-001":
            assert delivered == expected
        late += delivered[-1] != expected[-1]
        gappy += len(set(expected[:-1]) - set(delivered)) > 0
    assert 1 <= late <= 20 and 1 <= gappy <= 20


def test_city_without_population_still_works(catalog):
    flat = City("flat", "350500", "泉州市", "Quanzhou", "泉州", "x.geojson", (0.0, 0.0), 9, False,
                (District("350502", "鲤城区", "Licheng", 0), District("350521", "惠安县", "Hui'an", 0)))
    frames = {f["code"].iat[0]: f for f in generate_city(catalog, flat, end=END, seed=SEED)}
    wide = table(frames, "ECO-GDP-001")
    np.testing.assert_allclose(wide["350500"], wide[["350502", "350521"]].sum(axis=1), rtol=1e-9)


# --------------------------------------------------------------------------- the real catalog


@pytest.mark.skipif(not CATALOG_PATH.exists(), reason="indicators/catalog/catalog.csv is not written yet")
@pytest.mark.parametrize("key", [key for key, city in load_cities().items() if city.demo])
def test_real_catalog_for_the_demo_cities(key):
    catalog, city = load_catalog(), load_cities()[key]
    started = time.perf_counter()
    frames = list(generate_city(catalog, city, end=END, seed=SEED))
    assert time.perf_counter() - started < 15, "demo generation should take seconds"
    from indicators.demo import RAIL_CODES
    from indicators.demo.facts import city_profile

    without_rail = set() if city_profile(city).metro else RAIL_CODES  # 宁德 has no metro
    from indicators.demo import belongs_to

    # Hourly indicators are split from their days in the store (``demo.hourly``), not generated here.
    assert [f["code"].iat[0] for f in frames] == [ind.code for ind in catalog if ind.frequency != "hourly"
                                                  and ind.code not in without_rail and belongs_to(ind, city)]
    data = pd.concat(frames, ignore_index=True)
    meta = pd.DataFrame([ind.model_dump(include={"code", "spatial_level", "aggregation", "min_value", "max_value"})
                         for ind in catalog])
    data = data.merge(meta, on="code")
    assert data["value"].notna().all()
    assert not (data["value"] < data["min_value"]).any() and not (data["value"] > data["max_value"]).any()
    integer = data["code"].isin([ind.code for ind in catalog if demo_spec(ind).integer])
    assert (data.loc[integer, "value"] == data.loc[integer, "value"].round()).all()
    check_areas_and_aggregation(data, city)
    last = data[data["adcode"] == city.adcode].sort_values("period").groupby("code")["value"].last()
    generator = build_city(catalog, city, end=END, seed=SEED).generator
    for ind in catalog:
        if generator.breaching(ind):  # hinted, and within the city's reach
            assert in_warning(ind, last[ind.code]), ind.code


def check_areas_and_aggregation(data: pd.DataFrame, city: City) -> None:
    """Every district series has all areas, and the city is its districts' sum or mean; the air figures the city
    measures itself lie within its districts' (concentrations, to their rounding) or at most their worst (the AQI)."""
    from indicators.demo.physical import CITY_MEASURED

    district = data[data["spatial_level"] == "district"]
    areas = district.groupby("code")["adcode"].nunique()
    assert (areas == len(city.districts) + 1).all(), areas[areas != len(city.districts) + 1]
    rows = district[district["adcode"] != city.adcode].groupby(["code", "period"])["value"]
    rollup = pd.DataFrame({"sum": rows.sum(), "mean": rows.mean(), "low": rows.min(), "high": rows.max()})
    city_rows = district[district["adcode"] == city.adcode].set_index(["code", "period"])
    joined = city_rows.join(rollup)
    measured = joined.index.get_level_values("code").isin(CITY_MEASURED)
    concentrations = joined.loc[joined.index.get_level_values("code").isin(["ENV-AIR-002", "ENV-AIR-003", "ENV-AIR-004"])]
    assert concentrations["value"].between(concentrations["low"] - 0.5, concentrations["high"] + 0.5).all()
    aqi = joined.xs("ENV-AIR-001", level="code")
    assert (aqi["value"] <= aqi["high"]).all() and (aqi["value"] == aqi["value"].round()).all()
    joined = joined[~measured]
    kind = joined["aggregation"].str.split(":").str[0]
    for rule, column in (("sum", "sum"), ("mean", "mean")):
        part = joined[kind == rule]
        np.testing.assert_allclose(part["value"], part[column], rtol=1e-9)
    weighted = joined[kind == "wmean"]  # a weighted mean lies between the districts
    assert (weighted["value"] <= weighted["high"] + 1e-9).all() and (weighted["value"] >= weighted["low"] - 1e-9).all()
    assert (data[data["spatial_level"] == "city"]["adcode"] == city.adcode).all()


def test_population_follows_the_configured_districts():
    from indicators.demo import POPULATION_CODE

    catalog = load_catalog()
    city = load_cities()["ningde"]
    frame = next(f for f in generate_city(catalog, city, end=date(2025, 6, 30)) if f["code"].iat[0] == POPULATION_CODE)
    census = frame[frame["period"] == date(2020, 1, 1)].set_index("adcode")["value"]  # the 2020 census year
    for district in city.districts:
        assert census[district.adcode] == pytest.approx(district.population / 1e4, abs=0.01)
    assert census[city.adcode] == pytest.approx(city.population / 1e4, abs=0.05)


def test_a_citys_own_industry_is_in_that_city_only_and_at_its_own_scale():
    from indicators.demo import belongs_to

    catalog = load_catalog()
    tea, lithium = catalog["ECO-TEA-001"], catalog["ECO-LIB-001"]
    cities = load_cities()
    assert belongs_to(tea, cities["luan"]) and not belongs_to(tea, cities["xiamen"])
    assert belongs_to(lithium, cities["ningde"]) and not belongs_to(lithium, cities["luan"])
    assert belongs_to(catalog["GOV-GOVS-010"], cities["xiamen"])  # no hint: every city
    frames = {f["code"].iat[0]: f for f in generate_city(catalog, cities["luan"], end=END, seed=SEED)}
    assert "ECO-LIB-001" not in frames and "ECO-TEA-001" in frames
    latest = frames["ECO-TEA-001"]["value"].iat[-1]
    assert 0.8 * tea.typical < latest < 1.25 * tea.typical  # 六安's own tea gardens, not scaled by its GDP
