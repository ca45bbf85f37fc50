"""One indicator: history with the forecast fan, its districts, comparisons, metadata and alerts.

``/indicator/<code>?city=xiamen&lang=zh&area=350203``: the area defaults to the city itself.
"""

from __future__ import annotations

import math
from datetime import date

import dash
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from forecasting.describe import describe_accuracy, describe_model
from geo.cities import get_city
from indicators.accounts import audit
from indicators.accounts.access import AccessDenied, require
from indicators.catalog.periods import year_ago as year_ago_of
from indicators.views.cache import cacheable_answer
from indicators.views.queries import (
    alerts,
    area_values,
    areas,
    explain_level,
    forecast_of,
    indicators,
    latest_snapshot,
    series,
)
from pages._charts import (
    LEVEL_COLOURS,
    area_ranking_figure,
    history_figure,
    single_period_figure,
)
from pages._export import table_bytes
from pages._format import format_change, format_period, format_value, unit_label
from pages._i18n import (
    department_name,
    localized,
    register_strings,
    t,
    theme_name,
    topic_name,
)
from pages._map_layers import area_hideout, district_map
from pages._shell import current_settings, href, resolve
from pages._widgets import (
    PAGE_FAILURES,
    alert_lines,
    failure_notice,
    level_badge,
    notice,
)

dash.register_page(__name__, cacheable_layout=True, path_template="/indicator/<code>", title="指标 · City Vitals", name="indicator")

register_strings({
    "ind_history": ("历史走势与预测", "History and forecast"),
    "ind_areas": ("各区县对比", "By district"),
    "ind_changes": ("同比环比", "Year-on-year and period-on-period"),
    "ind_meta": ("指标说明", "About this indicator"),
    "ind_alerts": ("相关预警", "Its alerts"),
    "ind_no_alerts": ("该指标当前无预警。", "No open alerts for this indicator."),
    "ind_no_forecast": ("预测尚未生成(预测批处理运行后显示)。", "No forecast yet (shown after the forecast batch runs)."),
    "ind_model": ("预测方法", "Forecast method"),
    "ind_export_csv": ("导出数据 CSV", "Export data (CSV)"),
    "ind_export_xlsx": ("导出数据 Excel", "Export data (Excel)"),
    "ind_period": ("时期", "Period"),
    "ind_value": ("数值", "Value"),
    "ind_code": ("指标代码", "Code"),
    "ind_definition": ("定义", "Definition"),
    "ind_unit": ("单位", "Unit"),
    "ind_frequency": ("更新频率", "Frequency"),
    "ind_source": ("数据来源", "Source"),
    "ind_standard": ("来源标准", "Standard"),
    "ind_sensitivity": ("敏感级别", "Sensitivity"),
    "ind_theme": ("主题", "Theme"),
    "ind_topics": ("专题", "Topics"),
    "ind_area": ("区域", "Area"),
    "ind_ytd_value": ("累计值", "Year to date"),
    "ind_changes_ytd": ("累计与当月", "Year to date and single periods"),
    "ind_single_monthly": ("当月值", "Month"),
    "ind_single_quarterly": ("当季值", "Quarter"),
    "ind_single_yoy_monthly": ("当月同比", "Month YoY"),
    "ind_single_yoy_quarterly": ("当季同比", "Quarter YoY"),
    "ind_single_history": ("当月值", "Single months"),
    "ind_single_history_quarterly": ("当季值", "Single quarters"),
    "ind_accumulation": ("统计口径", "Basis"),
    "acc_period": ("当期值", "Value of the period"),
    "acc_ytd": ("年内累计值(1—N月)", "Year to date (cumulative)"),
    "acc_stock": ("期末值", "Level at the period's end"),
    "ind_derived": ("计算公式", "Formula"),
    "ind_growth_of": ("对应总量指标", "Growth of"),
    "ind_thresholds_city": ("累计类指标的预警阈值按全市总量设定,区县不着色。",
                            "Thresholds of summed indicators apply to the city total; districts are not coloured."),
    "freq_daily": ("日", "Daily"), "freq_weekly": ("周", "Weekly"), "freq_monthly": ("月", "Monthly"),
    "freq_quarterly": ("季", "Quarterly"), "freq_yearly": ("年", "Yearly"),
    "sens_public": ("公开", "Public"), "sens_internal": ("内部", "Internal"), "sens_restricted": ("受限", "Restricted"),
    "sens_secret": ("涉密", "Secret"),
})
CHANGE_ROWS = 13
GRAPH_CONFIG = {"displaylogo": False,
                "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
                "toImageButtonOptions": {"format": "png", "scale": 2}}


