"""``/province``: a province's configured cities (福建: 厦门, 宁德 …) ranked on headline figures, on a map of the
cities (their county boundaries dissolved), each a link to the city. ``?province=福建省``; default: the province of
the city shown. Only the cities the viewer may see are ranked."""

from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html
from dash.exceptions import PreventUpdate

from geo.cities import get_city
from geo.provinces import provinces
from indicators.views.cache import cacheable_answer
from indicators.views.province import province_view
from pages._province_parts import province_content
from pages._shell import href, resolve
from pages._widgets import PAGE_FAILURES, failure_notice

dash.register_page(__name__, cacheable_layout=True, path="/province", title="全省 · City Vitals", name="province")


def layout(city: str | None = None, lang: str | None = None, province: str | None = None, **_query) -> html.Div:
    """The skeleton; ``fill_province`` renders it."""
    city, lang = resolve(city, lang)
    chosen = province if province in provinces() else get_city(city).province_zh
    return html.Div([
        dcc.Store(id="province-args", data={"province": chosen, "city": city, "lang": lang}),
        dcc.Location(id="province-go", refresh=True),
        dcc.Loading(html.Div(id="province-content", className="province-page"), type="dot"),
    ])


@callback(Output("province-content", "children"), Input("province-args", "data"))
@cacheable_answer()
def fill_province(args: dict) -> list:
    """Rank the province's cities the viewer may see."""
    try:
        return province_content(province_view(args["province"]), args["lang"])
    except PAGE_FAILURES as exc:
        return [failure_notice(exc, args["lang"])]


@callback(Output("province-go", "href"), Input("province-map-areas", "clickData"), Input("province-args", "data"),
          prevent_initial_call=True)
def open_city(feature: dict | None, args: dict) -> str:
    """A click on a city opens its cockpit."""
    if not feature or dash.ctx.triggered_id != "province-map-areas":
        raise PreventUpdate
    return href("/", feature["properties"]["key"], args["lang"])
