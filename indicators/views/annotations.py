"""Annotations (events on the time axis: a typhoon, a policy, a data-source change) as the charts draw them.

``chart_annotations(city, code, area)`` returns the events that touch one chart: those of the city that name
the chart's indicator or no indicator, and its area or no area; ``city_events(city, start)`` the city's recent
events for the big screen's timeline (its ticker), each within the viewer's clearance and scope. The access rule is the charts' own: the
city, the indicator and the area must be the viewer's to see (``AccessDenied`` otherwise), so an event is
never shown on a chart the viewer could not open, nor one of a district or indicator outside their scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select

from indicators.accounts.access import current_viewer, require_area
from indicators.store import db
from indicators.store.models import Annotation
from indicators.views.cache import cached
from indicators.views.queries import indicators, require_city, require_indicator


@dataclass(frozen=True)
class ChartAnnotation:
    """One event on a chart: its days (``ends_on`` None for a single day), its title in both languages and
    where it came from (``operator`` or ``group``, an alert group's event)."""
    starts_on: date
    ends_on: date | None
    title_zh: str
    title_en: str
    source: str

    def title(self, lang: str) -> str:
        """Its title in ``lang`` (the Chinese one when no English was given)."""
        return (self.title_en or self.title_zh) if lang == "en" else self.title_zh


@cached
def chart_annotations(city_key: str, code: str, adcode: str, start: date | None = None) -> list[ChartAnnotation]:
    """The events of one chart (indicator ``code`` in area ``adcode`` of ``city_key``), oldest first.

    Args:
        city_key: the chart's city.
        code: its indicator; events of no indicator (city-wide ones) are included.
        adcode: its area; events of no area are included.
        start: leave out events that ended before this day (None: all).

    Raises:
        AccessDenied: the city, indicator or area is not the viewer's to see.
    """
    require_city(city_key)
    require_indicator(code)
    require_area(adcode)
    query = (select(Annotation.starts_on, Annotation.ends_on, Annotation.title_zh, Annotation.title_en,
                    Annotation.source)
             .where(Annotation.city_key == city_key, Annotation.indicator_code.in_(("", code)),
                    Annotation.area_adcode.in_(("", adcode)))
             .order_by(Annotation.starts_on, Annotation.id))
    if start is not None:
        query = query.where(or_(Annotation.ends_on >= start, Annotation.starts_on >= start))
    with db.connect() as conn:
        rows = conn.execute(query).all()
    return [ChartAnnotation(row.starts_on, row.ends_on, row.title_zh, row.title_en or "", row.source) for row in rows]


@cached
def city_events(city_key: str, start: date, limit: int = 6) -> list[ChartAnnotation]:
    """The city's events under way on or after ``start``, newest first, at most ``limit``: those the viewer may
    see — of no indicator or one within their clearance, of no area or one within their scope.

    Raises:
        AccessDenied: the city is not the viewer's to see.
    """
    require_city(city_key)
    query = (select(Annotation.starts_on, Annotation.ends_on, Annotation.title_zh, Annotation.title_en,
                    Annotation.source, Annotation.indicator_code, Annotation.area_adcode)
             .where(Annotation.city_key == city_key, or_(Annotation.ends_on >= start, Annotation.starts_on >= start))
             .order_by(Annotation.starts_on.desc(), Annotation.id.desc()))
    with db.connect() as conn:
        rows = conn.execute(query).all()
    visible, viewer = set(indicators()["code"]), current_viewer()
    seen = [row for row in rows if (not row.indicator_code or row.indicator_code in visible)
            and (not row.area_adcode or viewer.sees_area(row.area_adcode))]
    return [ChartAnnotation(row.starts_on, row.ends_on, row.title_zh, row.title_en or "", row.source)
            for row in seen[:limit]]
