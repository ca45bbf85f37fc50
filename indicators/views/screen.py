"""The big screen's data (``/screen``): one view, ``screen_view``, returning a ``ScreenView``.

Which indicators a screen shows (the headlines, or one of the city's topics), the theme scores, the open
alerts and their counts, and the indicator on the district map with its districts' values, for the screen's
definition (``indicators/catalog/screens.yaml``, or the installation's imported copy). Only what the viewer
may see reaches here: the reads check clearance and scope.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from geo.cities import City, get_city
from indicators.catalog.entries import THEMES
from indicators.catalog.levels import LEVEL_RANK
from indicators.accounts.access import AccessDenied
from indicators.catalog.screens import ScreenDef, ScreenRegistry, screens_in_use
from indicators.catalog.topics import topic_of
from indicators.warnings.rules import without_department
from indicators.views.annotations import ChartAnnotation, city_events
from indicators.views.queries import (
    alert_counts,
    alerts,
    area_values,
    latest_snapshot,
    level_counts,
    theme_scores,
)
from settings import get_settings

TICKER_ITEMS = 12
EVENT_DAYS = 30  # the timeline shows the events under way in the last month


def screen_registry() -> ScreenRegistry:
    """The screens and playlists in use: the installation's imported file (its data folder), else the shipped one."""
    return screens_in_use(get_settings().data_path)


def rotation(city_key: str) -> list[tuple[str, int]]:
    """The city's playlist as (screen, seconds): its own in ``screens.yaml``, else the generic one."""
    return screen_registry().playlist(city_key)


def screen_rows(snapshot: pd.DataFrame, screen: str, city_key: str) -> pd.DataFrame:
    """The indicators a screen shows: the headlines on the overview, the city's topic's indicators (the
    topic's headlines first) on a topic screen; worst level first. The snapshot holds only what the screen's
    signed-in account may see (a wall signed in as a viewer shows public figures only)."""
    topic = topic_of(city_key, screen)
    if topic is not None:
        held = [topic.holds(code, theme, department, tags) for code, theme, department, tags
                in zip(snapshot["code"], snapshot["theme"], snapshot["department"], snapshot["topics"])]
        rows = snapshot[pd.Series(held, index=snapshot.index, dtype=bool)]
        lead = rows["code"].isin(topic.headline)
    else:
        rows = snapshot[snapshot["headline"].astype(bool)]
        lead = rows["headline"].astype(bool)
    rank = rows["level"].map(LEVEL_RANK).fillna(-1)
    order = sorted(range(len(rows)), key=lambda i: (-int(lead.iat[i]), -rank.iat[i], rows["code"].iat[i]))
    return rows.iloc[order].reset_index(drop=True)


def topic_score(rows: pd.DataFrame, theme: str) -> float:
    """The mean score of a topic's indicators in a theme (NaN when none has one)."""
    part = rows.loc[rows["theme"] == theme, "score"].astype(float)
    return float(part.mean()) if part.notna().any() else math.nan


def map_candidates(rows: pd.DataFrame, focus: str | None = None) -> list[str]:
    """Indicators that can colour the districts, best choice first: district-level ones whose
    thresholds apply to districts (not summed), of the focus theme first, worst level first."""
    usable = rows[(rows["spatial_level"] == "district") & (rows["aggregation"] != "sum")]
    if focus:
        usable = pd.concat([usable[usable["theme"] == focus], usable[usable["theme"] != focus]])
    return usable["code"].tolist()


def newest_alerts(frame: pd.DataFrame, count: int = TICKER_ITEMS) -> pd.DataFrame:
    """The open alerts the box and the ticker lead with: the most severe first, the newest first within a level
    (only those the signed-in account may see reach here), each with its ``headline_zh``/``headline_en``: the
    sentence without the responsible department, which the box has no room for."""
    if frame.empty:
        return frame.assign(headline_zh=pd.Series(dtype=str), headline_en=pd.Series(dtype=str))
    ranked = frame.assign(_rank=frame["level"].map(LEVEL_RANK).fillna(0))
    newest = ranked.sort_values(["_rank", "opened_at", "id"], ascending=False).drop(columns="_rank").head(count)
    return newest.assign(headline_zh=newest["sentence_zh"].map(without_department),
                         headline_en=newest["sentence_en"].fillna("").map(without_department))