def layout(code: str = "", city: str | None = None, lang: str | None = None, area: str | None = None, **_) -> html.Div:
    """The page skeleton; ``fill_indicator`` renders it from the URL's indicator, city, area and language."""
    city, lang = resolve(city, lang)
    return html.Div([
        dcc.Store(id="indicator-args", data={"code": code, "city": city, "lang": lang, "area": area}),
        dcc.Loading(html.Div(id="indicator-content", className="indicator-page"), type="dot"),
        dcc.Download(id="indicator-download"),
    ])


def _area_choice(code: str, city: str, lang: str, area: str, options: pd.DataFrame) -> html.Nav:
    links = [html.A(localized(row, lang),
                    href=href(f"/indicator/{code}", city, lang, area=row["adcode"]),
                    className="chip" + (" is-active" if row["adcode"] == area else ""),
                    **({"aria-current": "true"} if row["adcode"] == area else {}))
             for row in options.to_dict("records")]
    return html.Nav(links, className="chips", **{"aria-label": t("ind_area", lang)})


def _change(new: float, old: float, unit: str) -> float:
    """A change in percentage points (``pp``) or percent, NaN without a usable base."""
    if old is None or math.isnan(old) or (unit == "%" and old == 0):
        return math.nan
    return new - old if unit == "pp" else (new - old) / abs(old) * 100


def change_table(history: pd.DataFrame, meta: dict, lang: str) -> html.Table:
    """The newest periods with their value, YoY and period-on-period change.

    Rates (unit %) change in percentage points, everything else in percent, as on the tiles. A year-to-date
    indicator shows its cumulative value with 累计同比 and, when it is an amount, the single period's value
    with 当月同比 (when not, its 环比 would compare two cumulative values, which says nothing).
    """
    frequency, unit = meta["frequency"], "pp" if meta["unit"] == "%" else "%"
    ytd = meta.get("accumulation") == "ytd"
    indexed = history.dropna(subset=["value"]).set_index("period")
    before = [year_ago_of(p, frequency) for p in indexed.index]
    year_ago = indexed["value"].reindex(before).to_numpy()
    previous = indexed["value"].shift(1).to_numpy()
    single = ytd and indexed["period_value"].notna().any()
    single_year_ago = indexed["period_value"].reindex(before).to_numpy() if single else None
    # For yearly data the previous period is the year before: one change column is enough.
    with_mom = frequency != "yearly" and not ytd
    label = unit_label(meta["unit"], lang)
    rows = []
    for i in range(len(indexed) - 1, max(-1, len(indexed) - 1 - CHANGE_ROWS), -1):
        period, value = indexed.index[i], indexed["value"].iat[i]
        cells = [html.Td(format_period(period, frequency, lang, cumulative=ytd,
                                       jan_feb_merged=bool(meta.get("jan_feb_merged")))),
                 html.Td(f"{format_value(value, lang)} {label}", className="num"),
                 html.Td(format_change(_change(value, year_ago[i], unit), unit, lang), className="num")]
        if with_mom:
            cells.append(html.Td(format_change(_change(value, previous[i], unit), unit, lang), className="num"))
        if single:
            single_value = indexed["period_value"].iat[i]
            cells += [html.Td(f"{format_value(single_value, lang)} {label}", className="num"),
                      html.Td(format_change(_change(single_value, single_year_ago[i], "%"), "%", lang), className="num")]
        rows.append(html.Tr(cells))
    if ytd:
        headers = ["ind_period", "ind_ytd_value", "ytd_yoy"] + (
            [f"ind_single_{frequency}", f"ind_single_yoy_{frequency}"] if single else [])
    else:
        headers = ["ind_period", "ind_value", "yoy"] + (["mom"] if with_mom else [])
    head = html.Thead(html.Tr([html.Th(t(key, lang)) for key in headers]))
    return html.Table([head, html.Tbody(rows)], className="data-table")


