"""``/screen``: the leaders' big-screen cockpit (一屏通览).

A fixed 1920×1080 stage, scaled to the window by ``assets/71-screen.js`` (3840×2160 is exactly 2×),
dark theme, no header or footer (``bare=True``). The city's districts on a map in the centre,
coloured by a headline indicator's warning level; the five themes around it with their health
score and headline tiles; open alerts by level; a ticker of the newest alerts; a live clock
(client-side) and the data's as-of time.

URL parameters:

- ``city``, ``lang``: as everywhere.
- ``topic=<topic>``: a topic screen (the themes show the topic's indicators).
- ``focus=<theme>``: the overview led by one theme (its panel marked, the map shows one of its indicators).
- ``indicator=<code>``: the indicator on the map (default: the screen's worst headline with district data).
- ``rotate=SECONDS``: cycle the city's screens (``ROTATIONS``) every SECONDS.
- ``kiosk=1``: data only, no controls, no cursor; a touch or click pauses the rotation for 60 s.
- ``refresh=SECONDS``: how often the data is re-read (default 60).

The content is built by pure functions (data in, components out); ``build_screen`` reads the
store and is cached per data version. Rotation and refresh only change the content's children
and the map's ``hideout``: the stage, the map's geometry and the clock stay in place.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import dash
import pandas as pd
from dash import (
    ClientsideFunction,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    dcc,
    html,
)
from dash.exceptions import PreventUpdate

from geo.cities import get_city, load_cities
from indicators.catalog.entries import THEMES, TOPICS
from indicators.catalog.levels import LEVEL_RANK, LEVELS, WORST_FIRST, Level
from indicators.store.db import StoreUnavailable
from indicators.views.cache import cacheable_answer
from indicators.views.queries import (
    alert_counts,
    alerts,
    area_values,
    last_update,
    latest_snapshot,
    theme_scores,
)
from pages._charts import LEVEL_COLOURS
from pages._format import format_value, unit_label
from pages._i18n import localized, register_strings, t, theme_name, topic_name
from pages._map_layers import EMPTY, alert_points, area_hideout, district_map
from pages._shell import current_settings, resolve
from pages._widgets import sparkline, tile_changes, tile_period

dash.register_page(__name__, cacheable_layout=True, path="/screen", title="一屏通览 · City Vitals", name="screen", bare=True)

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
    "screen_score": ("健康指数", "Health score"),
})

# The screens each city's rotation cycles through, in order: "overview", a theme (the overview
# led by that theme) or a topic.
ROTATIONS: dict[str, tuple[str, ...]] = {
    "xiamen": ("overview", "health", "safety", "emergency", "city_operation", "industry", "petition"),
    "ningde": ("economy", "health", "safety", "emergency", "city_operation", "petition"),
}
DEFAULT_ROTATION = ("overview", *TOPICS)
# Themes left and right of the map (the remaining slot on the right holds the newest alerts).
LEFT_THEMES = ("economy", "market", "public_service")
RIGHT_THEMES = ("governance", "environment")
TILES_PER_THEME = 3
TICKER_ITEMS = 12
STALE_AFTER = timedelta(days=2)
DEFAULT_REFRESH, MIN_SECONDS = 60, 5


# ---------------------------------------------------------------- arguments and rotation

def _seconds(value: str | None, default: int | None) -> int | None:
    try:
        return max(MIN_SECONDS, int(float(value))) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


def rotation(city_key: str) -> tuple[str, ...]:
    """The screens of a city's rotation (``ROTATIONS``, else the overview and every topic)."""
    return ROTATIONS.get(city_key, DEFAULT_ROTATION)


def screen_args(city: str | None, lang: str | None, query: Mapping[str, str | None]) -> dict:
    """The screen's state from the URL: city and language resolved, topic/focus/indicator checked,
    rotation and refresh in seconds (rotation None when off), kiosk a bool, and the start
    position in the rotation."""
    city, lang = resolve(city, lang)
    topic = query.get("topic") if query.get("topic") in TOPICS else None
    focus = query.get("focus") if query.get("focus") in THEMES else None
    screen = topic or focus or "overview"
    screens = rotation(city)
    rotate = _seconds(query.get("rotate"), None)
    return {
        "city": city, "lang": lang, "screen": screen, "indicator": query.get("indicator") or None,
        "rotate": rotate, "refresh": _seconds(query.get("refresh"), DEFAULT_REFRESH),
        "kiosk": query.get("kiosk") in ("1", "true", "yes"),
        "screens": list(screens) if rotate else [screen],
        "start": screens.index(screen) if rotate and screen in screens else 0,
    }


