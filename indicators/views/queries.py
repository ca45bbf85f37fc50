"""Every read the pages need, as typed and cached functions returning DataFrames or dicts.

Pages never write SQL: they call these. Results are copies, so callers may change them.

Every function returns only what the current viewer may see (``indicators.accounts.access``): indicators above
their clearance are left out of lists and refused when asked for by code, as are areas and cities
outside their scope (``AccessDenied``).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from indicators.accounts.access import AccessDenied, current_viewer, require_area
from indicators.catalog.accumulation import single_period_values
from indicators.catalog.entries import (
    THEMES,
    TOPICS,
    department_en,
    is_rate_unit,
    source_en,
    unit_en,
)
from indicators.catalog.levels import (
    LEVEL_RANK,
    LEVELS,
    WORST_FIRST,
    Level,
    area_thresholds,
    level_of,
    levels_and_scores,
)
from indicators.catalog.periods import format_period, parse_stored, periods_overdue
from indicators.catalog.search import initials
from indicators.store import db
from indicators.store.models import (
    Alert,
    AlertEvent,
    Area,
    City,
    ForecastPoint,
    ForecastRun,
    HourlyObservation,
    HourlyRevision,
    IndicatorDef,
    Latest,
    LoadBatch,
    Observation,
    Revision,
)
from indicators.views.cache import cached
from indicators.warnings.rules import DIMENSIONLESS, format_number

INDICATOR_COLUMNS = [c.name for c in IndicatorDef.__table__.columns if c.name not in ("catalog_version", "file_values")]


def read_frame(query, columns: list[str] | None = None) -> pd.DataFrame:
    """The rows of ``query`` on the current store as a frame (columns named as given, or as selected)."""
    with db.connect() as conn:
        result = conn.execute(query)
        # Plain tuples: pandas probes Row objects attribute by attribute, which costs more than the query.
        return pd.DataFrame([tuple(row) for row in result], columns=columns or list(result.keys()))


@cached
def indicators() -> pd.DataFrame:
    """All indicator definitions in the store, in code order, with ``topics`` as tuples."""
    frame = read_frame(select(*(IndicatorDef.__table__.c[c] for c in INDICATOR_COLUMNS)).order_by(IndicatorDef.code))
    frame["topics"] = frame["topics"].map(lambda s: tuple(t for t in s.split(";") if t))
    viewer = current_viewer()
    return frame[frame["sensitivity"].map(viewer.sees_sensitivity).astype(bool)].reset_index(drop=True)


def require_indicator(code: str) -> None:
    """Refuse an indicator the current viewer may not see; unknown codes are refused the same way,
    so a refusal does not reveal that a restricted indicator exists.

    Raises:
        AccessDenied: the code is unknown or above the viewer's clearance.
    """
    if code not in set(indicators()["code"]):
        raise AccessDenied(f"indicator {code!r} unknown or not permitted")


def frequency_of(code: str) -> str:
    """An indicator's frequency.

    Raises:
        AccessDenied: the code is unknown or above the viewer's clearance.
    """
    require_indicator(code)
    return str(indicators().set_index("code").at[code, "frequency"])


def require_city(city_key: str) -> None:
    """Refuse a city outside the current viewer's scope.

    Raises:
        AccessDenied: the viewer is bound to another city.
    """
    if not current_viewer().sees_city(city_key):
        raise AccessDenied("city outside your scope")


def in_scope(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """The rows whose area (in ``column``) the current viewer may see."""
    viewer = current_viewer()
    if viewer.city_key is None and not viewer.districts:
        return frame
    return frame[frame[column].map(viewer.sees_area).astype(bool)].reset_index(drop=True)


def search_catalog(text: str = "", *, theme: str | None = None, topic: str | None = None,
                   department: str | None = None, frequency: str | None = None,
                   sensitivity: str | None = None, spatial_level: str | None = None) -> pd.DataFrame:
    """Indicators matching a free-text search and metadata filters.

    Args:
        text: matched case-insensitively against code, Chinese and English name and the pinyin
            initials of the Chinese name.
        theme, topic, department, frequency, sensitivity, spatial_level: exact filters.

    Returns:
        The matching rows of ``indicators()``.
    """
    frame = indicators()
    mask = pd.Series(True, index=frame.index)
    if text.strip():
        needle = text.strip().lower()
        mask &= (frame["code"].str.lower().str.contains(needle, regex=False)
                 | frame["name_zh"].str.lower().str.contains(needle, regex=False)
                 | frame["name_en"].str.lower().str.contains(needle, regex=False)
                 | frame["name_zh"].map(initials).str.contains(needle, regex=False))
    for column, value in (("theme", theme), ("department", department), ("frequency", frequency),
                          ("sensitivity", sensitivity), ("spatial_level", spatial_level)):
        if value:
            mask &= frame[column] == value
    if topic:
        mask &= frame["topics"].map(lambda topics: topic in topics)
    return frame[mask].reset_index(drop=True)


@cached
def cities() -> pd.DataFrame:
    """The cities in the store the viewer may see: key, adcode, names."""
    frame = read_frame(select(City.key, City.adcode, City.name_zh, City.name_en))
    return frame[frame["key"].map(current_viewer().sees_city).astype(bool)].reset_index(drop=True)


@cached
def areas(city_key: str) -> pd.DataFrame:
    """A city's areas the viewer may see, the city first then its districts by adcode.

    Raises:
        AccessDenied: the city is outside the viewer's scope.
    """
    require_city(city_key)
    query = select(Area.adcode, Area.level, Area.name_zh, Area.name_en, Area.population).where(
        Area.city_key == city_key).order_by(Area.level, Area.adcode)
    return in_scope(read_frame(query), "adcode")


# A relative change on a base below this share of the indicator's typical level says nothing
# (daily rainfall after a dry day: +3931%), so none is given.
MIN_BASE_SHARE = 0.05


def _pct_change(new: pd.Series, old: pd.Series, typical: pd.Series) -> pd.Series:
    old = old.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = (new.astype(float) - old) / old.abs() * 100
    meaningful = old.notna() & (old != 0) & (old.abs() >= MIN_BASE_SHARE * typical.astype(float).abs())
    return change.where(meaningful)


SNAPSHOT_COLUMNS = ["code", "name_zh", "name_en", "theme", "topics", "unit", "frequency", "direction", "department",
                    "source", "spatial_level", "aggregation", "accumulation", "jan_feb_merged", "blue", "yellow",
                    "orange", "red", "target", "sensitivity", "headline", "typical"]


@cached
def latest_snapshot(adcode: str, today: date | None = None) -> pd.DataFrame:
    """The newest value of every indicator of one area, with its comparisons and level.

    Args:
        adcode: the area (a city or a district).
        today: the day freshness is judged on (today by default).

    Returns:
        One row per indicator that has data for the area: the indicator's metadata and
        ``period``, ``value``, ``prev_value``, ``yoy_value``, ``mom``, ``yoy`` and their
        ``change_unit`` (``%`` relative change; ``pp`` percentage points for indicators in %); for a
        year-to-date indicator ``value`` is cumulative and ``yoy`` the cumulative growth (累计同比), ``mom``
        is missing, and ``period_value``/``period_yoy`` give the single period (当月, 当月同比) where the
        indicator is an amount,
        ``level`` (normal/blue/yellow/orange/red), ``score`` (0–100 or NaN) and
        ``overdue`` (periods past due, 0 when on time), ``recent`` (the newest values, oldest
        first, for sparklines), ``hour`` (an hourly series' newest hour, ``2025-06-30T14:00``; else None),
        worst level first; only indicators within the viewer's clearance.

    Raises:
        AccessDenied: the area is outside the viewer's scope.
    """
    require_area(adcode)
    columns = [IndicatorDef.__table__.c[c] for c in SNAPSHOT_COLUMNS]
    frame = read_frame(select(*columns, Latest.period, Latest.value, Latest.prev_value, Latest.yoy_value, Latest.count,
                          Latest.period_value, Latest.period_yoy_value, Latest.recent, Area.level.label("area_level"))
                   .join(Latest, Latest.indicator_code == IndicatorDef.code)
                   .join(Area, Area.adcode == Latest.area_adcode)
                   .where(Latest.area_adcode == adcode))
    frame = frame[frame["sensitivity"].map(current_viewer().sees_sensitivity).astype(bool)].reset_index(drop=True)
    frame["topics"] = frame["topics"].map(lambda s: tuple(t for t in s.split(";") if t))
    pairs = [json.loads(text or "[]") for text in frame["recent"]]
    frame["recent"] = [[value for _, value in series] for series in pairs]
    # An hourly series' newest hour (its ``period`` is that hour's day).
    frame["hour"] = [series[-1][0] if frequency == "hourly" and series else None
                     for frequency, series in zip(frame["frequency"], pairs)]
    # A rate's change is read in percentage points (5.2% → 5.5% is +0.3 pp, not +5.8%).
    in_percent = frame["unit"] == "%"
    for name, base in (("mom", "prev_value"), ("yoy", "yoy_value")):
        points = frame["value"].astype(float) - frame[base].astype(float)
        frame[name] = points.where(in_percent, _pct_change(frame["value"], frame[base], frame["typical"]))
    frame["period_yoy"] = _pct_change(frame["period_value"], frame["period_yoy_value"], frame["typical"])
    frame["change_unit"] = np.where(in_percent, "pp", "%")
    thresholds = frame[["blue", "yellow", "orange", "red"]].to_numpy(dtype=float, copy=True)
    # Thresholds of summed indicators are for the city total (see levels.area_thresholds).
    thresholds[((frame["aggregation"] == "sum") & (frame["area_level"] == "district")).to_numpy()] = np.nan
    frame["level"], frame["score"] = levels_and_scores(frame["value"].to_numpy(dtype=float), frame["direction"].to_numpy(),
                                                       thresholds, frame["target"].to_numpy(dtype=float))
    today = today or date.today()
    frame["overdue"] = [periods_overdue(p, f, today, bool(m))
                        for p, f, m in zip(frame["period"], frame["frequency"], frame["jan_feb_merged"])]
    rank = frame["level"].map(LEVEL_RANK).to_numpy()
    order = np.lexsort((frame["code"].to_numpy(), -rank))
    return frame.iloc[order].drop(columns="area_level").reset_index(drop=True)


@cached
def series(code: str, adcode: str, start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """One indicator's history for one area, with the revisions of each period.

    Returns:
        Columns ``period``, ``value``, ``revisions`` (how many times corrected),
        ``first_value`` (the value first loaded, NaN when never corrected) and ``period_value`` (the
        single period's value — 当月, 当季 — of a year-to-date amount, whose ``value`` is cumulative; NaN
        for other indicators), by period.

    Raises:
        AccessDenied: the indicator or the area is not the viewer's to see.
    """
    require_indicator(code)
    require_area(adcode)
    meta = indicators().set_index("code").loc[code]
    revised = (select(Revision.period, func.count().label("revisions"), func.min(Revision.id).label("first_id"))
               .where(Revision.indicator_code == code, Revision.area_adcode == adcode)
               .group_by(Revision.period).subquery())
    first = Revision.__table__.alias("first_revision")
    query = (select(Observation.period, Observation.value, revised.c.revisions, first.c.old_value)
             .outerjoin(revised, revised.c.period == Observation.period)
             .outerjoin(first, first.c.id == revised.c.first_id)
             .where(Observation.indicator_code == code, Observation.area_adcode == adcode))
    if start:
        query = query.where(Observation.period >= start)
    if end:
        query = query.where(Observation.period <= end)
    frame = read_frame(query.order_by(Observation.period), ["period", "value", "revisions", "first_value"])
    frame["revisions"] = frame["revisions"].fillna(0).astype(int)
    frame["first_value"] = frame["first_value"].astype(float)
    single = meta["accumulation"] == "ytd" and not is_rate_unit(meta["unit"])
    frame["period_value"] = single_period_values(frame["period"], frame["value"], frequency=meta["frequency"],
                                                 jan_feb_merged=bool(meta["jan_feb_merged"])) if single else np.nan
    return frame


@cached
def hourly_series(code: str, adcode: str, hours: int = 48, start: datetime | None = None,
                  end: datetime | None = None) -> pd.DataFrame:
    """An hourly indicator's values for one area: ``hours`` hours up to ``end`` (the series' newest hour by
    default), or from ``start`` to ``end`` when ``start`` is given.

    Returns:
        Columns ``observed_at`` (local time), ``value``, ``revisions`` (how many times corrected), by hour.

    Raises:
        AccessDenied: the indicator or the area is not the viewer's to see.
    """
    require_indicator(code)
    require_area(adcode)
    where = (HourlyObservation.indicator_code == code, HourlyObservation.area_adcode == adcode)
    if end is None:
        end = read_frame(select(func.max(HourlyObservation.observed_at)).where(*where), ["end"])["end"].iat[0]
        if end is None or pd.isna(end):
            return pd.DataFrame({"observed_at": pd.Series(dtype="datetime64[ns]"), "value": pd.Series(dtype=float),
                                 "revisions": pd.Series(dtype=int)})
        end = pd.Timestamp(end).to_pydatetime()
    start = start or end - timedelta(hours=hours - 1)
    revised = (select(HourlyRevision.observed_at, func.count().label("revisions"))
               .where(HourlyRevision.indicator_code == code, HourlyRevision.area_adcode == adcode)
               .group_by(HourlyRevision.observed_at).subquery())
    frame = read_frame(select(HourlyObservation.observed_at, HourlyObservation.value, revised.c.revisions)
                       .outerjoin(revised, revised.c.observed_at == HourlyObservation.observed_at)
                       .where(*where, HourlyObservation.observed_at.between(start, end))
                       .order_by(HourlyObservation.observed_at), ["observed_at", "value", "revisions"])
    frame["observed_at"] = pd.to_datetime(frame["observed_at"])
    frame["value"] = frame["value"].astype(float)
    frame["revisions"] = frame["revisions"].fillna(0).astype(int)
    return frame


def _indicator_row(code: str) -> dict:
    require_indicator(code)
    with db.connect() as conn:
        row = conn.execute(select(IndicatorDef.direction, IndicatorDef.aggregation, IndicatorDef.blue,
                                  IndicatorDef.yellow, IndicatorDef.orange, IndicatorDef.red, IndicatorDef.target)
                           .where(IndicatorDef.code == code)).mappings().first()
    if row is None:
        raise KeyError(f"unknown indicator {code}")
    return dict(row)


@cached
def area_values(code: str, city_key: str, period: date | None = None) -> pd.DataFrame:
    """All areas of a city for one indicator at one period (maps, rankings).

    Args:
        code: the indicator.
        city_key: the city.
        period: the period; the newest period with data when not given.

    Returns:
        One row per area with data: ``adcode``, ``level`` (city/district), names,
        ``period``, ``value`` and ``warning`` level, districts ranked best first; only the areas
        in the viewer's scope.

    Raises:
        AccessDenied: the indicator or the city is not the viewer's to see.
    """
    require_city(city_key)
    meta = _indicator_row(code)
    in_city = select(Area.adcode).where(Area.city_key == city_key)
    if period is None:
        with db.connect() as conn:
            period = conn.scalar(select(func.max(Latest.period)).where(
                Latest.indicator_code == code, Latest.area_adcode.in_(in_city)))
    frame = in_scope(read_frame(select(Area.adcode, Area.level, Area.name_zh, Area.name_en, Area.population,
                                    Observation.period, Observation.value)
                             .join(Observation, Observation.area_adcode == Area.adcode)
                             .where(Area.city_key == city_key, Observation.indicator_code == code,
                                    Observation.period == period)), "adcode")
    thresholds = [meta[c] for c in ("blue", "yellow", "orange", "red")]
    frame["warning"] = [level_of(v, meta["direction"], area_thresholds(thresholds, meta["aggregation"], lvl),
                                 meta["target"]) for v, lvl in zip(frame["value"], frame["level"])]
    ascending = meta["direction"] == "down"
    return frame.sort_values(["level", "value"], ascending=[True, ascending]).reset_index(drop=True)


@cached
def district_ranks(city_key: str) -> pd.DataFrame:
    """Every district's rank among the city's districts on each headline indicator.

    Ranked on the newest value of each district, best first by the indicator's direction
    (rank 1 = highest for "up", lowest for "down"); indicators steered to a target are not ranked.

    Returns:
        Columns ``code``, ``adcode``, ``value``, ``period``, ``rank`` and ``of`` (districts ranked), for the
        indicators and districts the viewer may see (a district's rank is among all the city's districts).

    Raises:
        AccessDenied: the city is outside the viewer's scope.
    """
    require_city(city_key)
    query = (select(Latest.indicator_code.label("code"), Latest.area_adcode.label("adcode"), Latest.value,
                    Latest.period, IndicatorDef.direction)
             .join(IndicatorDef, IndicatorDef.code == Latest.indicator_code)
             .join(Area, Area.adcode == Latest.area_adcode)
             .where(Area.city_key == city_key, Area.level == "district", IndicatorDef.headline.is_(True),
                    IndicatorDef.direction.in_(("up", "down"))))
    frame = read_frame(query)
    signed = frame["value"].astype(float).where(frame["direction"] == "down", -frame["value"].astype(float))
    frame["rank"] = signed.groupby(frame["code"]).rank(method="min").astype("Int64")
    frame["of"] = frame.groupby("code")["adcode"].transform("size")
    frame = in_scope(frame[frame["code"].isin(set(indicators()["code"]))], "adcode")
    return frame.drop(columns="direction").sort_values(["code", "rank"]).reset_index(drop=True)


@cached
def theme_scores(adcode: str) -> pd.DataFrame:
    """Per-theme health score (0–100, see ``indicators.catalog.levels``) and counts by level for an area.

    Returns:
        One row per theme in catalog order: ``theme``, ``name_zh``, ``name_en``, ``score``
        (NaN when no indicator of the theme has thresholds and data), ``indicators``
        (with data) and one count column per level.
    """
    snapshot = latest_snapshot(adcode)
    rows = []
    for theme, (name_zh, name_en) in THEMES.items():
        part = snapshot[snapshot["theme"] == theme]
        counts = part["level"].value_counts()
        rows.append({"theme": theme, "name_zh": name_zh, "name_en": name_en,
                     "score": float(part["score"].mean()) if part["score"].notna().any() else np.nan,
                     "indicators": len(part),
                     **{level: int(counts.get(level, 0)) for level in ("normal", "blue", "yellow", "orange", "red")}})
    return pd.DataFrame(rows)


@cached
def last_update() -> datetime | None:
    """When data last arrived in the store (the newest finished load)."""
    with db.connect() as conn:
        return conn.scalar(select(func.max(LoadBatch.finished_at)).where(LoadBatch.status == "ok"))


def store_stats() -> dict:
    """Counts for ``manage.py stats``: indicators by theme and topic, areas and observations by city."""
    frame = indicators()
    topics = pd.Series([t for ts in frame["topics"] for t in ts]).value_counts()
    with db.connect() as conn:
        per_area = dict(conn.execute(select(Observation.area_adcode, func.count()).group_by(Observation.area_adcode)).all())
        area_city = conn.execute(select(Area.adcode, Area.city_key)).all()
        city_keys = [k for (k,) in conn.execute(select(City.key))]
    by_city = {key: {"areas": 0, "observations": 0} for key in city_keys}
    for adcode, key in area_city:
        by_city[key]["areas"] += 1
        by_city[key]["observations"] += per_area.get(adcode, 0)
    return {
        "indicators": len(frame),
        "themes": {t: int((frame["theme"] == t).sum()) for t in THEMES},
        "topics": {t: int(topics.get(t, 0)) for t in TOPICS},
        "cities": by_city,
        "observations": sum(per_area.values()),
    }


@cached
def forecast_of(code: str, adcode: str) -> pd.DataFrame:
    """The stored forecast of one series with its intervals.

    Returns:
        Columns ``period``, ``yhat``, ``lower_80``, ``upper_80``, ``lower_95``, ``upper_95``;
        ``attrs`` holds ``model``, ``mase``, ``smape`` and ``created_at`` (empty frame when
        the series has no forecast yet).

    Raises:
        AccessDenied: the indicator or the area is not the viewer's to see.
    """
    require_indicator(code)
    require_area(adcode)
    frame = read_frame(select(ForecastPoint.period, ForecastPoint.yhat, ForecastPoint.lower_80, ForecastPoint.upper_80,
                          ForecastPoint.lower_95, ForecastPoint.upper_95)
                   .where(ForecastPoint.indicator_code == code, ForecastPoint.area_adcode == adcode)
                   .order_by(ForecastPoint.period))
    with db.connect() as conn:
        run = conn.execute(select(ForecastRun.model, ForecastRun.mase, ForecastRun.smape, ForecastRun.created_at)
                           .where(ForecastRun.indicator_code == code, ForecastRun.area_adcode == adcode)).first()
    if run is not None:
        frame.attrs.update(model=run.model, mase=run.mase, smape=run.smape, created_at=run.created_at)
    return frame


ALERT_COLUMNS = ["id", "indicator_code", "area_adcode", "rule", "level", "state", "department", "sentence_zh",
                 "sentence_en", "period", "opened_at", "updated_at", "closed_at"]


@cached
def alerts(city_key: str | None = None, *, adcode: str | None = None, code: str | None = None,
           theme: str | None = None, topic: str | None = None, level: str | None = None, rule: str | None = None,
           department: str | None = None, state: str | None = "open", alert_id: int | None = None) -> pd.DataFrame:
    """Alerts matching the filters, worst level first, newest first within a level.

    Args:
        city_key: only the city's areas (the city and its districts).
        adcode, code, theme, topic, level, rule, department: exact filters (code: the indicator).
        state: ``open`` (new, acknowledged or dispatched), a single state, or None for all.
        alert_id: one alert only.

    Returns:
        One row per alert with the indicator's names, theme and sensitivity and the area's names; only
        alerts of indicators and areas the viewer may see.

    Raises:
        AccessDenied: the city is outside the viewer's scope.
    """
    if city_key:
        require_city(city_key)
    query = select(*(Alert.__table__.c[c] for c in ALERT_COLUMNS))
    if state == "open":
        query = query.where(Alert.state.in_(("new", "acknowledged", "dispatched")))
    elif state:
        query = query.where(Alert.state == state)
    for column, value in ((Alert.area_adcode, adcode), (Alert.indicator_code, code), (Alert.level, level),
                          (Alert.rule, rule), (Alert.department, department), (Alert.id, alert_id)):
        if value:
            query = query.where(column == value)
    if city_key:
        query = query.where(Alert.area_adcode.in_(areas(city_key)["adcode"].tolist()))
    frame = read_frame(query)
    meta = indicators()[["code", "name_zh", "name_en", "theme", "topics", "unit", "frequency", "sensitivity"]]
    frame = in_scope(frame.merge(meta.rename(columns={"code": "indicator_code"}), on="indicator_code"), "area_adcode")
    if theme:
        frame = frame[frame["theme"] == theme]
    if topic:
        frame = frame[frame["topics"].map(lambda topics: topic in topics).astype(bool)]
    with db.connect() as conn:
        names = pd.DataFrame(conn.execute(select(Area.adcode, Area.name_zh, Area.name_en)).all(),
                             columns=["area_adcode", "area_zh", "area_en"])
    frame = frame.merge(names, on="area_adcode", how="left")
    frame["rank"] = frame["level"].map(LEVEL_RANK)
    return frame.sort_values(["rank", "updated_at"], ascending=[False, False]).drop(columns="rank").reset_index(drop=True)


@cached
def alert_history(alert_id: int) -> pd.DataFrame:
    """One alert's events, oldest first: who did what, when, with which comment.

    Raises:
        AccessDenied: the alert is not one the viewer may see (or does not exist).
    """
    if alerts(state=None, alert_id=alert_id).empty:
        raise AccessDenied("alert unknown or not permitted")
    return read_frame(select(AlertEvent.at, AlertEvent.user, AlertEvent.action, AlertEvent.from_state,
                         AlertEvent.to_state, AlertEvent.level, AlertEvent.department, AlertEvent.comment)
                  .where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id))



def level_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Alerts by level, worst first, of a frame of ``alerts`` (every level, 0 where there are none)."""
    counts = frame["level"].value_counts() if not frame.empty else {}
    return {level: int(counts.get(level, 0)) for level in WORST_FIRST}


