"""Every read the pages need, as typed and cached functions returning DataFrames or dicts.

Pages never write SQL: they call these. Results are copies, so callers may change them.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from indicators import db
from indicators.cache import cached
from indicators.catalog import THEMES, TOPICS
from indicators.levels import LEVEL_RANK, area_thresholds, level_of, score_of
from indicators.models import Area, City, IndicatorDef, LoadBatch, Latest, Observation, Revision
from indicators.periods import periods_overdue

INDICATOR_COLUMNS = [c.name for c in IndicatorDef.__table__.columns if c.name != "catalog_version"]


def _frame(query, columns: list[str] | None = None) -> pd.DataFrame:
    with db.connect() as conn:
        result = conn.execute(query)
        return pd.DataFrame(result.all(), columns=columns or list(result.keys()))


@cached
def indicators() -> pd.DataFrame:
    """All indicator definitions in the store, in code order, with ``topics`` as tuples."""
    frame = _frame(select(*(IndicatorDef.__table__.c[c] for c in INDICATOR_COLUMNS)).order_by(IndicatorDef.code))
    frame["topics"] = frame["topics"].map(lambda s: tuple(t for t in s.split(";") if t))
    return frame


def search_catalog(text: str = "", *, theme: str | None = None, topic: str | None = None,
                   department: str | None = None, frequency: str | None = None,
                   sensitivity: str | None = None, spatial_level: str | None = None) -> pd.DataFrame:
    """Indicators matching a free-text search and metadata filters.

    Args:
        text: matched case-insensitively against code, Chinese and English name.
        theme, topic, department, frequency, sensitivity, spatial_level: exact filters.

    Returns:
        The matching rows of ``indicators()``.
    """
    frame = indicators()
    mask = pd.Series(True, index=frame.index)
    if text.strip():
        needle = text.strip().lower()
        mask &= (frame["code"].str.lower().str.contains(needle, regex=False)
                 | frame["name_zh"].str.contains(needle, regex=False)
                 | frame["name_en"].str.lower().str.contains(needle, regex=False))
    for column, value in (("theme", theme), ("department", department), ("frequency", frequency),
                          ("sensitivity", sensitivity), ("spatial_level", spatial_level)):
        if value:
            mask &= frame[column] == value
    if topic:
        mask &= frame["topics"].map(lambda topics: topic in topics)
    return frame[mask].reset_index(drop=True)


@cached
def cities() -> pd.DataFrame:
    """The cities in the store: key, adcode, names."""
    return _frame(select(City.key, City.adcode, City.name_zh, City.name_en))


@cached
def areas(city_key: str) -> pd.DataFrame:
    """A city's areas, the city first then its districts by adcode."""
    query = select(Area.adcode, Area.level, Area.name_zh, Area.name_en, Area.population).where(
        Area.city_key == city_key).order_by(Area.level, Area.adcode)
    return _frame(query)


def _pct_change(new: pd.Series, old: pd.Series) -> pd.Series:
    old = old.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = (new.astype(float) - old) / old.abs() * 100
    return change.where(old.notna() & (old != 0))


@cached
def latest_snapshot(adcode: str, today: date | None = None) -> pd.DataFrame:
    """The newest value of every indicator of one area, with its comparisons and level.

    Args:
        adcode: the area (a city or a district).
        today: the day freshness is judged on (today by default).

    Returns:
        One row per indicator that has data for the area: the indicator's metadata and
        ``period``, ``value``, ``prev_value``, ``yoy_value``, ``mom_pct``, ``yoy_pct``,
        ``level`` (normal/blue/yellow/orange/red), ``score`` (0–100 or NaN) and
        ``overdue`` (periods past due, 0 when on time), worst level first.
    """
    latest = _frame(select(Latest.indicator_code.label("code"), Latest.period, Latest.value, Latest.prev_value,
                           Latest.yoy_value, Latest.count).where(Latest.area_adcode == adcode))
    frame = indicators().merge(latest, on="code", how="inner")
    with db.connect() as conn:
        area_level = conn.scalar(select(Area.level).where(Area.adcode == adcode))
    today = today or date.today()
    frame["mom_pct"] = _pct_change(frame["value"], frame["prev_value"])
    frame["yoy_pct"] = _pct_change(frame["value"], frame["yoy_value"])
    rows = frame[["value", "direction", "aggregation", "blue", "yellow", "orange", "red", "target"]].itertuples(
        index=False)
    levels, scores = [], []
    for value, direction, aggregation, *thresholds, target in rows:
        thresholds = area_thresholds([None if pd.isna(t) else t for t in thresholds], aggregation, area_level)
        target = None if pd.isna(target) else target
        levels.append(level_of(value, direction, thresholds, target))
        scores.append(score_of(value, direction, thresholds, target))
    frame["level"] = levels
    frame["score"] = pd.array(scores, dtype="Float64").astype(float)
    frame["overdue"] = [periods_overdue(p, f, today) for p, f in zip(frame["period"], frame["frequency"])]
    frame["rank"] = frame["level"].map(LEVEL_RANK)
    return frame.sort_values(["rank", "code"], ascending=[False, True]).drop(columns="rank").reset_index(drop=True)