def current_screen(args: Mapping, position: Mapping | None) -> str:
    """The screen to show: the rotation's at ``position``, else the URL's."""
    screens = args.get("screens") or [args.get("screen", "overview")]
    index = (position or {}).get("index", args.get("start", 0)) or 0
    return screens[index % len(screens)]


def is_stale(stamp: datetime | None, now: datetime) -> bool:
    """Whether the data's as-of time is missing or older than two days."""
    return stamp is None or now - stamp > STALE_AFTER


def screen_link(city: str, lang: str, **extra: object) -> str:
    """A link to the screen with the city, language and other parameters (None ones left out)."""
    from urllib.parse import urlencode

    return "/screen?" + urlencode({"city": city, "lang": lang, **{k: v for k, v in extra.items() if v not in (None, "")}})


# ---------------------------------------------------------------- picking the data

def screen_title(city_name: str, screen: str, lang: str) -> str:
    """The screen's title: the city and the overview, theme or topic shown."""
    if screen in TOPICS:
        return f"{city_name} · {topic_name(screen, lang)}"
    if screen in THEMES:
        return f"{city_name} · {t('screen_focus', lang).format(theme=theme_name(screen, lang))}"
    return f"{city_name} · {t('screen_title', lang)}"


def screen_rows(snapshot: pd.DataFrame, screen: str) -> pd.DataFrame:
    """The indicators a screen shows: the headlines on the overview, a topic's indicators (headlines
    first) on a topic screen; worst level first. The snapshot holds only what the screen's signed-in
    account may see (a wall signed in as a viewer shows public figures only)."""
    if screen in TOPICS:
        rows = snapshot[snapshot["topics"].map(lambda topics: screen in topics)]
    else:
        rows = snapshot[snapshot["headline"].astype(bool)]
    rank = rows["level"].map(LEVEL_RANK).fillna(-1)
    order = sorted(range(len(rows)), key=lambda i: (-int(bool(rows["headline"].iat[i])), -rank.iat[i], rows["code"].iat[i]))
    return rows.iloc[order].reset_index(drop=True)


def theme_tiles(rows: pd.DataFrame, theme: str, count: int = TILES_PER_THEME) -> list[dict]:
    """A theme's first ``count`` rows of the screen."""
    return rows[rows["theme"] == theme].head(count).to_dict("records")


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


def map_hideout(ranking: pd.DataFrame, unit: str, lang: str) -> dict:
    """The map's colours (warning level) and tooltips (name, value and unit) per district."""
    districts = ranking[ranking["level"] == "district"]
    names = localized(districts, lang)
    return area_hideout(
        {a: LEVEL_COLOURS.get(w, LEVEL_COLOURS["nodata"]) for a, w in zip(districts["adcode"], districts["warning"])},
        {a: f"{n}: {format_value(v, lang)} {unit_label(unit, lang)}"
         for a, n, v in zip(districts["adcode"], names, districts["value"])})


def newest_alerts(frame: pd.DataFrame, count: int = TICKER_ITEMS) -> pd.DataFrame:
    """The open alerts the box and the ticker lead with: the most severe first, the newest first within a level
    (only those the signed-in account may see reach here)."""
    if frame.empty:
        return frame
    ranked = frame.assign(_rank=frame["level"].map(LEVEL_RANK).fillna(0))
    return ranked.sort_values(["_rank", "opened_at", "id"], ascending=False).drop(columns="_rank").head(count)


# ---------------------------------------------------------------- components

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
    # The sentence names the area and the indicator itself.
    sentence = localized(row, lang, "sentence")
    return html.Li([html.Span(className=f"screen-dot level-{row['level']}"), html.Span(sentence)],
                   className=f"screen-alert level-{row['level']}")


def alert_list(frame: pd.DataFrame, lang: str, count: int = 4) -> html.Section:
    """The newest alerts in a panel (right of the map)."""
    rows = frame.head(count).to_dict("records")
    return html.Section([
        html.Header(html.H3(t("screen_newest_alerts", lang), className="screen-theme-name"), className="screen-theme-head"),
        html.Ul([_alert_line(row, lang) for row in rows], className="screen-alert-list") if rows
        else html.P(t("screen_no_alerts", lang), className="screen-empty"),
    ], className="screen-theme screen-alerts-panel")


def ticker(frame: pd.DataFrame, lang: str) -> list:
    """The ticker's items: the newest alerts with their sentences (twice, for a seamless loop)."""
    rows = frame.to_dict("records")
    if not rows:
        return [html.Span(t("screen_no_alerts", lang), className="screen-ticker-empty")]
    items = [_alert_line(row, lang) for row in rows]
    return [html.Ul(items, className="screen-ticker-run"),
            html.Ul([_alert_line(row, lang) for row in rows], className="screen-ticker-run", **{"aria-hidden": "true"})]


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