def alert_counts(city_key: str | None = None, **filters) -> dict[str, int]:
    """Alerts by level for the same filters as ``alerts`` (open ones by default): the one count that the home
    page, the screen, the alert centre and the phone show.

    Raises:
        AccessDenied: the city is outside the viewer's scope.
    """
    return level_counts(alerts(city_key, **filters))


def explain_level(code: str, adcode: str, lang: str = "zh") -> str:
    """The sentence that explains an indicator's current colour in an area.

    Says the newest value and period, the threshold it passed (or that it passed none), the
    source and the responsible department, e.g. "2024年11月 为 79 %,低于黄色阈值 80 %(…)".
    """
    snapshot = latest_snapshot(adcode)
    rows = snapshot[snapshot["code"] == code]
    if rows.empty:
        return "暂无数据。" if lang == "zh" else "No data yet."
    row = rows.iloc[0]
    ytd = row["accumulation"] == "ytd"
    period = parse_stored(row["hour"]) if isinstance(row.get("hour"), str) else row["period"]
    when = format_period(period, row["frequency"], lang, cumulative=ytd, jan_feb_merged=bool(row["jan_feb_merged"]))
    if ytd:
        when += "累计" if lang == "zh" else " (year to date)"
    unit = "" if row["unit"] in DIMENSIONLESS else row["unit"] if lang == "zh" else unit_en(row["unit"])
    value = f"{format_number(row['value'])} {unit}".rstrip()  # an index (AQI 93) has no unit to say
    thresholds = [(level, row[level]) for level in LEVELS if not pd.isna(row[level])]
    if row["level"] in LEVELS:
        threshold = row[row["level"]]
        word_zh, word_en = {"up": ("低于", "below"), "down": ("高于", "above")}.get(row["direction"], ("偏离目标超过", "off target by more than"))
        zh = f"{when}为 {value},{word_zh}{Level(row['level']).label('zh')}阈值 {format_number(threshold)}"
        en = f"{value} in {when}, {word_en} the {row['level']} threshold {format_number(threshold)}"
    elif thresholds:
        zh = f"{when}为 {value},未越过任何预警阈值"
        en = f"{value} in {when}, within all warning thresholds"
    else:
        zh = f"{when}为 {value},该指标未设预警阈值"
        en = f"{value} in {when}; this indicator has no warning thresholds"
    scale = "、".join(f"{Level(l).label('zh')} {format_number(v)}" for l, v in thresholds)
    scale_en = ", ".join(f"{l} {format_number(v)}" for l, v in thresholds)
    if lang == "zh":
        return zh + (f"(阈值:{scale})" if scale else "") + f"。来源:{row['source']};责任单位:{row['department']}。"
    return en + (f" (thresholds: {scale_en})" if scale_en else "") + f". Source: {source_en(row['source'])}; responsible: {department_en(row['department'])}."
