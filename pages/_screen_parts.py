"""The big screen's pure builders (``/screen``): a ``ScreenView`` in, the stage's components out."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd
from dash import html

from indicators.catalog.entries import THEMES
from indicators.catalog.levels import LEVEL_RANK, LEVELS, WORST_FIRST, Level
from indicators.catalog.screens import AlertListPanel, ChartPanel, RankingPanel, ScreenDef, ThemePanel
from indicators.catalog.topics import topic_of
from indicators.views.screen import ScreenView, screen_registry
from pages._charts import LEVEL_COLOURS
from pages._format import format_value, unit_label
from pages._i18n import localized, register_strings, t, theme_name
from pages._map_layers import alert_points, area_hideout
from pages._widgets import sparkline, tile_changes, tile_period

PHONE_ITEMS = 12  # indicators a phone lists

register_strings({
    "screen_title": ("城市运行一屏通览", "City at a glance"),
    "screen_overview": ("总览", "Overview"),
    "screen_focus": ("{theme}总览", "{theme} overview"),
    "screen_alerts_open": ("当前预警", "Open alerts"),
    "screen_newest_alerts": ("最新预警", "Newest alerts"),
    "screen_no_alerts": ("当前无预警", "No open alerts"),
    "screen_no_indicators": ("本专题暂无该主题指标", "No indicators of this theme in the topic"),
    "screen_map": ("各区县 · {name}", "Districts · {name}"),
    "screen_map_none": ("暂无区县数据", "No district data"),
    "screen_city_value": ("全市", "City"),
    "screen_as_of": ("数据截至", "Data as of"),
    "screen_stale": ("数据更新延迟", "Data update delayed"),
    "screen_offline": ("服务器连接中断，正在重连", "Connection to the server lost, reconnecting"),
    "screen_rotate": ("轮播", "Rotate"),
    "screen_rotate_stop": ("停止轮播", "Stop rotation"),
    "screen_controls": ("大屏控制", "Screen controls"),
    "screen_clock": ("当前时间", "Current time"),
    "screen_demo": ("演示数据", "Demo data"),
    "screen_event": ("事件", "Event"),
    "screen_score": ("健康指数", "Health score"),
    "admin_audit_action_screens_change": ("大屏配置导入", "Screen definitions imported"),
    "screen_chart_none": ("暂无该指标数据", "No data for this indicator"),
    "screen_ranking": ("区县排名 · {name}", "Districts ranked · {name}"),
})

def screen_title(city_name: str, screen: str, lang: str, city_key: str, definition: ScreenDef | None = None) -> str:
    """The screen's title: the city and the overview (its definition's title: ``definition``, else the one in
    use), theme or city's topic shown."""
    topic = topic_of(city_key, screen)
    if topic is not None:
        return f"{city_name} · {topic.name(lang)}"
    if screen in THEMES:
        return f"{city_name} · {t('screen_focus', lang).format(theme=theme_name(screen, lang))}"
    return f"{city_name} · {(definition or screen_registry().definition(screen, city_key)).title(lang)}"


def theme_tiles(rows: pd.DataFrame, theme: str, count: int = 3) -> list[dict]:
    """A theme's first ``count`` rows of the screen."""
    return rows[rows["theme"] == theme].head(count).to_dict("records")


def map_hideout(ranking: pd.DataFrame, unit: str, lang: str) -> dict:
    """The map's colours (warning level) and tooltips (name, value and unit) per district."""
    districts = ranking[ranking["level"] == "district"]
    names = localized(districts, lang)
    return area_hideout(
        {a: LEVEL_COLOURS.get(w, LEVEL_COLOURS["nodata"]) for a, w in zip(districts["adcode"], districts["warning"])},
        {a: f"{n}: {format_value(v, lang)} {unit_label(unit, lang)}"
         for a, n, v in zip(districts["adcode"], names, districts["value"])})