def stage_parts(*, lang: str, screen: str, city_name: str, scores: Mapping[str, float], rows: pd.DataFrame,
                counts: Mapping[str, int], newest: pd.DataFrame) -> dict:
    """The screen's parts from its data (pure): title, theme panels left and right, alert
    counts, newest alerts, ticker."""
    focus = screen if screen in THEMES else None

    def panel(theme: str) -> html.Section:
        return theme_panel(theme, scores.get(theme), theme_tiles(rows, theme), lang, focused=theme == focus)

    return {
        "title": screen_title(city_name, screen, lang),
        "left": [panel(theme) for theme in LEFT_THEMES],
        "right": [panel(theme) for theme in RIGHT_THEMES] + [alert_list(newest, lang)],
        "counts": alert_counter(counts, lang),
        "ticker": ticker(newest, lang),
    }


def build_screen(city_key: str, lang: str, screen: str, indicator: str | None = None) -> dict:
    """The screen's content for a city, read from the store.

    Args:
        city_key: the city.
        lang: "zh" or "en".
        screen: "overview", a theme (the overview led by it) or a topic.
        indicator: the indicator on the map, or None for the screen's default.

    Returns:
        ``stage_parts`` plus ``map_caption`` and ``hideout``.
    """
    city = get_city(city_key)
    snapshot = latest_snapshot(city.adcode)
    rows = screen_rows(snapshot, screen)
    topic = screen if screen in TOPICS else None
    if topic:
        scores = {theme: topic_score(rows, theme) for theme in THEMES}
    else:
        frame = theme_scores(city.adcode)
        scores = dict(zip(frame["theme"], frame["score"]))
    open_alerts = alerts(city_key, topic=topic)
    parts = stage_parts(lang=lang, screen=screen, city_name=city.name(lang), scores=scores, rows=rows,
                        counts=alert_counts(city_key, topic=topic), newest=newest_alerts(open_alerts))
    parts["alerts"] = alert_points(city, open_alerts, lang)
    candidates = map_candidates(rows, screen if screen in THEMES else None)
    if indicator and indicator in set(snapshot["code"]):
        candidates = [indicator]
    code = candidates[0] if candidates else None
    if code is None:
        return {**parts, "map_caption": map_caption(None, None, lang), "hideout": area_hideout({}, {})}
    meta = snapshot[snapshot["code"] == code].iloc[0].to_dict()
    ranking = area_values(code, city_key)
    city_rows = ranking[ranking["level"] == "city"]
    return {**parts, "hideout": map_hideout(ranking, meta["unit"], lang),
            "map_caption": map_caption(meta, city_rows.iloc[0].to_dict() if not city_rows.empty else None, lang)}


# ---------------------------------------------------------------- page

def controls(args: Mapping) -> html.Nav:
    """Links to the overview and the topic screens, rotation, language and city (not in kiosk mode)."""
    city, lang, screen = args["city"], args["lang"], args["screen"]
    keep = {"refresh": args["refresh"] if args["refresh"] != DEFAULT_REFRESH else None}

    def link(text: str, target: str, active: bool) -> html.A:
        return html.A(text, href=target, className="screen-control" + (" is-active" if active else ""),
                      **({"aria-current": "true"} if active else {}))

    screens = [link(t("screen_overview", lang), screen_link(city, lang, **keep), screen == "overview" and not args["rotate"])]
    screens += [link(topic_name(topic, lang), screen_link(city, lang, topic=topic, **keep),
                     screen == topic and not args["rotate"]) for topic in TOPICS]
    rotate = (link(t("screen_rotate_stop", lang), screen_link(city, lang, **keep), True) if args["rotate"]
              else link(t("screen_rotate", lang), screen_link(city, lang, rotate=30, **keep), False))
    other_lang = "en" if lang == "zh" else "zh"
    query = {"topic": args["screen"] if args["screen"] in TOPICS else None,
             "focus": args["screen"] if args["screen"] in THEMES else None,
             "rotate": args["rotate"], **keep}
    language = link("English" if lang == "zh" else "中文", screen_link(city, other_lang, **query), False)
    cities = [link(c.short_zh if lang == "zh" else c.name_en, screen_link(key, lang, rotate=args["rotate"], **keep),
                   key == city) for key, c in load_cities().items() if c.demo or key == city]
    return html.Nav([*screens, rotate, language, *cities], className="screen-controls",
                    **{"aria-label": t("screen_controls", lang)})


