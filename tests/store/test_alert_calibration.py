"""The warnings on the demo store are few, meaningful and counted the same everywhere.

Calibration target (issue 14): on a normal demo day a city has a handful of red and orange alerts, at most
2 % of its series, none of them a weather or air figure within its normal seasonal range; the home page, the
screen, the alert centre (and the phone, the same page) show the same counts for the same filter.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.cities import get_city
from indicators.store import db
from indicators.store.models import Alert, Area, IndicatorDef, Latest
from indicators.warnings.alerts import OPEN_STATES, load_states, run_warnings
from tests.conftest import DEMO_TODAY

HEADLINE = ("red", "orange")
TARGET_SHARE = 0.02


@pytest.fixture(scope="module")
def pages():
    import app  # noqa: F401  (the app registers the pages)
    from pages import alerts, home, screen

    return {"alerts": alerts, "home": home, "screen": screen}


def _open_by_city(session: Session) -> dict[str, dict[str, int]]:
    rows = session.execute(select(Area.city_key, Alert.level, func.count()).select_from(Alert)
                           .join(Area, Area.adcode == Alert.area_adcode)
                           .where(Alert.state.in_(OPEN_STATES)).group_by(Area.city_key, Alert.level)).all()
    counts: dict[str, dict[str, int]] = {}
    for city, level, n in rows:
        counts.setdefault(city, {})[level] = n
    return counts


def _series_by_city(session: Session) -> dict[str, int]:
    return dict(session.execute(select(Area.city_key, func.count()).select_from(Latest)
                                .join(Area, Area.adcode == Latest.area_adcode)
                                .group_by(Area.city_key)).all())


def _calibrated(counts: dict[str, int], series: int) -> None:
    headline = sum(counts.get(level, 0) for level in HEADLINE)
    assert 1 <= headline <= 15, counts  # a handful, each a story
    assert headline <= TARGET_SHARE * series, (headline, series)


@pytest.mark.parametrize("key", ["xiamen", "ningde"])
def test_a_handful_of_headline_alerts_per_city(use_demo_store, key):
    run_warnings(today=DEMO_TODAY)
    with Session(db.engine()) as session:
        counts, series = _open_by_city(session).get(key, {}), _series_by_city(session)[key]
    _calibrated(counts, series)


def test_no_weather_or_air_alert_within_its_season(use_demo_store):
    run_warnings(today=DEMO_TODAY)
    with Session(db.engine()) as session:
        states = {(s.code, s.area_adcode): s for s in load_states(session, DEMO_TODAY)}
        environment = set(session.scalars(select(IndicatorDef.code).where(IndicatorDef.theme == "environment")))
        alerts = session.execute(select(Alert.indicator_code, Alert.area_adcode, Alert.level)
                                 .where(Alert.state.in_(OPEN_STATES), Alert.rule == "threshold",
                                        Alert.indicator_code.in_(environment))).all()
    checked = 0
    for code, adcode, _ in alerts:
        state = states[(code, adcode)]
        if state.seasonal:
            checked += 1
            assert state.season_range is None or not state.within_season(state.latest[1]), (code, adcode)
    assert checked >= 1  # the typhoon closing in on the demo's last days raises some


def test_anomalies_and_blue_levels_never_lead_the_screen(use_demo_store, pages):
    run_warnings(today=DEMO_TODAY)
    from indicators.views.queries import alerts
    from indicators.views.screen import newest_alerts

    newest = newest_alerts(alerts("xiamen"), 4)
    assert newest["level"].iloc[0] in HEADLINE
    assert "anomaly" not in set(newest["rule"]) or set(newest["level"]) >= {"blue"}


def _screen_counts(component) -> dict[str, int]:
    counts = {}
    for child in component.children[1:]:
        counts[child.to_plotly_json()["props"]["data-level"]] = int(child.children[0].children)
    return counts


def _chips(component) -> dict[str, int]:
    return {li.to_plotly_json()["props"]["data-level"]: int(li.children[-1].children) for li in component.children}


def _home_counts(children: list) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    card = next(c for c in children if "home-alerts" in str(getattr(c, "className", "")))
    grid = next(c for c in children if getattr(c, "className", "") == "theme-grid")
    themes = {}
    for section in grid.children:
        chips = next(c for c in section.children if getattr(c, "className", "") == "level-counts")
        themes[section.to_plotly_json()["props"]["data-theme"]] = _chips(chips)
    return _chips(card.children[0]), themes


@pytest.mark.parametrize("key", ["xiamen", "ningde"])
def test_every_surface_shows_the_same_count(use_demo_store, pages, key):
    from indicators.catalog.levels import WORST_FIRST
    from indicators.views.queries import alert_counts

    run_warnings(today=DEMO_TODAY)
    query = alert_counts(key)
    assert sum(query.values()) > 0
    screen = _screen_counts(pages["screen"].build_screen(key, "zh", "overview")["counts"])
    no_filters = {"level": None, "rule": None, "theme": None, "topic": None, "area": None, "department": None,
                  "state": "open"}
    centre = pages["alerts"].build_list(key, "zh", no_filters)["counts"]
    home, themes = _home_counts(pages["home"].build_home(key, "en"))
    for level in WORST_FIRST:
        assert screen[level] == centre[level] == home[level] == query[level], level
    for theme, chips in themes.items():
        by_theme = alert_counts(key, theme=theme)
        assert all(chips[level] == by_theme[level] for level in WORST_FIRST), theme
        assert by_theme == {level: pages["alerts"].build_list(key, "zh", {**no_filters, "theme": theme})["counts"][level]
                            for level in WORST_FIRST}
    assert {level: sum(t[level] for t in themes.values()) for level in WORST_FIRST} == query
    topic = _screen_counts(pages["screen"].build_screen(key, "zh", "city_operation")["counts"])
    centre_topic = pages["alerts"].build_list(key, "zh", {**no_filters, "topic": "city_operation"})["counts"]
    assert topic == {level: centre_topic[level] for level in WORST_FIRST} == alert_counts(key, topic="city_operation")


@pytest.fixture(scope="module")
def luan_store(tmp_path_factory):
    from indicators.bootstrap import init_store

    url = f"sqlite:///{tmp_path_factory.mktemp('luan') / 'store.db'}"
    report = init_store(url, city_keys=("luan",), seed=7, today=DEMO_TODAY, progress=False)
    yield url, report
    db.dispose(url)


@pytest.mark.slow  # a manage.py process or a whole store: the full suite's, not the fast tier's
def test_a_city_added_and_loaded_has_its_alerts_and_passes_the_audit(luan_store):
    from indicators.catalog.entries import load_catalog
    from indicators.demo.audit import audit_store

    url, report = luan_store
    db.use(url)
    assert report.warnings is not None and report.warnings.opened > 0  # evaluated at once, not left to `warn`
    with Session(db.engine()) as session:
        counts, series = _open_by_city(session).get("luan", {}), _series_by_city(session)["luan"]
    _calibrated(counts, series)
    audit = audit_store(get_city("luan"), load_catalog())
    assert audit.ok, audit.text()
