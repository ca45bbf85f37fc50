"""One indicator: history with the forecast fan, its districts, comparisons, metadata and alerts.

``/indicator/<code>?city=xiamen&lang=zh&area=350203``: the area defaults to the city itself. The reads and the
callbacks live here; the builders in ``pages._indicator_parts``, the figures in ``pages._charts``.
"""

from __future__ import annotations

import math
from datetime import date

import dash
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from geo.cities import get_city
from indicators.accounts import audit
from indicators.accounts.access import AccessDenied, require
from indicators.views.annotations import chart_annotations
from indicators.views.cache import cacheable_answer
from indicators.views.queries import (
    alerts,
    area_values,
    areas,
    explain_level,
    forecast_of,
    hourly_series,
    indicators,
    latest_snapshot,
    series,
)
from pages._charts import area_ranking_figure, graph_config, history_figure, single_period_figure
from pages._export import table_bytes
from pages._format import unit_label
from pages._i18n import localized, t
from pages._indicator_parts import (
    alerts_card_body,
    area_choice,
    change_table,
    export_table,
    forecast_note,
    meta_card,
    ranking_hideout,
    GRAPH_CONFIG,
)
from pages._map_layers import district_map
from pages._map_parts import legend as map_legend
from pages._shell import current_settings, resolve
from pages._widgets import PAGE_FAILURES, failure_notice, level_badge, notice

dash.register_page(__name__, cacheable_layout=True, path_template="/indicator/<code>", title="指标 · City Vitals", name="indicator")

# An hourly indicator's chart: a week of hours, the last 48 in view.
HOURLY_CHART_HOURS = 7 * 24


def layout(code: str = "", city: str | None = None, lang: str | None = None, area: str | None = None, **_) -> html.Div:
    """The page skeleton; ``fill_indicator`` renders it from the URL's indicator, city, area and language."""
    city, lang = resolve(city, lang)
    return html.Div([
        dcc.Store(id="indicator-args", data={"code": code, "city": city, "lang": lang, "area": area}),
        dcc.Loading(html.Div(id="indicator-content", className="indicator-page"), type="dot"),
        dcc.Download(id="indicator-download"),
    ])


def history_of(code: str, area: str, frequency: str) -> pd.DataFrame:
    """The series the page draws: ``queries.series``, or an hourly indicator's last ``HOURLY_CHART_HOURS`` hours
    in the same columns (``period`` an hour)."""
    if frequency != "hourly":
        return series(code, area)
    hours = hourly_series(code, area, hours=HOURLY_CHART_HOURS)
    return hours.rename(columns={"observed_at": "period"}).assign(first_value=math.nan, period_value=math.nan)


def _meta(code: str) -> dict | None:
    catalog = indicators()
    rows = catalog[catalog["code"] == code]
    return rows.iloc[0].to_dict() if not rows.empty else None