def meta_card(meta: dict, lang: str, city: str) -> html.Dl:
    """The indicator's definition, unit, frequency, how it accumulates, department, source and sensitivity;
    a derived indicator's formula and a growth rate's level indicator (linked in ``city``)."""
    items = [
        ("ind_code", meta["code"]),
        ("ind_definition", meta["definition"]),
        ("ind_unit", unit_label(meta["unit"], lang) or "—"),
        ("ind_frequency", t(f"freq_{meta['frequency']}", lang)),
        ("ind_accumulation", t(f"acc_{meta.get('accumulation') or 'period'}", lang)),
        ("ind_theme", theme_name(meta["theme"], lang)),
        ("ind_topics", "、".join(topic_name(x, lang) for x in meta["topics"]) or "—"),
        ("department", department_name(meta["department"], lang)),
        ("ind_source", meta["source"]),
        ("ind_standard", " ".join(x for x in (meta["source_standard"], meta["source_id"]) if x) or "—"),
        ("ind_sensitivity", t(f"sens_{meta['sensitivity']}", lang)),
    ]
    if meta.get("derived"):
        items.append(("ind_derived", meta["derived"]))
    if meta.get("growth_of"):
        items.append(("ind_growth_of", dcc.Link(meta["growth_of"], href=href(f"/indicator/{meta['growth_of']}", city, lang))))
    return html.Dl([part for key, value in items for part in (html.Dt(t(key, lang)), html.Dd(value))],
                   className="meta-list")


def forecast_note(forecast: pd.DataFrame, frequency: str, observations: int, lang: str) -> str:
    """The forecast's method and its held-out accuracy in words (``forecasting.describe``)."""
    model = forecast.attrs.get("model")
    if not model:
        return t("ind_no_forecast", lang)
    accuracy = describe_accuracy(forecast.attrs.get("smape"), model=model, frequency=frequency,
                                 observations=int(observations), lang=lang)
    note = f"{t('ind_model', lang)}: {describe_model(model, lang)}"
    return f"{note} · {accuracy}" if accuracy else note


def export_table(history: pd.DataFrame, forecast: pd.DataFrame, meta: dict, area_name: str, lang: str) -> pd.DataFrame:
    """The history and the forecast of the series as one table to download (a year-to-date amount with
    its single-period values beside the cumulative ones)."""
    actual = history[["period", "value"]].assign(kind=t("chart_actual", lang))
    if history["period_value"].notna().any():
        actual[t(f"ind_single_{meta['frequency']}", lang)] = history["period_value"]
    ahead = (forecast.rename(columns={"yhat": "value"}).assign(kind=t("chart_forecast", lang))
             if not forecast.empty else pd.DataFrame(columns=["period", "value", "kind"]))
    table = pd.concat([actual, ahead], ignore_index=True)
    table.insert(0, "area", area_name)
    table.insert(0, "unit", unit_label(meta["unit"], lang))
    table.insert(0, "code", meta["code"])
    return table


