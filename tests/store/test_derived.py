"""Derived indicators and year-to-date values in the store, on SQLite and PostgreSQL: recomputed in the
transaction that changed an input, checked when a file gives them, never disagreeing with their inputs."""

from datetime import date

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.cities import load_cities
from indicators.catalog.accumulation import previous_in_year
from indicators.catalog.entries import CatalogError, load_catalog
from indicators.catalog.periods import year_ago
from indicators.ingest.catalog_edits import edit_indicator, store_catalog, sync_catalog
from indicators.ingest.loading import load_bytes, undo_load
from indicators.store import db
from indicators.store.derived import evaluate
from indicators.store.models import Latest, Observation
from indicators.store.writes import sync_city
from indicators.views.queries import series

NEW, GONE, NET = "MKT-ENT-006", "MKT-ENT-011", "MKT-ENT-013"  # net = new × 10000 − deregistered
LOANS, LOAN_GROWTH = "ECO-FIN-002", "ECO-FIN-003"  # growth(loans)
SIMING, HULI = "350203", "350206"


@pytest.fixture
def store(store_url: str) -> str:
    """A migrated store with the real catalog and every configured city, no observations."""
    db.upgrade(store_url)
    with Session(db.engine()) as session, session.begin():
        sync_catalog(session, load_catalog())
        for city in load_cities().values():
            sync_city(session, city)
    return store_url


def _load(rows: list[tuple[str, str, str, float]], name: str = "parts.csv"):
    text = "指标代码,地区,时间,数值\n" + "".join(f"{c},{a},{p},{v}\n" for c, a, p, v in rows)
    return load_bytes(text.encode("utf-8"), name, user="tester")


def _stored(code: str, adcode: str) -> dict[date, float]:
    with db.connect() as conn:
        return dict(conn.execute(select(Observation.period, Observation.value).where(
            Observation.indicator_code == code, Observation.area_adcode == adcode)).all())


def _count() -> int:
    with db.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Observation))


def test_a_derived_indicator_follows_its_inputs_through_loads_corrections_and_undo(store):
    first = _load([(NEW, SIMING, "2024年1月", 0.52), (GONE, SIMING, "2024年1月", 1300),
                   (NEW, SIMING, "2024年2月", 0.31), (NEW, HULI, "2024年1月", 0.4)])
    assert first.ok, first.text()
    assert _stored(NET, SIMING) == {date(2024, 1, 1): pytest.approx(3900.0)}  # February lacks its deregistrations
    assert _stored(NET, HULI) == {}
    fix = _load([(GONE, SIMING, "2024年1月", 1500), (GONE, SIMING, "2024年2月", 1000)], "fix.csv")
    assert fix.ok and (fix.inserted, fix.updated) == (1, 1)
    assert _stored(NET, SIMING) == {date(2024, 1, 1): pytest.approx(3700.0), date(2024, 2, 1): pytest.approx(2100.0)}
    with db.connect() as conn:
        latest = conn.execute(select(Latest.period, Latest.value).where(
            Latest.indicator_code == NET, Latest.area_adcode == SIMING)).one()
    assert latest == (date(2024, 2, 1), pytest.approx(2100.0))
    undo_load(fix.batch_id)
    assert _stored(NET, SIMING) == {date(2024, 1, 1): pytest.approx(3900.0)}
    undo_load(first.batch_id)
    assert _stored(NET, SIMING) == {} and _count() == 0
    with db.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Latest)) == 0


def test_a_file_may_give_a_derived_value_that_agrees_and_one_that_disagrees_rejects_the_file(store):
    agreeing = _load([(NEW, SIMING, "2024年1月", 0.52), (GONE, SIMING, "2024年1月", 1300),
                      (NET, SIMING, "2024年1月", 3900)])
    assert agreeing.ok, agreeing.text()
    assert _stored(NET, SIMING) == {date(2024, 1, 1): pytest.approx(3900.0)}
    before = _count()
    wrong = _load([(NEW, SIMING, "2024年3月", 0.5), (GONE, SIMING, "2024年3月", 1000),
                   (NET, SIMING, "2024年3月", 4100), (NET, HULI, "2024年3月", 10)], "wrong.csv")
    assert not wrong.ok and _count() == before  # nothing of it written
    reasons = {error.row: error.reason for error in wrong.errors}
    assert "differs from 4000" in reasons[4] and "an input is missing" in reasons[5]


def test_growth_of_a_stock_is_computed_on_its_levels(store):
    report = _load([(LOANS, "350200", "2023-01", 10000), (LOANS, "350200", "2024-01", 10850),
                    (LOANS, "350200", "2024-02", 11000)])
    assert report.ok, report.text()
    assert _stored(LOAN_GROWTH, "350200") == {date(2024, 1, 1): pytest.approx(8.5)}  # February has no base


def test_an_indicator_with_loaded_values_cannot_become_derived_and_a_new_formula_recomputes(store):
    _load([(NEW, SIMING, "2024年1月", 0.52), (GONE, SIMING, "2024年1月", 1300)])
    with pytest.raises(CatalogError, match="loaded values"):
        edit_indicator(NEW, {"derived": f"{GONE} / 10000"})
    with pytest.raises(CatalogError, match="depend on each other"):
        edit_indicator(GONE, {"derived": f"{NET} + 1"})
    edit_indicator(NET, {"derived": f"{NEW} * 10000"})
    assert _stored(NET, SIMING) == {date(2024, 1, 1): pytest.approx(5200.0)}
    assert store_catalog()[NET].derived == f"{NEW} * 10000"