def screen_tile(row: Mapping, lang: str) -> html.Article:
    """An indicator on the big screen: name, big value with unit, YoY/MoM, sparkline, level colour."""
    name = localized(row, lang)
    level = row["level"] if row["level"] in LEVEL_RANK else "nodata"
    return html.Article([
        html.H4(name, className="screen-tile-name", title=name),
        html.Div([html.Span(format_value(row["value"], lang), className="screen-tile-value"),
                  html.Span(unit_label(row["unit"], lang), className="screen-tile-unit")], className="screen-tile-figure"),
        html.Div(tile_changes(row, lang, "screen-change"), className="screen-tile-changes"),
        html.Div([sparkline(row.get("recent") or [], width=150, height=40, colour="#7cc4ff", stroke=2.5,
                            class_name="screen-spark"),
                  html.Span(tile_period(row, lang), className="screen-tile-period")],
                 className="screen-tile-foot"),
    ], className=f"screen-tile level-{level}", **{"data-code": row["code"], "data-level": level})


def _score_text(score: float | None) -> str:
    return "—" if score is None or (isinstance(score, float) and math.isnan(score)) else f"{score:.0f}"


def theme_panel(theme: str, score: float | None, tiles: Sequence[Mapping], lang: str, *, focused: bool = False) -> html.Section:
    """A theme around the map: its name, health score and headline tiles."""
    body = ([screen_tile(row, lang) for row in tiles] if tiles
            else [html.P(t("screen_no_indicators", lang), className="screen-empty")])
    return html.Section([
        html.Header([html.H3(theme_name(theme, lang), className="screen-theme-name"),
                     html.Div([html.Span(_score_text(score), className="screen-score-value"),
                               html.Span(t("screen_score", lang), className="screen-score-label")],
                              className="screen-score")], className="screen-theme-head"),
        html.Div(body, className="screen-tiles"),
    ], className=f"screen-theme theme-{theme}" + (" is-focused" if focused else ""), **{"data-theme": theme})


def alert_counter(counts: Mapping[str, int], lang: str) -> html.Div:
    """Open alerts by level, worst first, as big coloured numbers."""
    return html.Div([
        html.Span(t("screen_alerts_open", lang), className="screen-counts-title"),
        *[html.Div([html.Span(str(counts.get(level, 0)), className="screen-count-value"),
                    html.Span(Level(level).label(lang), className="screen-count-label")],
                   className=f"screen-count level-{level}", **{"data-level": level}) for level in WORST_FIRST],
    ], className="screen-counts")


def _alert_line(row: Mapping, lang: str) -> html.Li:
    # The headline names the area and the indicator itself; the whole sentence is its hover.
    return html.Li([html.Span(className=f"screen-dot level-{row['level']}"), html.Span(localized(row, lang, "headline"))],
                   className=f"screen-alert level-{row['level']}", title=localized(row, lang, "sentence"))


def alert_list(frame: pd.DataFrame, lang: str, count: int = 4) -> html.Section:
    """The newest alerts in a panel (right of the map)."""
    rows = frame.head(count).to_dict("records")
    return html.Section([
        html.Header(html.H3(t("screen_newest_alerts", lang), className="screen-theme-name"), className="screen-theme-head"),
        html.Ul([_alert_line(row, lang) for row in rows], className="screen-alert-list") if rows
        else html.P(t("screen_no_alerts", lang), className="screen-empty"),
    ], className="screen-theme screen-alerts-panel")


def _event_line(event, lang: str) -> html.Li:
    days = f"{event.starts_on:%m-%d}" + (f"–{event.ends_on:%m-%d}" if event.ends_on else "")
    return html.Li([html.Span(t("screen_event", lang), className="screen-event-mark"),
                    html.Span(f"{days} {event.title(lang)}")], className="screen-alert screen-event")


def ticker(frame: pd.DataFrame, lang: str, events: Sequence = ()) -> list:
    """The ticker, the screen's timeline: the city's recent events (annotations), then the newest alerts with
    their sentences (twice, for a seamless loop)."""
    rows = frame.to_dict("records")
    if not rows and not events:
        return [html.Span(t("screen_no_alerts", lang), className="screen-ticker-empty")]

    def items() -> list:
        return [_event_line(event, lang) for event in events] + [_alert_line(row, lang) for row in rows]

    return [html.Ul(items(), className="screen-ticker-run"),
            html.Ul(items(), className="screen-ticker-run", **{"aria-hidden": "true"})]


