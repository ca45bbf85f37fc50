"""Reads of the analyst's map (``pages/map.py``): which indicators have district data in a city,
and every district's value and warning level of one indicator over its whole history (the map's
time slider), and the facilities of the point layers as GeoJSON, as typed, cached functions.

Levels follow the warning rules (``indicators.warnings.alerts``): the catalog's thresholds as they apply to
a district (none for summed indicators, see ``levels.area_thresholds``), replaced by a per-area
override when there is one. Like ``queries``, every function returns only what the current viewer may see.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import select

from indicators.accounts.access import current_viewer
from indicators.catalog.levels import area_thresholds, levels_and_scores
from indicators.store import db
from indicators.store.models import (
    Area,
    Facility,
    IndicatorDef,
    Latest,
    Observation,
    ThresholdOverride,
)
from indicators.views.cache import cached
from indicators.views.queries import in_scope, indicators, require_city

HISTORY_COLUMNS = ["adcode", "name_zh", "name_en", "period", "value", "warning"]


@cached
def district_indicators(city_key: str) -> list[str]:
    """The codes of the indicators the viewer may see with data for at least one district of the city, in
    code order.

    Raises:
        AccessDenied: the city is outside the viewer's scope.
    """
    require_city(city_key)
    visible = set(indicators()["code"])
    query = (select(Latest.indicator_code).distinct()
             .join(Area, Area.adcode == Latest.area_adcode)
             .where(Area.city_key == city_key, Area.level == "district")
             .order_by(Latest.indicator_code))
    with db.connect() as conn:
        return [code for (code,) in conn.execute(query) if code in visible]


@cached
def district_history(code: str, city_key: str) -> pd.DataFrame:
    """Every value of one indicator in every district of a city, with its warning level.

    Args:
        code: the indicator.
        city_key: the city.

    Returns:
        Columns ``adcode``, ``name_zh``, ``name_en``, ``period`` (a date), ``value`` and
        ``warning`` (normal/blue/yellow/orange/red/nodata), by period then adcode; empty when
        the indicator is unknown, above the viewer's clearance or has no district data; only the
        districts in the viewer's scope.

    Raises:
        AccessDenied: the city is outside the viewer's scope.
    """
    require_city(city_key)
    if code not in set(indicators()["code"]):
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    with db.connect() as conn:
        meta = conn.execute(select(IndicatorDef.direction, IndicatorDef.aggregation, IndicatorDef.blue,
                                   IndicatorDef.yellow, IndicatorDef.orange, IndicatorDef.red, IndicatorDef.target)
                            .where(IndicatorDef.code == code)).mappings().first()
        rows = conn.execute(select(Area.adcode, Area.name_zh, Area.name_en, Observation.period, Observation.value)
                            .join(Observation, Observation.area_adcode == Area.adcode)
                            .where(Area.city_key == city_key, Area.level == "district",
                                   Observation.indicator_code == code)
                            .order_by(Observation.period, Area.adcode)).all()
        overrides = {adcode: (blue, yellow, orange, red) for adcode, blue, yellow, orange, red in conn.execute(
            select(ThresholdOverride.area_adcode, ThresholdOverride.blue, ThresholdOverride.yellow,
                   ThresholdOverride.orange, ThresholdOverride.red).where(ThresholdOverride.indicator_code == code))}
    frame = in_scope(pd.DataFrame([tuple(row) for row in rows], columns=HISTORY_COLUMNS[:-1]), "adcode")
    if meta is None or frame.empty:
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    catalog = area_thresholds([meta[c] for c in ("blue", "yellow", "orange", "red")], meta["aggregation"], "district")
    per_area = {adcode: overrides.get(adcode, catalog) for adcode in frame["adcode"].unique()}
    thresholds = np.array([[np.nan if v is None else v for v in per_area[a]] for a in frame["adcode"]], dtype=float)
    count = len(frame)
    target = np.nan if meta["target"] is None else meta["target"]
    frame["warning"], _ = levels_and_scores(frame["value"].to_numpy(dtype=float),
                                            np.full(count, meta["direction"], dtype=object),
                                            thresholds.reshape(count, 4), np.full(count, target, dtype=float))
    frame["warning"] = frame["warning"].astype(str)
    return frame


@cached
def facilities(city_key: str, kind: str | None = None) -> dict:
    """The city's facilities (of one kind, or all) as a GeoJSON FeatureCollection of points.

    Args:
        city_key: the city.
        kind: school, hospital, market, monitoring_station or fire_station; None for every kind.

    Returns:
        ``{"type": "FeatureCollection", "features": [...]}``, each a Point at (lon, lat) with the
        properties ``kind``, ``name_zh``, ``name_en``, ``area_adcode`` and ``capacity`` (or None);
        ordered by kind, district and id; only those of districts in the viewer's scope.

    Raises:
        AccessDenied: the city is outside the viewer's scope.
    """
    require_city(city_key)
    query = (select(Facility.kind, Facility.name_zh, Facility.name_en, Facility.area_adcode, Facility.capacity,
                    Facility.lat, Facility.lon)
             .where(Facility.city_key == city_key).order_by(Facility.kind, Facility.area_adcode, Facility.id))
    if kind is not None:
        query = query.where(Facility.kind == kind)
    with db.connect() as conn:
        rows = conn.execute(query).all()
    viewer = current_viewer()
    rows = [row for row in rows if viewer.sees_area(row.area_adcode)]
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
         "properties": {"kind": kind_, "name_zh": zh, "name_en": en, "area_adcode": adcode, "capacity": capacity}}
        for kind_, zh, en, adcode, capacity, lat, lon in rows]}