def panel_data(definition: ScreenDef, snapshot: pd.DataFrame, rows: pd.DataFrame, city_key: str,
               map_meta: dict | None, ranking: pd.DataFrame | None) -> dict[tuple[str, int], dict]:
    """What the definition's chart and ranking panels show, by (column, index): a chart's indicator (its own, else
    the screen's first) with its newest values; a ranking's indicator (its own, else the one on the map) with its
    districts' values. Only indicators in the viewer's snapshot, read with the viewer's scope."""
    data: dict[tuple[str, int], dict] = {}
    for column in ("left", "right"):
        for index, panel in enumerate(getattr(definition, column)):
            if panel.panel == "chart":
                code = panel.indicator or (rows["code"].iat[0] if len(rows) else None)
            elif panel.panel == "ranking":
                code = panel.indicator or (map_meta["code"] if map_meta else None)
            else:
                continue
            match = snapshot[snapshot["code"] == code]
            if code is None or match.empty:
                continue
            row = match.iloc[0].to_dict()
            if panel.panel == "chart":
                data[(column, index)] = {"row": row}
                continue
            try:
                values = ranking if map_meta and code == map_meta["code"] else area_values(code, city_key)
            except AccessDenied:
                continue
            if values is not None:
                data[(column, index)] = {"row": row, "ranking": values}
    return data


@dataclass(frozen=True)
class ScreenView:
    """Everything one screen shows, as data."""

    city: City
    screen: str
    definition: ScreenDef
    rows: pd.DataFrame  # the screen's indicators, its headlines first, then worst first
    scores: dict[str, float]  # by theme
    counts: dict[str, int]  # open alerts by level
    open_alerts: pd.DataFrame
    newest: pd.DataFrame  # the alerts the list and the ticker lead with
    map_meta: dict | None  # the indicator on the map (a snapshot row), None when no indicator has district data
    ranking: pd.DataFrame | None  # its city and district values
    # The data of the chart and ranking panels by (column, index): ``{"row": snapshot row}`` for a chart,
    # ``{"row": …, "ranking": area values}`` for a ranking; absent when the indicator has no data the viewer may see.
    panels: dict[tuple[str, int], dict] = field(default_factory=dict)
    events: list[ChartAnnotation] = field(default_factory=list)  # the timeline's: the city's recent events


def screen_view(city_key: str, screen: str, indicator: str | None = None,
                definition: ScreenDef | None = None) -> ScreenView:
    """The data of one screen of a city.

    Args:
        city_key: the city.
        screen: "overview", a theme (the overview led by it) or one of the city's topics.
        indicator: the indicator on the map, or None for the screen's default.
        definition: the definition to draw (an edited one, in the admin page's preview); the one in use when None.
    """
    city = get_city(city_key)
    snapshot = latest_snapshot(city.adcode)
    rows = screen_rows(snapshot, screen, city_key)
    definition = definition or screen_registry().definition(screen, city_key)
    open_alerts = alerts(city_key)
    if definition.indicators == "topic":
        scores = {theme: topic_score(rows, theme) for theme in THEMES}
        open_alerts = open_alerts[open_alerts["indicator_code"].isin(set(rows["code"]))]
        counts = level_counts(open_alerts)
    else:
        frame = theme_scores(city.adcode)
        scores = dict(zip(frame["theme"], frame["score"]))
        counts = alert_counts(city_key)
    candidates = map_candidates(rows, screen if screen in THEMES else None)
    if indicator and indicator in set(snapshot["code"]):
        candidates = [indicator]
    meta = snapshot[snapshot["code"] == candidates[0]].iloc[0].to_dict() if candidates else None
    ranking = area_values(meta["code"], city_key) if meta else None
    return ScreenView(city=city, screen=screen, definition=definition, rows=rows, scores=scores, counts=counts,
                      open_alerts=open_alerts, newest=newest_alerts(open_alerts), map_meta=meta, ranking=ranking,
                      panels=panel_data(definition, snapshot, rows, city_key, meta, ranking),
                      events=city_events(city_key, date.today() - timedelta(days=EVENT_DAYS)))
