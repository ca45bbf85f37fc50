"""The API's reads and alert actions: each a thin call of the views the pages use, so a token sees exactly what
its account would see on the pages (``indicators.views.queries`` checks clearance and scope before reading)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from indicators.accounts.access import AccessDenied
from indicators.catalog.periods import LOCAL_OFFSET
from indicators.views import quality, queries
from indicators.warnings.alerts import AlertActionError, act
from web.api import ApiError, json_answer, operation, validation_details
from web.api.tables import TableQuery, records, table_answer

FREQUENCIES = ("hourly", "daily", "weekly", "monthly", "quarterly", "yearly")
# pandas period of each frequency, to put finer periods into coarser ones
PANDAS_PERIOD = {"hourly": "h", "daily": "D", "weekly": "W-SUN", "monthly": "M", "quarterly": "Q", "yearly": "Y"}


class CatalogQuery(TableQuery):
    q: str = Field("", max_length=100, description="text in the code, the names or the pinyin initials")
    theme: str | None = None
    topic: str | None = None
    department: str | None = None
    frequency: Literal[FREQUENCIES] | None = None
    sensitivity: Literal["public", "internal", "restricted"] | None = None
    spatial_level: Literal["city", "district"] | None = None


class ObservationsQuery(TableQuery):
    start: date | datetime | None = Field(None, description="first period (inclusive); for an hourly indicator also "
                                                            "an hour, 2025-06-30T08:00 (a date: its first hour)")
    end: date | datetime | None = Field(None, description="last period (inclusive); for an hourly indicator also an "
                                                          "hour (a date: its last hour; neither: the newest 48 hours)")
    frequency: Literal[FREQUENCIES] | None = Field(
        None, description="a coarser frequency than the indicator's own: flows (summed across areas) are summed, "
                          "year-to-date and stock values take the period's last, others the mean")
    measure: Literal["cumulative", "period"] = Field(
        "cumulative", description="for year-to-date amounts: cumulative (累计) or the single period (当月)")


class AlertsQuery(TableQuery):
    city: str | None = None
    adcode: str | None = None
    code: str | None = Field(None, description="indicator code")
    theme: str | None = None
    topic: str | None = None
    level: Literal["blue", "yellow", "orange", "red"] | None = None
    rule: str | None = None
    department: str | None = None
    state: Literal["open", "all", "new", "acknowledged", "dispatched", "resolved", "closed"] = "open"


class AlertAction(BaseModel):
    """One step of an alert's lifecycle."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["acknowledge", "dispatch", "resolve", "close"]
    comment: str = Field("", max_length=2000)
    department: str | None = Field(None, max_length=64, description="for dispatch: the department it goes to")


class QualityQuery(TableQuery):
    today: date | None = Field(None, description="the day timeliness is judged on (today by default)")


@operation("/catalog", summary="Indicators, filtered as on the catalog page", tag="catalog", query=CatalogQuery,
           table=True)
def catalog(params: CatalogQuery):
    frame = queries.search_catalog(params.q, theme=params.theme, topic=params.topic, department=params.department,
                                   frequency=params.frequency, sensitivity=params.sensitivity,
                                   spatial_level=params.spatial_level)
    return table_answer(frame, params)


@operation("/cities", summary="The cities the token may see", tag="catalog", query=TableQuery, table=True)
def cities(params: TableQuery):
    return table_answer(queries.cities(), params)


@operation("/cities/<city_key>/areas", summary="A city's areas (the city, then its districts) within scope",
           tag="catalog", query=TableQuery, table=True)
def city_areas(city_key: str, params: TableQuery):
    return table_answer(queries.areas(city_key), params)


def _resampled(frame: pd.DataFrame, meta: pd.Series, frequency: str) -> pd.DataFrame:
    native = meta["frequency"]
    if frequency == native:
        return frame
    if native not in FREQUENCIES or FREQUENCIES.index(frequency) < FREQUENCIES.index(native) or (
            native == "weekly" and frequency == "monthly"):
        raise ApiError(400, "invalid_parameters", f"{meta.name} is {native}: it can be given at a coarser frequency only",
                       [{"parameter": "frequency", "reason": f"not coarser than {native}"}])
    if frame.empty:
        return frame[["period", "value"]].assign(periods=pd.Series(dtype=int))
    bucket = pd.PeriodIndex(pd.to_datetime(frame["period"]), freq=PANDAS_PERIOD[frequency]).start_time.date
    how = "last" if meta["accumulation"] in ("ytd", "stock") else ("sum" if meta["aggregation"] == "sum" else "mean")
    grouped = frame.groupby(bucket)["value"]
    return pd.DataFrame({"period": list(grouped.groups), "value": grouped.agg(how).to_numpy(),
                         "periods": grouped.size().to_numpy()})


@operation("/series/<code>/<adcode>/observations", summary="One indicator's values for one area, with revisions",
           tag="observations", query=ObservationsQuery, table=True)