# ---- the demo store ---------------------------------------------------------------------------------------------

def _history(codes: list[str]) -> pd.DataFrame:
    with db.connect() as conn:
        rows = conn.execute(select(Observation.indicator_code, Observation.area_adcode, Observation.period,
                                   Observation.value).where(Observation.indicator_code.in_(codes))).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["code", "adcode", "period", "value"])


def test_every_derived_value_of_the_demo_store_equals_its_formula(use_demo_store):
    catalog = store_catalog()
    derived = [ind for ind in catalog if ind.formula is not None]
    assert len(derived) >= 5
    for indicator in derived:
        inputs = _history(list(indicator.formula.inputs))
        stored = _history([indicator.code]).set_index(["adcode", "period"])["value"]
        computed = evaluate(indicator, inputs)
        assert len(stored) > 0 and set(stored.index) == set(computed.index), indicator.code
        assert np.allclose(stored.sort_index().to_numpy(), computed.sort_index().to_numpy(), rtol=1e-9), indicator.code


def test_year_to_date_latest_values_derive_from_the_cumulative_series(use_demo_store):
    catalog = store_catalog()
    with db.connect() as conn:
        latest = conn.execute(select(Latest.indicator_code, Latest.area_adcode, Latest.period, Latest.value,
                                     Latest.prev_value, Latest.yoy_value, Latest.period_value)
                              .where(Latest.indicator_code.in_([i.code for i in catalog if i.accumulation == "ytd"]))
                              ).all()
    assert latest
    for code, adcode, period, value, prev, yoy_value, single in latest:
        indicator = catalog[code]
        history = series(code, adcode).set_index("period")["value"]
        assert prev is None  # 环比 of cumulative values means nothing
        assert yoy_value == history.get(year_ago(period, indicator.frequency))  # 累计同比 compares cumulatives
        if not indicator.single_periods:
            assert single is None
            continue
        before = previous_in_year(period, indicator.frequency, indicator.jan_feb_merged)
        expected = value if before is None else value - history.get(before, np.nan)
        assert (single is None and np.isnan(expected)) or single == pytest.approx(expected), code


def test_a_catalog_file_that_makes_an_indicator_derived_recomputes_it_and_touches_nothing_else(store):
    catalog = load_catalog()
    plain = catalog.indicators
    without = type(catalog)(tuple(ind.model_copy(update={"derived": ""}) if ind.code == NET else ind for ind in plain),
                            "before")
    with Session(db.engine()) as session, session.begin():
        sync_catalog(session, without)
    report = _load([(NEW, SIMING, "2024年1月", 0.52), (GONE, SIMING, "2024年1月", 1300), (NET, SIMING, "2024年1月", 1),
                    (NET, HULI, "2024年1月", 7)])
    assert report.ok, report.text()
    assert _stored(NET, SIMING) == {date(2024, 1, 1): 1.0}
    with Session(db.engine()) as session, session.begin():
        sync_catalog(session, catalog)  # the file now says NET = NEW × 10000 − GONE
    assert _stored(NET, SIMING) == {date(2024, 1, 1): pytest.approx(3900.0)}
    assert _stored(NET, HULI) == {date(2024, 1, 1): 7.0}  # no inputs there: the loaded value stays
    assert _stored(NEW, SIMING) == {date(2024, 1, 1): 0.52} and _stored(GONE, SIMING) == {date(2024, 1, 1): 1300.0}


def test_a_year_to_date_series_is_forecast_by_its_single_months_and_a_derived_one_not_at_all(store):
    from indicators.forecasts import batch as batch
    from indicators.store.models import ForecastRun
    from indicators.views.queries import forecast_of

    retail = "ECO-CON-001"  # 社零, year to date, 1—2月 published together
    rng = np.random.default_rng(5)
    rows, published = [], {}
    for year in (2021, 2022, 2023, 2024):
        total = 0.0
        for month in range(2, 12 if year == 2024 else 13):
            total += (200.0 if month == 2 else 100.0) * (1.05 ** (year - 2021)) + rng.normal(0, 2)
            label = f"{year}年1—{month}月"
            rows.append((retail, "350200", label, round(total, 2)))
            published[date(year, month, 1)] = round(total, 2)
    parts = [(code, "350200", f"{year}年一季度", 100 + i) for year in (2023, 2024)
             for i, code in enumerate(("ECO-GDP-003", "ECO-GDP-004", "ECO-GDP-005"))]
    report = _load(rows + parts, "retail.csv")
    assert report.ok, report.text()
    run = batch.run_batch(everything=True, workers=1, progress=False, cluster="")
    assert not run.failed
    ahead = forecast_of(retail, "350200").set_index("period")
    assert date(2025, 1, 1) not in ahead.index  # January is never published, nor forecast
    december = ahead.loc[date(2024, 12, 1), "yhat"]
    # The year's total continues from 1—11月, by about one month's worth.
    assert 0.7 * 105 * 1.05 ** 3 < december - published[date(2024, 11, 1)] < 1.3 * 105 * 1.05 ** 3
    assert ahead.loc[date(2025, 2, 1), "yhat"] < 0.5 * december  # a new year starts from 1—2月
    assert (ahead["lower_95"] <= ahead["yhat"]).all() and (ahead["yhat"] <= ahead["upper_95"]).all()
    with db.connect() as conn:
        codes = set(conn.execute(select(ForecastRun.indicator_code)).scalars())
    assert retail in codes and "ECO-GDP-003" in codes and "ECO-GDP-001" not in codes