def build_indicator(code: str, city_key: str, lang: str, area: str | None, tile_url: str = "") -> list:
    """The page's content for one indicator in one area of a city (``tile_url``: the map's tiles).

    Returns:
        The components; a "not found" notice for an unknown code.
    """
    meta = _meta(code)
    if meta is None:
        return [notice(t("not_found", lang), "error")]
    meta = {**meta, "unit_label": unit_label(meta["unit"], lang)}
    city = get_city(city_key)
    city_areas = areas(city_key)
    area = area if area in set(city_areas["adcode"]) else city.adcode
    area_row = city_areas[city_areas["adcode"] == area].iloc[0]
    area_name = localized(area_row, lang)
    history, forecast = history_of(code, area, meta["frequency"]), forecast_of(code, area)
    events = chart_annotations(city_key, code, area)
    snapshot = latest_snapshot(area)
    latest = snapshot[snapshot["code"] == code]
    level = latest["level"].iat[0] if not latest.empty else "nodata"
    city_only = meta["aggregation"] == "sum" and area != city.adcode
    ranking = area_values(code, city_key)
    has_districts = (ranking["level"] == "district").any()
    small_map = ranking_hideout(ranking, meta, lang, area)
    name = localized(meta, lang)
    return [
        html.Header([
            html.H1([name, " ", html.Small(meta["code"], className="code")], className="page-title"),
            level_badge(level, lang),
        ], className="indicator-head"),
        area_choice(code, city_key, lang, area, city_areas),
        html.P(explain_level(code, area, lang), className="explanation"),
        html.Div([
            html.Section([
                html.H2(" · ".join([t("ind_history", lang), area_name]
                                   + ([t("ind_ytd_value", lang)] if meta.get("accumulation") == "ytd" else [])),
                        className="section-title"),
                dcc.Graph(figure=history_figure(history, forecast, meta, lang=lang, thresholds=not city_only,
                                                 annotations=events),
                          config=graph_config(lang, {**GRAPH_CONFIG, "toImageButtonOptions": {
                              **GRAPH_CONFIG["toImageButtonOptions"], "filename": f"{code}-{area}"}}),
                          className="history-graph"),
                html.P(t("ind_thresholds_city", lang), className="muted") if city_only else None,
                dcc.Graph(figure=single_period_figure(history, meta, lang=lang),
                          config=graph_config(lang, {**GRAPH_CONFIG, "displayModeBar": False}), className="single-graph")
                if history["period_value"].notna().any() else None,
                html.P(forecast_note(forecast, meta, history["value"].notna().sum(), lang), className="muted"),
                html.Div([html.Button(t("ind_export_csv", lang), id="indicator-export-csv", className="button"),
                          html.Button(t("ind_export_xlsx", lang), id="indicator-export-xlsx", className="button")],
                         className="actions"),
            ], className="card wide"),
            html.Section([html.H2(t("ind_meta", lang), className="section-title"), meta_card(meta, lang, city_key)],
                         className="card side"),
        ], className="indicator-grid"),
        html.Div([
            html.Section([html.H2(t("ind_areas", lang), className="section-title"),
                          # Drawn when it nears the screen (assets/63-near-screen.js, ``draw_area_map``): a phone
                          # that does not scroll down to it never downloads Leaflet.
                          html.Div(id="indicator-map-slot", className="map-slot", **{"data-near-store": "indicator-map-near"}),
                          dcc.Store(id="indicator-map-near"),
                          map_legend(small_map["mode"], small_map["breaks"], lang, unit=meta["unit"]),
                          dcc.Graph(figure=area_ranking_figure(ranking, meta, lang=lang),
                                    config=graph_config(lang, {**GRAPH_CONFIG, "displayModeBar": False}))],
                         className="card") if has_districts else None,
            html.Section([html.H2(t(("ind_changes_ytd_quarterly" if meta["frequency"] == "quarterly" else "ind_changes_ytd")
                                 if meta.get("accumulation") == "ytd" else "ind_changes", lang),
                                  className="section-title"),
                          change_table(history, meta, lang)], className="card"),
            html.Section([html.H2(t("ind_alerts", lang), className="section-title"),
                          *alerts_card_body(alerts(city_key, code=code), handled_alerts(city_key, code), meta, level,
                                            lang)], className="card"),
        ], className="indicator-columns"),
    ]


def handled_alerts(city_key: str, code: str) -> pd.DataFrame:
    """The indicator's resolved and closed alerts in the city, the latest handled first."""
    every = alerts(city_key, code=code, state=None)
    return every[every["state"].isin(("resolved", "closed"))].sort_values("updated_at", ascending=False)


@callback(Output("indicator-content", "children"), Input("indicator-args", "data"))
@cacheable_answer()
def fill_indicator(args: dict) -> list:
    """Render the page for the URL's indicator, city, area and language."""
    try:
        return build_indicator(args["code"], args["city"], args["lang"], args.get("area"), current_settings().tile_url)
    except PAGE_FAILURES as exc:
        return [failure_notice(exc, args["lang"])]


@callback(Output("indicator-map-slot", "children"), Input("indicator-map-near", "data"),
          State("indicator-args", "data"), prevent_initial_call=True)
def draw_area_map(near: bool | None, args: dict) -> list:
    """The districts' map, once its place nears the screen (the same reads as the page, so the same access)."""
    meta = _meta(args["code"]) if near else None
    if meta is None:
        return []
    city, lang = get_city(args["city"]), args["lang"]
    area = args.get("area") if args.get("area") in set(areas(city.key)["adcode"]) else city.adcode
    hideout = ranking_hideout(area_values(args["code"], city.key), meta, lang, area)
    return [district_map(city, hideout, map_id="indicator-map", tile_url=current_settings().tile_url, height="260px",
                         labels=lang)]


@callback(Output("indicator-download", "data"),
          Input("indicator-export-csv", "n_clicks"), Input("indicator-export-xlsx", "n_clicks"),
          State("indicator-args", "data"), prevent_initial_call=True)
def export_data(_csv: int | None, _xlsx: int | None, args: dict) -> dict:
    """The series (history and forecast) as a CSV or Excel file, recorded in the audit log.

    Refused (403, nothing sent) when the viewer may not export or may not see the indicator or area.
    """
    kind = "xlsx" if dash.ctx.triggered_id == "indicator-export-xlsx" else "csv"
    require("data.export")
    code, city = args["code"], get_city(args["city"])
    meta = _meta(code)
    if meta is None:
        raise AccessDenied(f"indicator {code!r} unknown or not permitted")
    area = args.get("area") or city.adcode
    names = areas(args["city"]).set_index("adcode")
    area_name = names.loc[area, "name_en" if args["lang"] == "en" else "name_zh"] if area in names.index else area
    table = export_table(history_of(code, area, meta["frequency"]), forecast_of(code, area), meta, area_name,
                         args["lang"])
    audit.record("export", target=f"{code}@{area}", detail={"format": kind, "rows": len(table)})
    return dcc.send_bytes(table_bytes(table, kind), f"{code}-{area}-{date.today():%Y%m%d}.{kind}")
