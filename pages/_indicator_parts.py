"""Pure builders of the indicator page (``/indicator/<code>``): its strings, the area chips, the change table,
the metadata card, the forecast note, the export table and the district ranking's map colours — values in,
components out."""

from __future__ import annotations

import math

import pandas as pd
from dash import dcc, html

from forecasting.describe import describe_accuracy, describe_model
from indicators.catalog.levels import LEVELS
from indicators.catalog.periods import year_ago as year_ago_of
from indicators.warnings.rules import is_seasonal
from pages._format import format_change, format_period, format_value, unit_label
from pages._i18n import (
    definition_text,
    department_name,
    localized,
    register_strings,
    source_name,
    t,
    theme_name,
    topic_name,
)
from pages._map_layers import area_hideout
from pages._map_parts import small_map_colouring
from pages._shell import href
from pages._widgets import alert_lines

register_strings({
    "ind_history": ("历史走势与预测", "History and forecast"),
    "ind_areas": ("各区县对比", "By district"),
    "ind_changes": ("同比环比", "Year-on-year and period-on-period"),
    "ind_meta": ("指标说明", "About this indicator"),
    "ind_alerts": ("相关预警", "Its alerts"),
    "ind_no_alerts": ("该指标当前无预警。", "No open alerts for this indicator."),
    "ind_no_alert_seasonal": ("数值在预警区间,但处在往年同期的常见范围内:天气与空气类指标按季节判断,不生成预警。",
                              "The value is in a warning band but within what the same time of year reached in "
                              "earlier years: weather and air figures are judged by season, so no alert is raised."),
    "ind_handled_alerts": ("近期已办结", "Recently handled"),
    "ind_hourly_no_forecast": ("小时指标不做预测;其日值(按小时汇总)的预测见 {daily}。",
                               "Hourly values are not forecast; see the forecast of their days, {daily}."),
    "ind_no_forecast": ("预测尚未生成(预测批处理运行后显示)。", "No forecast yet (shown after the forecast batch runs)."),
    "ind_derived_no_forecast": ("本指标由其他指标计算得出({derived}),不单独预测:单独的预测会与其输入指标的预测相矛盾。",
                                "Computed from other indicators ({derived}), so not forecast on its own: a forecast "
                                "of its own would contradict its inputs' forecasts."),
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
    "ind_changes_ytd_quarterly": ("累计与当季", "Year to date and single quarters"),
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
    "freq_hourly": ("小时", "Hourly"),
    "freq_daily": ("日", "Daily"), "freq_weekly": ("周", "Weekly"), "freq_monthly": ("月", "Monthly"),
    "freq_quarterly": ("季", "Quarterly"), "freq_yearly": ("年", "Yearly"),
    "sens_public": ("公开", "Public"), "sens_internal": ("内部", "Internal"), "sens_restricted": ("受限", "Restricted"),
    "sens_secret": ("涉密", "Secret"),
})
CHANGE_ROWS = 13
GRAPH_CONFIG = {"displaylogo": False,
                "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
                "toImageButtonOptions": {"format": "png", "scale": 2}}


def area_choice(code: str, city: str, lang: str, area: str, options: pd.DataFrame) -> html.Nav:
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
                 html.Td(format_value(value, lang), className="num"),
                 html.Td(format_change(_change(value, year_ago[i], unit), unit, lang), className="num")]
        if with_mom:
            cells.append(html.Td(format_change(_change(value, previous[i], unit), unit, lang), className="num"))
        if single:
            single_value = indexed["period_value"].iat[i]
            cells += [html.Td(format_value(single_value, lang), className="num"),
                      html.Td(format_change(_change(single_value, single_year_ago[i], "%"), "%", lang), className="num")]
        rows.append(html.Tr(cells))
    if ytd:
        headers = ["ind_period", "ind_ytd_value", "ytd_yoy"] + (
            [f"ind_single_{frequency}", f"ind_single_yoy_{frequency}"] if single else [])
    else:
        headers = ["ind_period", "ind_value", "yoy"] + ([f"mom_{frequency}"] if with_mom else [])
    # The unit is said once, in the value columns' headings, not in every cell: on a phone five columns
    # of "2,350 100M yuan" ran past the card and widened the page.
    valued = {"ind_value", "ind_ytd_value", f"ind_single_{frequency}"}
    open_, close = ("(", ")") if lang == "zh" else (" (", ")")
    head = html.Thead(html.Tr([html.Th(f"{t(key, lang)}{open_}{label}{close}" if key in valued and label else t(key, lang))
                               for key in headers]))
    return html.Table([head, html.Tbody(rows)], className="data-table")


