"""Annotations read through their typed view and drawn on the indicator chart, within the viewer's access
(SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import delete

import app as app_module  # noqa: F401 - creates the Dash app, which registers the pages
from indicators.accounts.access import AccessDenied, Viewer
from indicators.store import db
from indicators.store.models import Annotation
from tests.helpers import request_context

CODE = "ENV-AIR-010"
RESTRICTED = "GOV-PET-001"
EVENTS = [  # (indicator, area, starts, ends, zh, en)
    ("", "", date(2024, 7, 20), date(2024, 7, 28), "台风“格美”影响", "Typhoon Gaemi"),
    (CODE, "", date(2024, 3, 1), None, "国六排放标准全面实施", ""),
    (CODE, "350203", date(2023, 6, 1), None, "思明区监测站迁址", "Siming station moved"),
    ("ECO-IND-002", "", date(2024, 1, 1), None, "另一指标的事件", "Another indicator's event"),
    (RESTRICTED, "", date(2024, 5, 1), None, "信访系统切换", "Petition system changed"),
]


@pytest.fixture
def events(use_demo_store, uncached):
    with db.transaction() as session:
        rows = [Annotation(city_key="xiamen", indicator_code=code, area_adcode=area, starts_on=start, ends_on=end,
                           title_zh=zh, title_en=en, source="operator", created_by="test",
                           created_at=datetime(2026, 1, 1)) for code, area, start, end, zh, en in EVENTS]
        rows.append(Annotation(city_key="ningde", indicator_code="", area_adcode="", starts_on=date(2024, 2, 1),
                               title_zh="宁德的事件", title_en="Ningde's event", source="operator", created_by="test",
                               created_at=datetime(2026, 1, 1)))
        session.add_all(rows)
    yield
    with db.transaction() as session:
        session.execute(delete(Annotation).where(Annotation.created_by == "test"))


def test_a_chart_gets_the_events_of_its_city_indicator_and_area(dash_app, events):
    from indicators.views.annotations import chart_annotations

    with request_context(dash_app.server):
        city = chart_annotations("xiamen", CODE, "350200")
        siming = chart_annotations("xiamen", CODE, "350203")
        recent = chart_annotations("xiamen", CODE, "350203", start=date(2024, 1, 1))
    assert [e.title_zh for e in city] == ["国六排放标准全面实施", "台风“格美”影响"]
    assert [e.title_zh for e in siming] == ["思明区监测站迁址", "国六排放标准全面实施", "台风“格美”影响"]
    assert [e.title_zh for e in recent] == ["国六排放标准全面实施", "台风“格美”影响"]
    typhoon = city[1]
    assert typhoon.ends_on == date(2024, 7, 28) and typhoon.title("en") == "Typhoon Gaemi"
    assert city[0].title("en") == "国六排放标准全面实施"  # no English given: the Chinese title


def test_annotations_honour_clearance_and_scope(dash_app, events):
    from indicators.views.annotations import chart_annotations

    with request_context(dash_app.server, viewer=Viewer("ana", "analyst", "internal")):
        with pytest.raises(AccessDenied):
            chart_annotations("xiamen", RESTRICTED, "350200")  # above the analyst's clearance
    with request_context(dash_app.server, viewer=Viewer("lead", "leader", "restricted")):
        assert [e.title_zh for e in chart_annotations("xiamen", RESTRICTED, "350200")][0] == "信访系统切换"
    ningde = Viewer("nd", "analyst", "internal", "ningde")
    with request_context(dash_app.server, viewer=ningde):
        with pytest.raises(AccessDenied):
            chart_annotations("xiamen", CODE, "350200")  # another city
        assert [e.title_zh for e in chart_annotations("ningde", CODE, "350900")] == ["宁德的事件"]
    huli = Viewer("hl", "analyst", "internal", "xiamen", frozenset({"350206"}))
    with request_context(dash_app.server, viewer=huli):
        with pytest.raises(AccessDenied):
            chart_annotations("xiamen", CODE, "350203")  # a district outside the account's scope


def test_the_indicator_chart_draws_its_events(dash_app, events):
    from pages.indicator import build_indicator

    with request_context(dash_app.server):
        content = build_indicator(CODE, "xiamen", "en", "350203")
    graph = next(c for c in _all(content) if getattr(c, "className", None) == "history-graph")
    labels = [a.text for a in graph.figure.layout.annotations if a.name == "event"]
    assert labels == ["Siming station moved", "国六排放标准全面实施", "Typhoon Gaemi"]
    kinds = [s.type for s in graph.figure.layout.shapes if s.name == "event"]
    assert kinds == ["line", "line", "rect"]


def _all(component):
    if isinstance(component, list):
        for item in component:
            yield from _all(item)
        return
    yield component
    children = getattr(component, "children", None)
    if children is not None and not isinstance(children, str):
        yield from _all(children)


def test_the_screen_timeline_shows_the_citys_recent_events_within_access(dash_app, events):
    from indicators.views.annotations import city_events

    ours = {zh for *_, zh, _ in EVENTS} | {"宁德的事件"}  # the demo's own alert-group events may be there too

    def titles(viewer: Viewer, start: date, city: str = "xiamen") -> list[str]:
        with request_context(dash_app.server, viewer=viewer):
            return [e.title_zh for e in city_events(city, start, limit=50) if e.title_zh in ours]

    leader = Viewer("lead", "leader", "restricted")
    # Newest first; the 2023 station move (one day, long before) is not under way since 2024.
    assert titles(leader, date(2024, 1, 1)) == ["台风“格美”影响", "信访系统切换", "国六排放标准全面实施", "另一指标的事件"]
    assert "信访系统切换" not in titles(Viewer("ana", "analyst", "internal"), date(2024, 1, 1))  # above clearance
    assert "思明区监测站迁址" in titles(leader, date(2023, 1, 1))
    huli = Viewer("hl", "analyst", "internal", "xiamen", frozenset({"350206"}))
    assert "思明区监测站迁址" not in titles(huli, date(2023, 1, 1))  # a district outside the account's scope
    assert titles(huli, date(2023, 1, 1))[0] == "台风“格美”影响"
    with request_context(dash_app.server, viewer=Viewer("nd", "analyst", "internal", "ningde")):
        with pytest.raises(AccessDenied):
            city_events("xiamen", date(2024, 1, 1))