def observations(code: str, adcode: str, params: ObservationsQuery):
    if queries.frequency_of(code) == "hourly":
        return _hourly_observations(code, adcode, params)
    frame = queries.series(code, adcode, _day(params.start), _day(params.end))
    meta = queries.indicators().set_index("code").loc[code]
    if params.measure == "period":
        if meta["accumulation"] != "ytd" or frame["period_value"].isna().all() and not frame.empty:
            raise ApiError(400, "invalid_parameters", f"{code} has no single-period (当月) values",
                           [{"parameter": "measure", "reason": "only for year-to-date amounts"}])
        frame = frame.assign(value=frame["period_value"])
    if params.frequency:
        frame = _resampled(frame, meta, params.frequency)
    info = {"code": code, "adcode": adcode, "unit": meta["unit"], "frequency": params.frequency or meta["frequency"],
            "measure": params.measure, "accumulation": meta["accumulation"]}
    return table_answer(frame, params, info)


def _day(moment: date | datetime | None) -> date | None:
    return moment.date() if isinstance(moment, datetime) else moment


def _hour(moment: date | datetime | None, *, last: bool) -> datetime | None:
    """A range bound as a local hour: a date's first (or last) hour, a datetime converted from its zone."""
    if isinstance(moment, datetime):
        return moment.astimezone(LOCAL_OFFSET).replace(tzinfo=None) if moment.tzinfo else moment
    return None if moment is None else datetime.combine(moment, time(23) if last else time(0))


def _hourly_observations(code: str, adcode: str, params: ObservationsQuery):
    meta = queries.indicators().set_index("code").loc[code]
    if params.frequency not in (None, "hourly"):
        raise ApiError(400, "invalid_parameters", f"{code} is hourly: its days are {meta['rolls_up_to']}",
                       [{"parameter": "frequency", "reason": f"ask for {meta['rolls_up_to']} instead"}])
    if params.measure == "period":
        raise ApiError(400, "invalid_parameters", f"{code} has no single-period (当月) values",
                       [{"parameter": "measure", "reason": "only for year-to-date amounts"}])
    start, end = _hour(params.start, last=False), _hour(params.end, last=True)
    if start is not None and end is None:
        end = datetime.combine(date.today(), time(23))
    frame = queries.hourly_series(code, adcode, start=start, end=end)
    frame = frame.rename(columns={"observed_at": "period"}).assign(period=lambda f: f["period"].dt.strftime(
        "%Y-%m-%dT%H:%M"))
    info = {"code": code, "adcode": adcode, "unit": meta["unit"], "frequency": "hourly", "measure": "cumulative",
            "accumulation": meta["accumulation"], "time_zone": "Asia/Shanghai"}
    return table_answer(frame, params, info)


@operation("/areas/<adcode>/latest", summary="The newest value of every indicator of a city or district, with its "
           "comparisons and warning level", tag="observations", query=TableQuery, table=True)
def latest(adcode: str, params: TableQuery):
    return table_answer(queries.latest_snapshot(adcode), params)


@operation("/series/<code>/<adcode>/forecast", summary="A series' stored forecast with 80% and 95% intervals",
           tag="forecasts", query=TableQuery, table=True)
def forecast(code: str, adcode: str, params: TableQuery):
    frame = queries.forecast_of(code, adcode)
    return table_answer(frame, params, {"code": code, "adcode": adcode, **frame.attrs})


def _alerts(params: AlertsQuery | None = None, alert_id: int | None = None) -> pd.DataFrame:
    if alert_id is not None:
        return queries.alerts(state=None, alert_id=alert_id)
    return queries.alerts(params.city, adcode=params.adcode, code=params.code, theme=params.theme, topic=params.topic,
                          level=params.level, rule=params.rule, department=params.department,
                          state=None if params.state == "all" else params.state)


@operation("/alerts", summary="Alerts, filtered as on the alerts page, worst first", tag="alerts", query=AlertsQuery,
           table=True)
def alert_list(params: AlertsQuery):
    return table_answer(_alerts(params), params)


def _one_alert(alert_id: int) -> dict:
    frame = _alerts(alert_id=alert_id)
    if frame.empty:  # unknown and not permitted alike, so a refusal tells nothing
        raise ApiError(404, "not_found", f"no alert #{alert_id} you may see")
    return records(frame)[0]


@operation("/alerts/<int:alert_id>", summary="One alert", tag="alerts")
def alert_detail(alert_id: int):
    return json_answer(_one_alert(alert_id))


@operation("/alerts/<int:alert_id>/history", summary="One alert's events, oldest first", tag="alerts",
           query=TableQuery, table=True)
def alert_events(alert_id: int, params: TableQuery):
    try:
        return table_answer(queries.alert_history(alert_id), params)
    except AccessDenied:
        raise ApiError(404, "not_found", f"no alert #{alert_id} you may see") from None


@operation("/alerts/<int:alert_id>/actions", summary="Acknowledge, dispatch, resolve or close an alert",
           tag="alerts", method="POST", body=AlertAction, writes=True)
def alert_action(alert_id: int):
    from web.api.push import json_body

    try:
        step = AlertAction.model_validate(json_body())
    except ValidationError as exc:
        raise ApiError(400, "invalid_body", "invalid alert action", validation_details(exc)) from None
    _one_alert(alert_id)
    try:
        act(alert_id, step.action, comment=step.comment, department=step.department)
    except AlertActionError as exc:
        raise ApiError(409, "not_allowed_now", str(exc)) from None
    return json_answer(_one_alert(alert_id))


@operation("/quality/<city_key>", summary="Data quality of a city's indicators: timeliness, gaps, outliers",
           tag="quality", query=QualityQuery, table=True)
def data_quality(city_key: str, params: QualityQuery):
    return table_answer(quality.indicator_quality(city_key, params.today), params)
