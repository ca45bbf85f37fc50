"""``/area/<adcode>``: a district's (or the city's) profile — theme scores, worst indicators,
alerts, and its rank among the districts on each headline indicator."""

from __future__ import annotations

import dash
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from geo.cities import get_city, load_cities
from indicators.views.cache import cacheable_answer
from indicators.views.queries import (
    alerts,
    areas,
    district_ranks,
    latest_snapshot,
    theme_scores,
)
from indicators.catalog.levels import Level
from pages._format import format_value, unit_label
from pages._i18n import localized, register_strings, t
from pages._map_layers import alert_points, area_hideout, district_map
from pages._shell import current_settings, href, resolve
from pages._tokens import LEVEL_COLOURS
from pages._widgets import (
    PAGE_FAILURES,
    alert_lines,
    failure_notice,
    indicator_tile,
    notice,
    theme_card,
)

dash.register_page(__name__, cacheable_layout=True, path_template="/area/<adcode>", title="区域 · City Vitals", name="area", order=2.5,
                   nav="nav_areas", nav_path="/area/city")

register_strings({
    "area_worst": ("需要关注的指标", "Indicators needing attention"),
    "area_alerts": ("本区域预警", "Alerts in this area"),
    "area_no_alerts": ("本区域当前无预警。", "No open alerts in this area."),
    "area_ranks": ("核心指标区县排名", "Rank among districts on headline indicators"),
    "area_rank": ("排名", "Rank"),
    "area_indicator": ("指标", "Indicator"),
    "area_value": ("数值", "Value"),
    "area_others": ("其他区域", "Other areas"),
    "area_all_normal": ("本区域全部指标处于正常范围。", "Every indicator of this area is in its normal range."),
    "area_map": ("各区县未结预警(颜色为最高等级,点击进入该区县)",
                 "Open alerts by district (colour: the worst level; click for the district)"),
    "area_map_none": ("无未结预警", "no open alerts"),
    "area_map_tip": ("{n} 条未结预警,最高{level}", "{n} open alerts, worst {level}"),
})
WORST_SHOWN = 12


def city_of(adcode: str) -> str | None:
    """The key of the configured city an area belongs to (by the adcode's first four digits)."""
    for key, city in load_cities().items():
        if city.adcode[:4] == adcode[:4]:
            return key
    return None


def worst_rows(snapshot: pd.DataFrame) -> pd.DataFrame:
    """The indicators in warning, worst first (the snapshot is already ordered so), at most WORST_SHOWN."""
    return snapshot[snapshot["level"] != "normal"].head(WORST_SHOWN)


def rank_table(ranks: pd.DataFrame, catalog: pd.DataFrame, adcode: str, city: str, lang: str) -> html.Table:
    """This area's rank on each headline indicator, weakest ranks first (where to act)."""
    mine = ranks[ranks["adcode"] == adcode].merge(catalog, on="code").sort_values("rank", ascending=False)
    rows = [html.Tr([
        html.Td(dcc.Link(localized(row, lang),
                         href=href(f"/indicator/{row['code']}", city, lang, area=adcode))),
        html.Td(f"{format_value(row['value'], lang)} {unit_label(row['unit'], lang)}", className="num"),
        html.Td(f"{row['rank']} / {row['of']}", className="num rank-bad" if row["rank"] == row["of"] else "num"),
    ]) for row in mine.to_dict("records")]
    head = html.Thead(html.Tr([html.Th(t(key, lang)) for key in ("area_indicator", "area_value", "area_rank")]))
    return html.Table([head, html.Tbody(rows)], className="data-table")


def alerts_map(city_key: str, adcode: str, open_alerts: pd.DataFrame, lang: str, tile_url: str) -> html.Figure:
    """The city's districts coloured by their worst open alert, this one outlined, with the alert markers and the
    districts' names; a district without alerts is normal."""
    city = get_city(city_key)
    in_district = open_alerts[open_alerts["area_adcode"].isin([d.adcode for d in city.districts])]
    colours, labels = {}, {}
    for district in city.districts:
        levels = in_district.loc[in_district["area_adcode"] == district.adcode, "level"]
        worst = Level.worst(levels) if len(levels) else Level.NORMAL
        colours[district.adcode] = LEVEL_COLOURS[worst.value]
        tip = (t("area_map_tip", lang).format(n=len(levels), level=worst.label(lang)) if len(levels)
               else t("area_map_none", lang))
        labels[district.adcode] = [district.name(lang), tip]
    hideout = area_hideout(colours, labels, selected=adcode if adcode != city.adcode else None)
    return district_map(city, hideout, map_id="area-map", tile_url=tile_url, height="360px",
                        alerts=alert_points(city, in_district, lang), labels=lang)