def map_caption(row: Mapping | None, city_row: Mapping | None, lang: str) -> list:
    """The map's title: the indicator, its city value and the level legend."""
    if row is None:
        return [html.Span(t("screen_map_none", lang), className="screen-map-name")]
    name = localized(row, lang)
    value = (f"{t('screen_city_value', lang)} {format_value(city_row['value'], lang)} {unit_label(row['unit'], lang)}"
             if city_row is not None else "")
    legend = html.Ul([html.Li([html.Span(className=f"screen-dot level-{level}"), Level(level).label(lang)])
                      for level in (Level.NORMAL, *LEVELS)], className="screen-legend")
    title = t("screen_map", lang).format(name=name)
    return [html.Span(title, className="screen-map-name", title=title, **{"data-code": row["code"]}),
            html.Span(value, className="screen-map-value"), legend]


def chart_panel(data: Mapping | None, lang: str) -> html.Section:
    """An indicator's newest values as a line across the panel, with its latest value, unit and period."""
    row = (data or {}).get("row")
    if row is None:
        return html.Section([html.P(t("screen_chart_none", lang), className="screen-empty")],
                            className="screen-theme screen-chart-panel")
    name = localized(row, lang)
    values = [v for v in (row.get("recent") or []) if v is not None and not math.isnan(v)]
    level = row["level"] if row["level"] in LEVEL_RANK else "nodata"
    span = [html.Span(format_value(min(values), lang), className="screen-chart-low"),
            html.Span(format_value(max(values), lang), className="screen-chart-high")] if values else []
    return html.Section([
        html.Header([html.H3(name, className="screen-theme-name", title=name),
                     html.Div([html.Span(format_value(row["value"], lang), className="screen-tile-value"),
                               html.Span(unit_label(row["unit"], lang), className="screen-tile-unit")],
                              className="screen-tile-figure")], className="screen-theme-head"),
        html.Div([sparkline(row.get("recent") or [], width=580, height=150, colour="#7cc4ff", stroke=4,
                            class_name="screen-chart-line"), html.Div(span, className="screen-chart-range")],
                 className="screen-chart-body"),
        html.Div([html.Span(tile_period(row, lang), className="screen-tile-period"),
                  *tile_changes(row, lang, "screen-change")], className="screen-chart-foot"),
    ], className=f"screen-theme screen-chart-panel level-{level}", **{"data-code": row["code"], "data-level": level})


def ranking_panel(data: Mapping | None, items: int, lang: str) -> html.Section:
    """The city's districts on an indicator, best first: rank, name, a bar to the largest value, value, level."""
    row, values = (data or {}).get("row"), (data or {}).get("ranking")
    if row is None or values is None:
        return html.Section([html.P(t("screen_map_none", lang), className="screen-empty")],
                            className="screen-theme screen-ranking-panel")
    districts = values[values["level"] == "district"].head(items)
    top = max((abs(v) for v in districts["value"] if v is not None and not math.isnan(v)), default=0) or 1
    names = localized(districts, lang)
    lines = []
    for rank, (name, value, warning) in enumerate(zip(names, districts["value"], districts["warning"]), start=1):
        level = warning if warning in LEVEL_RANK else "normal"
        share = 0 if value is None or math.isnan(value) else abs(value) / top * 100
        lines.append(html.Li([html.Span(str(rank), className="screen-rank-no"),
                              html.Span(name, className="screen-rank-name", title=name),
                              html.Span(html.Span(className="screen-rank-fill", style={"width": f"{share:.0f}%"}),
                                        className="screen-rank-bar"),
                              html.Span(format_value(value, lang), className="screen-rank-value")],
                             className=f"screen-rank level-{level}", **{"data-level": level}))
    title = t("screen_ranking", lang).format(name=localized(row, lang))
    return html.Section([
        html.Header([html.H3(title, className="screen-theme-name", title=title),
                     html.Span(unit_label(row["unit"], lang), className="screen-tile-unit")],
                    className="screen-theme-head"),
        html.Ol(lines, className="screen-rank-list") if lines else html.P(t("screen_map_none", lang),
                                                                          className="screen-empty"),
    ], className="screen-theme screen-ranking-panel", **{"data-code": row["code"]})