def layout(city: str | None = None, lang: str | None = None, **query) -> html.Div:
    """The stage: the parts the data fills (``fill_screen``), the map, the clock and the banners."""
    args = screen_args(city, lang, query)
    city_obj, lang = get_city(args["city"]), args["lang"]
    settings = current_settings()
    header = html.Header([
        html.Div([html.H1(screen_title(city_obj.name(lang), args["screen"], lang), id="screen-title",
                          className="screen-title"),
                  html.Span(t("screen_demo", lang), className="screen-demo", title=t("demo_note", lang))],
                 className="screen-brand"),
        None if args["kiosk"] else controls(args),
        html.Div([html.Time(id="screen-clock", className="screen-clock", title=t("screen_clock", lang)),
                  html.Span([t("screen_as_of", lang), " ", html.Span("—", id="screen-asof")], className="screen-asof")],
                 className="screen-time"),
    ], className="screen-head")
    centre = html.Div([
        html.Div(id="screen-counts"),
        html.Div(id="screen-map-caption", className="screen-map-caption"),
        html.Div(district_map(city_obj, area_hideout({}, {}), map_id="screen-map", tile_url=settings.tile_url,
                              height="640px", alerts=EMPTY), className="screen-map"),
    ], className="screen-centre")
    stage = html.Div([
        header,
        html.Div(id="screen-notice", className="screen-notice"),
        html.Div([html.Div(id="screen-left", className="screen-side"), centre,
                  html.Div(id="screen-right", className="screen-side")], className="screen-body"),
        html.Div(html.Div(id="screen-ticker", className="screen-ticker-track"), className="screen-ticker",
                 **{"aria-live": "off"}),
        html.Div(t("screen_stale", lang), id="screen-stale", className="screen-banner screen-stale", hidden=True,
                 role="status"),
        html.Div(t("screen_offline", lang), id="screen-offline", className="screen-banner screen-offline", hidden=True,
                 role="alert"),
    ], id="screen-stage", className="screen-stage")
    return html.Div([
        dcc.Store(id="screen-args", data=args),
        dcc.Store(id="screen-position", data={"index": args["start"]}),
        dcc.Interval(id="screen-refresh", interval=args["refresh"] * 1000),
        dcc.Interval(id="screen-rotate", interval=(args["rotate"] or 3600) * 1000, disabled=not args["rotate"]),
        stage,
    ], id="screen-root", className="screen theme-dark" + (" screen-kiosk" if args["kiosk"] else ""),
        lang="en" if lang == "en" else "zh-CN",
        **{"data-lang": lang, "data-kiosk": "1" if args["kiosk"] else "0", "data-rotate": str(args["rotate"] or 0)})


OUTPUTS = ("title", "left", "right", "counts", "ticker", "map_caption")
MAP_OUTPUTS = (("hideout", Output("screen-map-areas", "hideout")), ("alerts", Output("screen-map-alerts", "data")))


@callback([Output(f"screen-{name.replace('_', '-')}", "children") for name in OUTPUTS]
          + [output for _, output in MAP_OUTPUTS]
          + [Output("screen-asof", "children"), Output("screen-stale", "hidden"), Output("screen-notice", "children")],
          Input("screen-refresh", "n_intervals"), Input("screen-position", "data"), State("screen-args", "data"))
@cacheable_answer(ignoring=("screen-refresh.n_intervals",))
def fill_screen(_refresh: int | None, position: dict | None, args: dict) -> list:
    """Fill the stage for the current screen; re-run on every refresh and rotation step."""
    if not args:
        raise PreventUpdate
    lang, screen = args["lang"], current_screen(args, position)
    try:
        parts = build_screen(args["city"], lang, screen, args.get("indicator"))
        stamp = last_update()
    except StoreUnavailable:
        empty = [dash.no_update] * (len(OUTPUTS) + len(MAP_OUTPUTS))
        return [*empty, dash.no_update, True,
                html.Div(t("store_down", lang), className="screen-banner screen-store-down", role="alert")]
    asof = stamp.strftime("%Y-%m-%d %H:%M") if stamp else "—"
    return ([parts[name] for name in OUTPUTS] + [parts[name] for name, _ in MAP_OUTPUTS]
            + [asof, not is_stale(stamp, datetime.now()), None])


# Rotation steps on the client (no server round trip) and pauses after a touch in kiosk mode.
clientside_callback(ClientsideFunction(namespace="cityvitals_screen", function_name="step"),
                    Output("screen-position", "data"), Input("screen-rotate", "n_intervals"),
                    State("screen-position", "data"), State("screen-args", "data"), prevent_initial_call=True)