@cached
def series(code: str, adcode: str, start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """One indicator's history for one area, with the revisions of each period.

    Returns:
        Columns ``period``, ``value``, ``revisions`` (how many times corrected) and
        ``first_value`` (the value first loaded, NaN when never corrected), by period.
    """
    query = select(Observation.period, Observation.value).where(
        Observation.indicator_code == code, Observation.area_adcode == adcode)
    if start:
        query = query.where(Observation.period >= start)
    if end:
        query = query.where(Observation.period <= end)
    frame = _frame(query.order_by(Observation.period), ["period", "value"])
    revisions = _frame(
        select(Revision.period, func.count().label("revisions"), func.min(Revision.id).label("first_id"))
        .where(Revision.indicator_code == code, Revision.area_adcode == adcode)
        .group_by(Revision.period), ["period", "revisions", "first_id"])
    if revisions.empty:
        frame["revisions"] = 0
        frame["first_value"] = np.nan
        return frame
    first = _frame(select(Revision.id.label("first_id"), Revision.old_value.label("first_value"))
                   .where(Revision.id.in_(revisions["first_id"].tolist())), ["first_id", "first_value"])
    revisions = revisions.merge(first, on="first_id").drop(columns="first_id")
    frame = frame.merge(revisions, on="period", how="left")
    frame["revisions"] = frame["revisions"].fillna(0).astype(int)
    return frame


@cached
def area_values(code: str, city_key: str, period: date | None = None) -> pd.DataFrame:
    """All areas of a city for one indicator at one period (maps, rankings).

    Args:
        code: the indicator.
        city_key: the city.
        period: the period; the newest period with data when not given.

    Returns:
        One row per area with data: ``adcode``, ``level`` (city/district), names,
        ``period``, ``value`` and ``warning`` level, districts ranked best first.
    """
    area_rows = areas(city_key)
    adcodes = area_rows["adcode"].tolist()
    if period is None:
        with db.connect() as conn:
            period = conn.scalar(select(func.max(Latest.period)).where(
                Latest.indicator_code == code, Latest.area_adcode.in_(adcodes)))
        if period is None:
            return area_rows.iloc[0:0].assign(period=None, value=None, warning=None)
    values = _frame(select(Observation.area_adcode.label("adcode"), Observation.period, Observation.value).where(
        Observation.indicator_code == code, Observation.period == period, Observation.area_adcode.in_(adcodes)))
    frame = area_rows.merge(values, on="adcode", how="inner")
    meta = indicators().set_index("code").loc[code]
    thresholds = [None if pd.isna(meta[c]) else meta[c] for c in ("blue", "yellow", "orange", "red")]
    target = None if pd.isna(meta["target"]) else meta["target"]
    frame["warning"] = [level_of(v, meta["direction"], area_thresholds(thresholds, meta["aggregation"], lvl), target)
                        for v, lvl in zip(frame["value"], frame["level"])]
    ascending = meta["direction"] == "down"
    return frame.sort_values(["level", "value"], ascending=[True, ascending]).reset_index(drop=True)


@cached
def theme_scores(adcode: str) -> pd.DataFrame:
    """Per-theme health score (0–100, see ``indicators.levels``) and counts by level for an area.

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