def ranking_hideout(ranking: pd.DataFrame, meta: dict, lang: str, selected: str) -> dict:
    """The small map's colours (warning levels) and tooltips (name and value) per district."""
    districts = ranking[ranking["level"] == "district"]
    names = localized(districts, lang)
    return area_hideout(
        {a: LEVEL_COLOURS.get(w, LEVEL_COLOURS["nodata"]) for a, w in zip(districts["adcode"], districts["warning"])},
        {a: f"{n}: {format_value(v, lang)} {unit_label(meta['unit'], lang)}" for a, n, v in zip(districts["adcode"], names, districts["value"])},
        selected)


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
    history, forecast = series(code, area), forecast_of(code, area)
    snapshot = latest_snapshot(area)
    latest = snapshot[snapshot["code"] == code]
    level = latest["level"].iat[0] if not latest.empty else "nodata"
    city_only = meta["aggregation"] == "sum" and area != city.adcode
    ranking = area_values(code, city_key)
    has_districts = (ranking["level"] == "district").any()
    name = localized(meta, lang)
    return [
        html.Header([
            html.H1([name, " ", html.Small(meta["code"], className="code")], className="page-title"),
            level_badge(level, lang),
        ], className="indicator-head"),
        _area_choice(code, city_key, lang, area, city_areas),
        html.P(explain_level(code, area, lang), className="explanation"),
        html.Div([
            html.Section([
                html.H2(" · ".join([t("ind_history", lang), area_name]
                                   + ([t("ind_ytd_value", lang)] if meta.get("accumulation") == "ytd" else [])),
                        className="section-title"),
                dcc.Graph(figure=history_figure(history, forecast, meta, lang=lang, thresholds=not city_only),
                          config={**GRAPH_CONFIG, "toImageButtonOptions": {
                              **GRAPH_CONFIG["toImageButtonOptions"], "filename": f"{code}-{area}"}},
                          className="history-graph"),
                html.P(t("ind_thresholds_city", lang), className="muted") if city_only else None,
                dcc.Graph(figure=single_period_figure(history, meta, lang=lang),
                          config={**GRAPH_CONFIG, "displayModeBar": False}, className="single-graph")
                if history["period_value"].notna().any() else None,
                html.P(forecast_note(forecast, meta["frequency"], history["value"].notna().sum(), lang),
                       className="muted"),
                html.Div([html.Button(t("ind_export_csv", lang), id="indicator-export-csv", className="button"),
                          html.Button(t("ind_export_xlsx", lang), id="indicator-export-xlsx", className="button")],
                         className="actions"),
            ], className="card wide"),
            html.Section([html.H2(t("ind_meta", lang), className="section-title"), meta_card(meta, lang, city_key)],
                         className="card side"),
        ], className="indicator-grid"),
        html.Div([
            html.Section([html.H2(t("ind_areas", lang), className="section-title"),
                          district_map(city, ranking_hideout(ranking, meta, lang, area), map_id="indicator-map",
                                       tile_url=tile_url, height="260px"),
                          dcc.Graph(figure=area_ranking_figure(ranking, meta, lang=lang),
                                    config={**GRAPH_CONFIG, "displayModeBar": False})],
                         className="card") if has_districts else None,
            html.Section([html.H2(t("ind_changes_ytd" if meta.get("accumulation") == "ytd" else "ind_changes", lang),
                                  className="section-title"),
                          change_table(history, meta, lang)], className="card"),
            html.Section([html.H2(t("ind_alerts", lang), className="section-title"),
                          alert_lines(alerts(city_key, code=code), lang, empty=t("ind_no_alerts", lang))], className="card"),
        ], className="indicator-columns"),
    ]


@callback(Output("indicator-content", "children"), Input("indicator-args", "data"))
@cacheable_answer()
def fill_indicator(args: dict) -> list:
    """Render the page for the URL's indicator, city, area and language."""
    try:
        return build_indicator(args["code"], args["city"], args["lang"], args.get("area"), current_settings().tile_url)
    except PAGE_FAILURES as exc:
        return [failure_notice(exc, args["lang"])]


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
    table = export_table(series(code, area), forecast_of(code, area), meta, area_name, args["lang"])
    audit.record("export", target=f"{code}@{area}", detail={"format": kind, "rows": len(table)})
    return dcc.send_bytes(table_bytes(table, kind), f"{code}-{area}-{date.today():%Y%m%d}.{kind}")