def build_area(adcode: str, lang: str, tile_url: str = "") -> list:
    """The profile of one area (unknown adcodes give a "not found" notice); ``tile_url`` for its map's tiles."""
    city = city_of(adcode)
    city_areas = areas(city) if city else pd.DataFrame(columns=["adcode"])
    if city is None or adcode not in set(city_areas["adcode"]):
        return [notice(t("not_found", lang), "error")]
    row = city_areas[city_areas["adcode"] == adcode].iloc[0]
    snapshot = latest_snapshot(adcode)
    totals = snapshot["theme"].value_counts()
    others = [dcc.Link(localized(r, lang), href=href(f"/area/{r['adcode']}", city, lang),
                       className="chip" + (" is-active" if r["adcode"] == adcode else ""))
              for r in city_areas.to_dict("records")]
    worst = worst_rows(snapshot)
    ranks = district_ranks(city)
    open_alerts = alerts(city)
    catalog = snapshot[["code", "name_zh", "name_en", "unit"]]
    return [
        html.Nav(others, className="chips", **{"aria-label": t("area_others", lang)}),
        html.H1(localized(row, lang), className="page-title"),
        html.Div([theme_card(r, lang=lang, total=int(totals.get(r["theme"], 0)))
                  for r in theme_scores(adcode).to_dict("records")], className="theme-grid"),
        html.H2(t("area_worst", lang), className="section-title"),
        html.Div([indicator_tile(r, lang=lang, link=href(f"/indicator/{r['code']}", city, lang, area=adcode))
                  for r in worst.to_dict("records")], className="tile-grid")
        if not worst.empty else html.P(t("area_all_normal", lang), className="muted"),
        html.Div([
            html.Section([html.H2(t("area_alerts", lang), className="section-title"),
                          alert_lines(alerts(city, adcode=adcode), lang, empty=t("area_no_alerts", lang)),
                          html.H3(t("area_map", lang), className="area-map-title"),
                          alerts_map(city, adcode, open_alerts, lang, tile_url)], className="card"),
            html.Section([html.H2(t("area_ranks", lang), className="section-title"),
                          rank_table(ranks, catalog, adcode, city, lang)], className="card")
            if row["level"] == "district" else None,
        ], className="area-columns"),
    ]


def layout(adcode: str = "", city: str | None = None, lang: str | None = None, **_) -> html.Div:
    """The page skeleton; ``fill_area`` renders it. ``/area/city`` is the city's own profile
    (the navigation's entry), whichever city the URL names; so is a district of another city
    than the URL's (after the header's city switch)."""
    asked = city
    city, lang = resolve(city, lang)
    if adcode == "city" or (asked and city_of(adcode) not in (None, city)):
        adcode = get_city(city).adcode
    return html.Div([
        dcc.Store(id="area-args", data={"adcode": adcode, "lang": lang}),
        dcc.Location(id="area-go", refresh="callback-nav"),
        dcc.Loading(html.Div(id="area-content", className="area-page"), type="dot"),
    ])


@callback(Output("area-content", "children"), Input("area-args", "data"))
@cacheable_answer()
def fill_area(args: dict) -> list:
    """Render the area's profile."""
    try:
        return build_area(args["adcode"], args["lang"], current_settings().tile_url)
    except PAGE_FAILURES as exc:
        return [failure_notice(exc, args["lang"])]


@callback(Output("area-go", "href"), Input("area-map-areas", "clickData"), State("area-args", "data"),
          prevent_initial_call=True)
def open_district(feature: dict | None, args: dict):
    """A click on a district of the map opens its profile."""
    adcode = ((feature or {}).get("properties") or {}).get("adcode")
    city = city_of(adcode) if adcode else None
    if city is None or adcode == args["adcode"]:
        return dash.no_update
    return href(f"/area/{adcode}", city, args["lang"])
