"""The analyst's map (``pages/map.py``) as one typed, cached view: which indicators a city has district
data for, the picked one's values and levels in every district at one period, the quantile breaks of its
whole history, the clicked district's figures, the city's open alerts and its facilities.

The reads, joins, clamping and access checks happen here; the page only draws the ``MapView``. What the
viewer may see is checked by the reads (``require_city``, ``in_scope``): an indicator above their clearance
or a city outside their scope raises ``AccessDenied``; districts outside their scope are not in the view.
The view is cached as data (``@cached``), keyed by its arguments and the viewer's scope (``CacheContext``).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from geo.cities import get_city
from indicators.accounts.access import AccessDenied, current_viewer, require_area
from indicators.views.cache import cached
from indicators.views.map_queries import district_history, district_indicators, facilities
from indicators.views.queries import alerts, indicators, latest_snapshot

LEVELLED = ("blue", "yellow", "orange", "red")


@dataclass(frozen=True)
class District:
    """A district of the city the viewer may see."""
    adcode: str
    name_zh: str
    name_en: str

    def name(self, lang: str) -> str:
        """Its name in ``lang``."""
        return self.name_en if lang == "en" else self.name_zh


@dataclass(frozen=True)
class DistrictFigures:
    """The clicked district: the map's indicator there at the shown period, its headline indicators
    (``latest_snapshot`` rows, worst first) and its open alerts (``alerts`` rows, worst first)."""
    district: District
    value: float | None
    warning: str
    headlines: pd.DataFrame
    open_alerts: pd.DataFrame


@dataclass(frozen=True)
class MapView:
    """Everything the map page draws for one city, indicator, period and district.

    ``code`` is None when the city has no district data (then the other fields are empty).
    ``rows`` are the districts' values at ``periods[index]`` (``district_history`` columns);
    ``breaks`` the quintile breaks of every period's values (colours compare across periods);
    ``levelled`` whether districts have warning levels (summed indicators' thresholds are the city's).
    """
    city: str
    code: str | None
    codes: list[str]
    options: pd.DataFrame
    meta: dict | None = None
    periods: list[date] = field(default_factory=list)
    index: int = -1
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    breaks: list[float] = field(default_factory=list)
    levelled: bool = False
    districts: list[District] = field(default_factory=list)
    area: District | None = None
    figures: DistrictFigures | None = None
    open_alerts: pd.DataFrame = field(default_factory=pd.DataFrame)
    facilities: dict = field(default_factory=dict)

    @property
    def period(self) -> date | None:
        """The shown period, or None without data."""
        return self.periods[self.index] if self.periods else None


def quantile_breaks(values: Iterable[float], classes: int = 5) -> list[float]:
    """The inner class breaks of ``values`` at equal shares (quintiles by default).

    Args:
        values: the numbers; NaN and None are ignored.
        classes: how many classes at most.

    Returns:
        Ascending, distinct breaks (at most ``classes - 1``); a value belongs to the first class
        whose break it does not exceed (see :func:`quantile_class`). Empty when fewer than two
        distinct values are given.
    """
    numbers = np.array([v for v in values if v is not None], dtype=float)
    numbers = numbers[np.isfinite(numbers)]
    if numbers.size == 0 or np.unique(numbers).size < 2:
        return []
    cuts = np.quantile(numbers, [i / classes for i in range(1, classes)])
    top = float(numbers.max())
    # A break at the maximum would leave its class above it empty.
    return sorted({float(c) for c in cuts if float(c) < top})


def quantile_class(value: float, breaks: Sequence[float]) -> int:
    """The class (0 = lowest) of ``value`` among ``breaks`` (a value equal to a break is below it)."""
    return bisect.bisect_left(list(breaks), value)


def default_code(catalog: pd.DataFrame, codes: Iterable[str],
                 varies: Callable[[str], bool] | None = None) -> str | None:
    """The indicator shown first: a headline indicator whose districts have warning levels
    (thresholds, not summed), monthly first; else any indicator with district data.

    Args:
        catalog: ``queries.indicators()`` rows.
        codes: the indicators with district data.
        varies: when given, within each tier the first indicator for which it is true wins (the map
            then opens on districts of different colours, not on one flat colour).
    """
    rows = catalog[catalog["code"].isin(set(codes))]
    if rows.empty:
        return None
    levelled = rows[rows["headline"].astype(bool) & rows["blue"].notna() & (rows["aggregation"] != "sum")
                    & rows["direction"].isin(("up", "down"))]
    tiers = [levelled[levelled["frequency"] == "monthly"], levelled, rows]
    if varies is not None:
        for frame in tiers:
            for code in frame["code"]:
                if varies(str(code)):
                    return str(code)
    for frame in tiers:
        if not frame.empty:
            return str(frame["code"].iloc[0])
    return None


def _newest_levels_vary(code: str, city_key: str) -> bool:
    history = district_history(code, city_key)
    if history.empty:
        return False
    newest = history[history["period"] == history["period"].max()]
    return newest["warning"].nunique() > 1


def _position(periods: list[date], period: date | int | None) -> int:
    """The slider position of ``period`` (a date, a position, or None for the newest), clamped."""
    newest = len(periods) - 1
    if period is None:
        return newest
    if isinstance(period, date):
        return periods.index(period) if period in periods else newest
    return max(0, min(int(period), newest))


@cached
def map_view(city_key: str, code: str | None = None, period: date | int | None = None,
             area: str | None = None) -> MapView:
    """The map of one city for the current viewer.

    Args:
        city_key: the city.
        code: the indicator; unknown, without district data or None → the default indicator (a headline
            one with warning levels whose districts differ at the newest period).
        period: a period (date), a slider position (int) or None for the newest; unknown → the newest.
        area: a district of the city to show the figures of, or None; unknown → None.

    Raises:
        AccessDenied: the city, or the district asked for, is outside the viewer's scope.
    """
    codes = district_indicators(city_key)
    catalog = indicators()
    options = catalog[catalog["code"].isin(set(codes))][["code", "name_zh", "name_en"]].reset_index(drop=True)
    if code not in set(codes):
        code = default_code(catalog, codes, varies=lambda c: _newest_levels_vary(c, city_key))
    viewer = current_viewer()
    city = get_city(city_key)
    districts = [District(d.adcode, d.name("zh"), d.name("en")) for d in city.districts if viewer.sees_area(d.adcode)]
    if area and any(d.adcode == area for d in city.districts):
        require_area(area)  # a district of this city outside the viewer's scope is refused, not ignored
    chosen = next((d for d in districts if d.adcode == area), None)
    open_alerts = alerts(city_key)
    points = facilities(city_key)
    if code is None:
        return MapView(city_key, None, codes, options, districts=districts, open_alerts=open_alerts, facilities=points)
    rows = catalog[catalog["code"] == code]
    if rows.empty:
        raise AccessDenied(f"indicator {code!r} unknown or not permitted")
    meta = rows.iloc[0].to_dict()
    history = district_history(code, city_key)
    periods = sorted(set(history["period"]))
    index = _position(periods, period)
    shown = history[history["period"] == periods[index]] if periods else history
    # Districts have levels when the catalog's thresholds apply to them or an override gives them some.
    levelled = bool(history["warning"].isin(LEVELLED).any()) or (
        meta["direction"] != "neutral" and not pd.isna(meta["blue"]) and meta["aggregation"] != "sum")
    figures = None
    if chosen is not None:
        row = shown[shown["adcode"] == chosen.adcode]
        snapshot = latest_snapshot(chosen.adcode)
        figures = DistrictFigures(chosen, float(row["value"].iat[0]) if not row.empty and pd.notna(row["value"].iat[0])
                                  else None, row["warning"].iat[0] if not row.empty else "nodata",
                                  snapshot[snapshot["headline"].astype(bool)],
                                  open_alerts[open_alerts["area_adcode"] == chosen.adcode])
    return MapView(city_key, code, codes, options, meta=meta, periods=periods, index=index,
                   rows=shown.reset_index(drop=True), breaks=quantile_breaks(history["value"]), levelled=levelled,
                   districts=districts, area=chosen, figures=figures, open_alerts=open_alerts, facilities=points)