def stage_parts(*, lang: str, screen: str, city_name: str, city_key: str, definition: ScreenDef,
                scores: Mapping[str, float], rows: pd.DataFrame, counts: Mapping[str, int],
                newest: pd.DataFrame, panels: Mapping[tuple[str, int], dict] | None = None,
                events: Sequence = ()) -> dict:
    """The screen's parts from its definition and data (pure): title, the left and right columns' panels,
    alert counts, newest alerts, ticker (with the city's recent ``events``)."""
    focus = screen if screen in THEMES else None

    panels = panels or {}

    def panel(spec: ThemePanel | AlertListPanel | ChartPanel | RankingPanel, where: tuple[str, int]) -> html.Section:
        if isinstance(spec, AlertListPanel):
            return alert_list(newest, lang, spec.items)
        if isinstance(spec, ChartPanel):
            return chart_panel(panels.get(where), lang)
        if isinstance(spec, RankingPanel):
            return ranking_panel(panels.get(where), spec.items, lang)
        return theme_panel(spec.theme, scores.get(spec.theme), theme_tiles(rows, spec.theme, spec.tiles), lang,
                           focused=spec.theme == focus)

    return {
        "title": screen_title(city_name, screen, lang, city_key, definition),
        "left": [panel(spec, ("left", index)) for index, spec in enumerate(definition.left)],
        "right": [panel(spec, ("right", index)) for index, spec in enumerate(definition.right)],
        "counts": alert_counter(counts, lang),
        "ticker": ticker(newest, lang, events),
        "phone": phone_summary(screen_title(city_name, screen, lang, city_key, definition), counts, rows, newest, lang),
    }


def phone_summary(title: str, counts: Mapping[str, int], rows: pd.DataFrame, newest: pd.DataFrame,
                  lang: str) -> list:
    """What a phone shows at ``/screen`` instead of the shrunk stage: the title, the alert counts, the screen's
    first indicators as lines (name, value, level) and the newest alerts."""
    lines = []
    for row in rows.head(PHONE_ITEMS).to_dict("records"):
        level = row["level"] if row["level"] in LEVEL_RANK else "nodata"
        lines.append(html.Li([html.Span(className=f"screen-dot level-{level}"),
                              html.Span(localized(row, lang), className="screen-phone-name"),
                              html.Span(f"{format_value(row['value'], lang)} {unit_label(row['unit'], lang)}",
                                        className="screen-phone-value")],
                             className=f"screen-phone-item level-{level}", **{"data-code": row["code"]}))
    return [html.H1(title, className="screen-phone-title"), alert_counter(counts, lang),
            html.Ul(lines, className="screen-phone-list"), alert_list(newest, lang, 3)]


def screen_parts(view: ScreenView, lang: str) -> dict:
    """The stage's parts of one screen: ``stage_parts`` plus the alerts on the map, ``map_caption`` and ``hideout``."""
    parts = stage_parts(lang=lang, screen=view.screen, city_name=view.city.name(lang), city_key=view.city.key,
                        definition=view.definition, scores=view.scores, rows=view.rows, counts=view.counts,
                        newest=view.newest, panels=view.panels, events=view.events)
    parts["alerts"] = alert_points(view.city, view.open_alerts, lang)
    if view.map_meta is None:
        return {**parts, "map_caption": map_caption(None, None, lang), "hideout": area_hideout({}, {})}
    city_rows = view.ranking[view.ranking["level"] == "city"]
    return {**parts, "hideout": map_hideout(view.ranking, view.map_meta["unit"], lang),
            "map_caption": map_caption(view.map_meta, city_rows.iloc[0].to_dict() if not city_rows.empty else None,
                                       lang)}
