"""The forecast batch over a store, on SQLite and PostgreSQL: fills it, skips fresh series, survives failures."""

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from indicators.forecasts import batch as batch
from indicators.store import db
from indicators.store.models import ForecastPoint, ForecastRun
from indicators.views.queries import forecast_of
from tests.store._mini import create_mini_store, write_series


def _monthly(code, adcode, n=48, start="2021-01-01", level=90.0):
    index = pd.date_range(start, periods=n, freq="MS")
    values = level + 2 * np.sin(np.arange(n) * 2 * np.pi / 12) + np.random.default_rng(len(adcode)).normal(0, 0.5, n)
    return pd.DataFrame({"code": code, "adcode": adcode, "period": index.date, "value": values})


@pytest.fixture
def store(store_url):
    create_mini_store(store_url)
    write_series([_monthly("GOV-HOT-001", a) for a in ("350200", "350203", "350206")]
                 + [_monthly("ECO-IND-001", "350200", level=6.0)])
    return store_url


def _count(table) -> int:
    with Session(db.engine()) as session:
        return session.scalar(select(func.count()).select_from(table))


def test_batch_fills_the_store_and_is_incremental(store):
    report = batch.run_batch(workers=2, progress=False)
    assert (report.done, report.skipped_fresh, report.failed) == (4, 0, [])
    assert _count(ForecastRun) == 4 and _count(ForecastPoint) == 4 * batch.HORIZONS["monthly"]
    hotline = forecast_of("GOV-HOT-001", "350203")
    assert len(hotline) == 12 and (hotline["lower_95"] <= hotline["yhat"]).all()
    assert (hotline["upper_95"] <= 100).all()                    # a percentage stays within its range
    assert hotline.attrs["model"] and hotline.attrs["mase"] is not None
    assert batch.summary(report).startswith("4 series forecast, 0 already up to date, 0 failed")
    again = batch.run_batch(workers=2, progress=False)
    assert (again.done, again.skipped_fresh) == (0, 4)            # nothing changed, nothing redone
    write_series([_monthly("ECO-IND-001", "350200", n=1, start="2025-01-01", level=6.2)], replace=False)
    third = batch.run_batch(workers=2, progress=False)
    assert (third.done, third.skipped_fresh) == (1, 3)            # only the series with new data
    assert forecast_of("ECO-IND-001", "350200")["period"].iloc[0].isoformat() == "2025-02-01"
    everything = batch.run_batch(workers=1, everything=True, progress=False)
    assert everything.done == 4


def test_a_failing_series_is_logged_and_skipped(store, monkeypatch, caplog):
    real = batch.forecast

    def fragile(y, *args, **kwargs):
        if y.iloc[-1] < 50:  # the industry growth series, around 6 %
            raise RuntimeError("model exploded")
        return real(y, *args, **kwargs)

    monkeypatch.setattr(batch, "forecast", fragile)  # forked workers inherit the patch
    report = batch.run_batch(workers=2, progress=False)
    assert report.done == 3 and [(c, a) for c, a, _ in report.failed] == [("ECO-IND-001", "350200")]
    assert "model exploded" in report.failed[0][2] and "model exploded" in caplog.text
    assert _count(ForecastRun) == 3
    monkeypatch.setattr(batch, "forecast", real)
    assert batch.run_batch(workers=1, progress=False).done == 1   # the failed one is retried next time


def test_the_indicator_page_names_the_method_and_its_accuracy(store, dash_app, uncached):
    from pages._indicator_parts import forecast_note

    batch.run_batch(workers=1, progress=False)
    hotline = forecast_of("GOV-HOT-001", "350203")
    monthly = {"frequency": "monthly", "derived": ""}
    assert forecast_note(hotline, monthly, 48, "zh") == (
        f"预测方法: ETS、Theta 组合预测(4 个模型等权平均) · 过去12期平均误差 {hotline.attrs['smape']:.1f}%")
    assert forecast_note(hotline, monthly, 48, "en").startswith("Forecast method: ensemble of ETS and Theta")
    assert forecast_note(pd.DataFrame(), monthly, 48, "en") == "No forecast yet (shown after the forecast batch runs)."
    gdp = {"frequency": "quarterly", "derived": "ECO-GDP-003 + ECO-GDP-004 + ECO-GDP-005"}
    assert forecast_note(pd.DataFrame(), gdp, 40, "zh").startswith("本指标由其他指标计算得出(ECO-GDP-003 + ")