def alerts_card_body(open_alerts: pd.DataFrame, handled: pd.DataFrame, meta: dict, level: str, lang: str) -> list:
    """The indicator's open alerts; where there are none, why a value in a warning band raised none (judged by
    season), and the alerts handled lately, so the card tells the indicator's record rather than stand empty."""
    body = [alert_lines(open_alerts, lang, empty=t("ind_no_alerts", lang))]
    if open_alerts.empty and level in LEVELS and is_seasonal(meta["theme"], meta["frequency"]):
        body.append(html.P(t("ind_no_alert_seasonal", lang), className="muted"))
    if not handled.empty:
        body += [html.H3(t("ind_handled_alerts", lang), className="map-panel-subtitle"),
                 alert_lines(handled, lang, empty="", limit=5)]
    return body


def meta_card(meta: dict, lang: str, city: str) -> html.Dl:
    """The indicator's definition, unit, frequency, how it accumulates, department, source and sensitivity;
    a derived indicator's formula and a growth rate's level indicator (linked in ``city``)."""
    items = [
        ("ind_code", meta["code"]),
        ("ind_definition", definition_text(meta["code"], meta["definition"], lang)),
        ("ind_unit", unit_label(meta["unit"], lang) or "—"),
        ("ind_frequency", t(f"freq_{meta['frequency']}", lang)),
        ("ind_accumulation", t(f"acc_{meta.get('accumulation') or 'period'}", lang)),
        ("ind_theme", theme_name(meta["theme"], lang)),
        ("ind_topics", "、".join(topic_name(x, lang) for x in meta["topics"]) or "—"),
        ("department", department_name(meta["department"], lang)),
        ("ind_source", source_name(meta["source"], lang) or "—"),
        ("ind_standard", " ".join(x for x in (meta["source_standard"], meta["source_id"]) if x) or "—"),
        ("ind_sensitivity", t(f"sens_{meta['sensitivity']}", lang)),
    ]
    if meta.get("derived"):
        items.append(("ind_derived", meta["derived"]))
    if meta.get("growth_of"):
        items.append(("ind_growth_of", dcc.Link(meta["growth_of"], href=href(f"/indicator/{meta['growth_of']}", city, lang))))
    return html.Dl([part for key, value in items for part in (html.Dt(t(key, lang)), html.Dd(value))],
                   className="meta-list")


def forecast_note(forecast: pd.DataFrame, meta: dict, observations: int, lang: str) -> str:
    """The forecast's method and its held-out accuracy in words (``forecasting.describe``), or why there is none:
    the batch forecasts neither hourly nor derived indicators (``indicators.forecasts.batch.stale_series``)."""
    if meta["frequency"] == "hourly":
        return t("ind_hourly_no_forecast", lang).format(daily=meta["rolls_up_to"])
    if meta.get("derived"):
        return t("ind_derived_no_forecast", lang).format(derived=meta["derived"])
    model, frequency = forecast.attrs.get("model"), meta["frequency"]
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
    """The small map's colours (warning levels, or quintiles when every district has the same level) and
    tooltips (name and value) per district; ``mode`` and ``breaks`` say which colouring, for its legend."""
    districts = ranking[ranking["level"] == "district"]
    names = localized(districts, lang)
    mode, colours, breaks = small_map_colouring(districts)
    hideout = area_hideout(
        colours,
        {a: f"{n}: {format_value(v, lang)} {unit_label(meta['unit'], lang)}" for a, n, v in zip(districts["adcode"], names, districts["value"])},
        selected)
    return {**hideout, "mode": mode, "breaks": breaks}
