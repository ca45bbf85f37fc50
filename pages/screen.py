"""``/screen``: the leaders' big-screen cockpit (一屏通览).

A fixed 1920×1080 stage, scaled to the window by ``assets/71-screen.js`` (3840×2160 is exactly 2×),
dark theme, no header or footer (``bare=True``). The city's districts on a map in the centre,
coloured by a headline indicator's warning level; the five themes around it with their health
score and headline tiles; open alerts by level; a ticker of the newest alerts; a live clock
(client-side) and the data's as-of time.

URL parameters:

- ``city``, ``lang``: as everywhere.
- ``topic=<topic>``: a topic screen of one of the city's topics (the themes show the topic's indicators).
- ``focus=<theme>``: the overview led by one theme (its panel marked, the map shows one of its indicators).
- ``indicator=<code>``: the indicator on the map (default: the screen's worst headline with district data).
- ``rotate=playlist``: cycle the city's playlist (``indicators/catalog/screens.yaml``), each screen for its
  seconds; ``rotate=SECONDS``: the playlist's screens, each for SECONDS.
- ``kiosk=1``: data only, no controls, no cursor; a touch or click pauses the rotation for 60 s.
- ``refresh=SECONDS``: how often the data is re-read (default 60).

What the stage shows is data: the screen definitions (title, which indicators, the panels of the left,
centre and right columns) and each city's playlist are in ``indicators/catalog/screens.yaml``, the topics
in ``indicators/catalog/topics.yaml``. The content is built by pure functions (data in, components out); ``build_screen`` reads the
store and is cached per data version. Rotation and refresh only change the content's children
and the map's ``hideout``: the stage, the map's geometry and the clock stay in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import dash
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
from indicators.catalog.entries import THEMES
from indicators.catalog.topics import topic_of, topics_for
from indicators.store.db import StoreUnavailable
from indicators.views.cache import cacheable_answer
from indicators.views.queries import last_update
from indicators.views.screen import rotation, screen_view
from pages._i18n import t
from pages._map_layers import EMPTY, area_hideout, district_map
from pages._screen_parts import screen_parts, screen_title
from pages._shell import current_settings, resolve

dash.register_page(__name__, cacheable_layout=True, path="/screen", title="一屏通览 · City Vitals", name="screen", bare=True)

STALE_AFTER = timedelta(days=2)
DEFAULT_REFRESH, MIN_SECONDS = 60, 5


# ---------------------------------------------------------------- arguments and rotation

def _seconds(value: str | None, default: int | None) -> int | None:
    try:
        return max(MIN_SECONDS, int(float(value))) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


def screen_args(city: str | None, lang: str | None, query: Mapping[str, str | None]) -> dict:
    """The screen's state from the URL: city and language resolved, topic/focus/indicator checked,
    rotation and refresh in seconds (rotation None when off), kiosk a bool, and the start
    position in the rotation."""
    city, lang = resolve(city, lang)
    topic = query.get("topic") if topic_of(city, query.get("topic") or "") else None
    focus = query.get("focus") if query.get("focus") in THEMES else None
    screen = topic or focus or "overview"
    playlist = rotation(city)
    screens = [name for name, _ in playlist]
    by_playlist = query.get("rotate") == "playlist"
    rotate = playlist[0][1] if by_playlist and playlist else _seconds(query.get("rotate"), None)
    return {
        "city": city, "lang": lang, "screen": screen, "indicator": query.get("indicator") or None,
        "rotate": rotate, "refresh": _seconds(query.get("refresh"), DEFAULT_REFRESH),
        "kiosk": query.get("kiosk") in ("1", "true", "yes"),
        "screens": screens if rotate else [screen],
        "seconds": [seconds if by_playlist else rotate for _, seconds in playlist] if rotate else [],
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


def build_screen(city_key: str, lang: str, screen: str, indicator: str | None = None) -> dict:
    """The screen's content for a city: its view (``indicators.views.screen``) built into the stage's parts."""
    return screen_parts(screen_view(city_key, screen, indicator), lang)


# ---------------------------------------------------------------- page

def controls(args: Mapping) -> html.Nav:
    """Links to the overview and the topic screens, rotation, language and city (not in kiosk mode)."""
    city, lang, screen = args["city"], args["lang"], args["screen"]
    keep = {"refresh": args["refresh"] if args["refresh"] != DEFAULT_REFRESH else None}

    def link(text: str, target: str, active: bool) -> html.A:
        return html.A(text, href=target, className="screen-control" + (" is-active" if active else ""),
                      **({"aria-current": "true"} if active else {}))

    screens = [link(t("screen_overview", lang), screen_link(city, lang, **keep), screen == "overview" and not args["rotate"])]
    screens += [link(topic.name(lang), screen_link(city, lang, topic=topic.key, **keep),
                     screen == topic.key and not args["rotate"]) for topic in topics_for(city)]
    rotate = (link(t("screen_rotate_stop", lang), screen_link(city, lang, **keep), True) if args["rotate"]
              else link(t("screen_rotate", lang), screen_link(city, lang, rotate="playlist", **keep), False))
    other_lang = "en" if lang == "zh" else "zh"
    query = {"topic": args["screen"] if topic_of(city, args["screen"]) else None,
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
        html.Div([html.H1(screen_title(city_obj.name(lang), args["screen"], lang, args["city"]), id="screen-title",
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
                              height="640px", alerts=EMPTY, labels=lang), className="screen-map"),
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
        # A phone's summary instead of the shrunk stage; it scrolls, so a keyboard can reach it (tabIndex).
        html.Div(id="screen-phone", className="screen-phone", tabIndex="0", role="region",
                 **{"aria-label": t("screen_title", lang)}),
    ], id="screen-root", className="screen theme-dark" + (" screen-kiosk" if args["kiosk"] else ""),
        lang="en" if lang == "en" else "zh-CN",
        **{"data-lang": lang, "data-kiosk": "1" if args["kiosk"] else "0", "data-rotate": str(args["rotate"] or 0)})


OUTPUTS = ("title", "left", "right", "counts", "ticker", "map_caption", "phone")
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

# Each screen stays for its playlist seconds.
clientside_callback(ClientsideFunction(namespace="cityvitals_screen", function_name="interval"),
                    Output("screen-rotate", "interval"), Input("screen-position", "data"), State("screen-args", "data"))
