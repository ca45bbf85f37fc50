"""``/province/screen``: the province on the command centre's wall — the province's configured cities compared on the
1920×1080 stage of ``/screen`` (dark theme, no header, scaled to the window by ``assets/71-screen.js``, which also
runs its clock and offline banner): the overall ranking and each figure as ranked bars on both sides, the open
alerts of the cities by level above the province map. Each city is a link to its own wall. ``?province=福建省``;
default: the province of the city shown. Only the cities the viewer may see are shown; a phone gets the counts and
the panels one below the other instead of a shrunk stage."""

from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html

from geo.cities import get_city
from geo.provinces import province_name, provinces
from indicators.views.cache import cacheable_answer
from indicators.views.province import province_view
from pages._i18n import t
from pages._province_parts import wall_parts
from pages._screen_parts import alert_counter
from pages._shell import resolve
from pages._widgets import PAGE_FAILURES, failure_notice

dash.register_page(__name__, cacheable_layout=True, path="/province/screen", title="全省大屏 · City Vitals",
                   name="province_screen", bare=True)
REFRESH_SECONDS = 300
OUTPUTS = ("title", "left", "right", "counts", "map", "phone")


def layout(city: str | None = None, lang: str | None = None, province: str | None = None, **_query) -> html.Div:
    """The stage's skeleton; ``fill_province_wall`` renders it and again every five minutes."""
    city, lang = resolve(city, lang)
    chosen = province if province in provinces() else get_city(city).province_zh
    header = html.Header([
        html.Div([html.H1(province_name(chosen, lang), id="province-screen-title", className="screen-title"),
                  html.Span(t("screen_demo", lang), className="screen-demo", title=t("demo_note", lang))],
                 className="screen-brand"),
        html.Div(html.Time(id="screen-clock", className="screen-clock", title=t("screen_clock", lang)),
                 className="screen-time"),
    ], className="screen-head")
    stage = html.Div([
        header,
        html.Div([html.Div(id="province-screen-left", className="screen-side"),
                  html.Div([html.Div(id="province-screen-counts"),
                            html.Div(id="province-screen-map", className="screen-map")], className="screen-centre"),
                  html.Div(id="province-screen-right", className="screen-side")], className="screen-body"),
        html.Div(html.P(t("province_wall_note", lang), className="screen-ticker-empty"), className="screen-ticker"),
        html.Div(t("screen_offline", lang), id="screen-offline", className="screen-banner screen-offline", hidden=True,
                 role="alert"),
    ], id="screen-stage", className="screen-stage")
    return html.Div([
        dcc.Store(id="province-screen-args", data={"province": chosen, "city": city, "lang": lang}),
        dcc.Interval(id="province-screen-refresh", interval=REFRESH_SECONDS * 1000),
        stage,
        html.Div(id="province-screen-phone", className="screen-phone", tabIndex="0", role="region",
                 **{"aria-label": t("province_wall_title", lang).format(province=province_name(chosen, lang))}),
    ], id="screen-root", className="screen theme-dark province-screen", lang="en" if lang == "en" else "zh-CN",
        **{"data-lang": lang})


@callback([Output(f"province-screen-{name}", "children") for name in OUTPUTS],
          Input("province-screen-refresh", "n_intervals"), Input("province-screen-args", "data"))
@cacheable_answer(ignoring=("province-screen-refresh.n_intervals",))
def fill_province_wall(_refresh: int | None, args: dict) -> list:
    """Fill the stage with the province's cities the viewer may see."""
    lang = args["lang"]
    try:
        view = province_view(args["province"])
    except PAGE_FAILURES as exc:
        notice = failure_notice(exc, lang)
        return [province_name(args["province"], lang), notice, None, None, None, notice]
    if not view.cities:
        notice = html.P(t("province_none", lang), className="screen-empty")
        return [province_name(args["province"], lang), notice, None, None, None, notice]
    parts = wall_parts(view, lang)
    counts = alert_counter(parts["counts"], lang)
    phone = [html.H1(parts["title"], className="screen-phone-title"), counts, *parts["left"], *parts["right"]]
    return [parts["title"], parts["left"], parts["right"], counts, parts["map"], phone]
