"""Figures of the pages: data in, ``go.Figure`` out, no I/O (tested without a browser)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import pandas as pd
import plotly.graph_objects as go

from forecasting.describe import model_explanation, model_short_name
from indicators.catalog.levels import LEVELS, Level
from pages._format import format_period, format_value
from pages._i18n import localized, register_strings, t
from pages._tokens import LEVEL_COLOURS, TOKENS

register_strings({
    "chart_threshold": ("{level}阈值 {value}", "{level} threshold {value}"),
    "chart_model": ("预测方法:{name}", "Forecast: {name}"),
    "chart_fan_hint": ("阴影:80% 与 95% 预测区间", "Shaded: 80% and 95% forecast intervals"),
})

# The design palette (assets/00-variables.css): the actual line in the accent, the forecast in its own token.
LINE, FORECAST = TOKENS["--accent"], TOKENS["--chart-forecast"]
GRID, MUTED = TOKENS["--surface-sunken"], TOKENS["--text-muted"]
ANNOTATION = TOKENS["--chart-annotation"]
# The fan's bands: the forecast's colour, lighter for the wider interval.
BAND_OPACITY = {95: 0.14, 80: 0.28}
# An event's label on the chart is cut at this many characters (its whole title shows on hover).
EVENT_TITLE_CHARS = {"zh": 16, "en": 28}
# Hours an hourly indicator's chart shows at first (the range buttons reach the rest).
HOURS_IN_VIEW = 48
FONT = "Noto Sans CJK SC, Microsoft YaHei, Arial, sans-serif"


# Plotly's dates in Chinese (its zh-CN locale, from plotly.js dist/plotly-locale-zh-cn.js, given as the config's
# ``locales`` so that nothing is fetched): without it a Chinese page's date axes read "Jan 2026".
ZH_CN = {"format": {
    "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
    "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
    "months": ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"],
    "shortMonths": ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"],
    "date": "%Y-%m-%d"}}


def graph_config(lang: str, config: dict) -> dict:
    """``config`` for a ``dcc.Graph`` speaking the page's language (dates in Chinese on a Chinese page)."""
    return {**config, "locale": "zh-CN", "locales": {"zh-CN": ZH_CN}} if lang == "zh" else {**config, "locale": "en"}


def _base_layout(figure: go.Figure, *, height: int) -> go.Figure:
    figure.update_layout(
        height=height, margin={"l": 56, "r": 16, "t": 16, "b": 40}, font={"family": FONT, "size": 13, "color": MUTED},
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)", hovermode="x unified",
        legend={"orientation": "h", "y": -0.18, "x": 0}, separators=".,",
    )
    figure.update_xaxes(gridcolor=GRID, zeroline=False)
    figure.update_yaxes(gridcolor=GRID, zeroline=False)
    return figure


def threshold_bands(meta: Mapping, low: float, high: float) -> list[dict]:
    """The warning zones of an indicator between ``low`` and ``high``, as y-ranges per level.

    A value must pass a threshold to take its level (see ``indicators.catalog.levels``): for an
    indicator where lower is worse ("up"), the yellow zone runs from the yellow threshold down to
    the orange one; for "down" it runs upwards. Indicators steered to a target have no bands.

    Returns:
        ``[{"level", "y0", "y1"}]`` clipped to ``[low, high]``, for the levels with a threshold
        whose zone reaches into that range.
    """
    direction = meta["direction"]
    if direction not in ("up", "down"):
        return []
    present = [(level, float(meta[level])) for level in LEVELS
               if meta.get(level) is not None and not math.isnan(float(meta[level]))]
    bands = []
    for index, (level, start) in enumerate(present):
        worse = present[index + 1][1] if index + 1 < len(present) else (low if direction == "up" else high)
        y0, y1 = sorted((start, worse))
        y0, y1 = max(y0, low), min(y1, high)  # only the part inside the chart's range
        if y1 > y0:
            bands.append({"level": level, "y0": y0, "y1": y1})
    return bands


def history_figure(history: pd.DataFrame, forecast: pd.DataFrame, meta: Mapping, *, lang: str,
                   thresholds: bool = True, annotations: Sequence = ()) -> go.Figure:
    """An indicator's history with its forecast fan, warning zones and revised periods.

    Args:
        history: ``queries.series`` (period, value, revisions, first_value).
        forecast: ``queries.forecast_of`` (period, yhat and the 80%/95% bounds); may be empty.
        meta: the indicator's row (unit, direction, thresholds, frequency; ``unit_label``, the unit
            in the page's language, when given).
        lang: "zh" or "en".
        thresholds: draw the warning zones and each threshold as a labelled line (off for district
            values of summed indicators, whose thresholds are for the city total).
        annotations: events on the time axis (``indicators.views.annotations.ChartAnnotation``: ``starts_on``,
            ``ends_on``, ``title(lang)``), each a labelled vertical line, or a band when it lasts.

    Returns:
        The figure, with a range selector.
    """
    figure = go.Figure()
    unit = meta.get("unit_label", meta.get("unit")) or ""
    if not forecast.empty:
        # The fan starts at the last actual value: the forecast continues the line, it does not float beside it.
        ahead = _from_last_actual(history, forecast, ytd=meta.get("accumulation") == "ytd")
        for level in (95, 80):
            figure.add_trace(go.Scatter(
                x=list(ahead["period"]) + list(ahead["period"])[::-1],
                y=list(ahead[f"upper_{level}"]) + list(ahead[f"lower_{level}"])[::-1],
                mode="lines", fill="toself", fillcolor=_rgba(FORECAST, BAND_OPACITY[level]), line={"width": 0},
                hoverinfo="skip", name=f"{t('chart_interval', lang)} {level}%"))
        model = forecast.attrs.get("model")
        explained = f"<br>{model_explanation(model, lang)}" if model else ""
        # A year-to-date forecast's line restarts each year too (no fall from December's total to 1—2月).
        line = (_break_at_years(ahead.rename(columns={"yhat": "value"})).rename(columns={"value": "yhat"})
                if meta.get("accumulation") == "ytd" else ahead)
        figure.add_trace(go.Scatter(x=line["period"], y=line["yhat"], mode="lines",
                                    line={"color": FORECAST, "dash": "dash", "width": 2},
                                    name=t("chart_forecast", lang),
                                    hovertemplate=f"%{{y:,.4g}} {unit}{explained}<extra></extra>"))
        if model:
            figure.add_annotation(
                text=t("chart_model", lang).format(name=model_short_name(model, lang)), xref="paper", yref="paper",
                x=1, y=1.02, xanchor="right", yanchor="bottom", showarrow=False, font={"color": FORECAST},
                hovertext=f"{model_explanation(model, lang)}<br>{t('chart_fan_hint', lang)}", name="model")
    if meta.get("accumulation") == "ytd":
        history = _break_at_years(history)
    figure.add_trace(go.Scatter(x=history["period"], y=history["value"], mode="lines+markers" if len(history) < 60 else "lines",
                                line={"color": LINE, "width": 2}, marker={"size": 5},
                                name=t("chart_actual", lang), hovertemplate=f"%{{y:,.4g}} {unit}"))
    revised = history[history["revisions"] > 0]
    if not revised.empty:
        figure.add_trace(go.Scatter(
            x=revised["period"], y=revised["value"], mode="markers", name=t("chart_revised", lang),
            marker={"symbol": "diamond-open", "size": 11, "color": LEVEL_COLOURS["orange"], "line": {"width": 2}},
            customdata=revised["first_value"],
            hovertemplate=f"{t('chart_first_value', lang)} %{{customdata:,.4g}} {unit}<extra></extra>"))
    values = pd.concat([history["value"], *(forecast[c] for c in ("lower_95", "upper_95") if c in forecast)]).dropna()
    if thresholds and not values.empty:
        low, high = float(values.min()), float(values.max())
        pad = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
        for band in threshold_bands(meta, low - pad, high + pad):
            figure.add_hrect(y0=band["y0"], y1=band["y1"], fillcolor=LEVEL_COLOURS[band["level"]], opacity=0.1,
                             line_width=0, layer="below")
            threshold = float(meta[band["level"]])
            if low - pad <= threshold <= high + pad:
                figure.add_hline(y=threshold, line={"color": LEVEL_COLOURS[band["level"]], "width": 1.5, "dash": "dot"},
                                 layer="below")
                figure.add_annotation(
                    text=t("chart_threshold", lang).format(level=Level(band["level"]).label(lang),
                                                            value=format_value(threshold, lang)),
                    xref="paper", x=1, y=threshold, xanchor="right", yanchor="bottom", showarrow=False,
                    font={"size": 11, "color": LEVEL_COLOURS[band["level"]]}, name="threshold")
    for index, event in enumerate(annotations or ()):
        _draw_event(figure, event, index, lang)
    _base_layout(figure, height=380)
    figure.update_yaxes(title={"text": unit, "standoff": 4}, tickformat="~s" if lang == "en" else ",.4~g")
    figure.update_xaxes(rangeselector=_range_buttons(meta.get("frequency", "monthly"), lang),
                        rangeslider={"visible": False})
    if meta.get("frequency") == "hourly":
        _hour_axis(figure, history, lang)
    elif lang == "zh":
        figure.update_xaxes(tickformatstops=ZH_DATE_TICKS)
    return figure


# Date ticks as Chinese writes them at each zoom: 12月6日 for days and weeks, 2026年3月 for months, 2026年 for years.
ZH_DATE_TICKS = [{"dtickrange": [None, "M1"], "value": "%-m月%-d日"},
                 {"dtickrange": ["M1", "M6"], "value": "%Y年%-m月"},
                 {"dtickrange": ["M12", None], "value": "%Y年"}]


def _hour_axis(figure: go.Figure, history: pd.DataFrame, lang: str) -> None:
    """Hour ticks (every six hours, the day under midnight's) and the last ``HOURS_IN_VIEW`` hours in view."""
    figure.update_xaxes(dtick=6 * 3600 * 1000, tickformat="%H时<br>%-m月%-d日" if lang == "zh" else "%H:00<br>%-d %b",
                        hoverformat="%-m月%-d日 %H时" if lang == "zh" else "%-d %b %H:00")
    if not history.empty:
        last = pd.Timestamp(history["period"].max())
        figure.update_xaxes(range=[last - pd.Timedelta(hours=HOURS_IN_VIEW - 1), last + pd.Timedelta(minutes=30)])


def _rgba(colour: str, opacity: float) -> str:
    """``#rrggbb`` at ``opacity``, for Plotly fills."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{opacity})"


def _from_last_actual(history: pd.DataFrame, forecast: pd.DataFrame, *, ytd: bool = False) -> pd.DataFrame:
    """The forecast with the last actual value before it (every band of zero width there), so the dashed
    line and the fan leave from the end of the actual line. A year-to-date amount's forecast that starts a
    new year restarts from its own 1—N月 total instead (no line falls from December's total to January)."""
    known = history.dropna(subset=["value"])
    if known.empty:
        return forecast.reset_index(drop=True)
    last = known.iloc[-1]
    first = pd.Timestamp(forecast["period"].iloc[0])
    if pd.Timestamp(last["period"]) >= first or (ytd and pd.Timestamp(last["period"]).year != first.year):
        return forecast.reset_index(drop=True)
    value = float(last["value"])
    start = {"period": last["period"], "yhat": value,
             **{f"{side}_{level}": value for side in ("lower", "upper") for level in (80, 95)}}
    return pd.concat([pd.DataFrame([start]), forecast], ignore_index=True)


def _draw_event(figure: go.Figure, event, index: int, lang: str) -> None:
    """One annotation: a band over its days (a line when it has one day), its title at the top; titles of
    neighbouring events step down so they do not sit on each other."""
    start = pd.Timestamp(event.starts_on)
    end = pd.Timestamp(event.ends_on) if event.ends_on and event.ends_on > event.starts_on else None
    title = event.title(lang)
    limit = EVENT_TITLE_CHARS["en" if lang == "en" else "zh"]
    short = title if len(title) <= limit else title[:limit - 1] + "…"
    if end is None:
        figure.add_shape(type="line", x0=start, x1=start, xref="x", y0=0, y1=1, yref="paper", layer="above",
                         line={"color": ANNOTATION, "width": 1.5, "dash": "dashdot"}, name="event")
    else:
        figure.add_shape(type="rect", x0=start, x1=end + timedelta(days=1), xref="x", y0=0, y1=1, yref="paper",
                         layer="below", fillcolor=ANNOTATION, opacity=0.14, line={"width": 0}, name="event")
    figure.add_annotation(text=short, hovertext=title, x=start, xref="x", y=0.98 - 0.09 * (index % 3), yref="paper",
                          xanchor="left", yanchor="top", showarrow=False, font={"size": 11, "color": ANNOTATION},
                          bgcolor=_rgba(TOKENS["--surface-raised"], 0.85), name="event")


def _break_at_years(history: pd.DataFrame) -> pd.DataFrame:
    """A year-to-date history with an empty row before each year's first period, so the line restarts each
    year instead of falling from December's total to the next 1—2月."""
    if history.empty:
        return history
    periods = pd.to_datetime(history["period"])
    starts = history[periods.dt.year.diff().fillna(0) > 0]
    gaps = pd.DataFrame({"period": [p - pd.Timedelta(days=1) for p in pd.to_datetime(starts["period"])]})
    both = pd.concat([history.assign(period=periods), gaps], ignore_index=True)
    return both.sort_values("period", kind="stable").reset_index(drop=True)


def single_period_figure(history: pd.DataFrame, meta: Mapping, *, lang: str) -> go.Figure:
    """A year-to-date amount's single-period values (当月, 当季) as bars, the newest periods of ``history``.

    Args:
        history: ``queries.series`` with ``period_value``.
        meta: the indicator's row (unit, frequency, jan_feb_merged; ``unit_label`` when given).
        lang: "zh" or "en".

    Returns:
        A bar chart of the last five years' single-period values, titled 当月值/当季值.
    """
    frequency = meta.get("frequency", "monthly")
    shown = history.dropna(subset=["period_value"]).tail({"monthly": 60, "quarterly": 20}.get(frequency, 60))
    unit = meta.get("unit_label", meta.get("unit")) or ""
    labels = [format_period(p, frequency, lang, jan_feb_merged=bool(meta.get("jan_feb_merged"))) for p in shown["period"]]
    figure = go.Figure(go.Bar(x=shown["period"], y=shown["period_value"], marker={"color": LINE}, customdata=labels,
                              hovertemplate=f"%{{customdata}}: %{{y:,.4g}} {unit}<extra></extra>"))
    _base_layout(figure, height=220)
    figure.update_layout(hovermode="closest")
    key = "single_quarter_bars" if frequency == "quarterly" else "single_month_bars"
    figure.update_layout(showlegend=False, title={"text": t(key, lang), "x": 0, "font": {"size": 13}},
                         margin={"t": 32})
    # Years on the axis, as on the history chart above (Plotly's own date ticks say "Jan 2022" in any language).
    years = sorted({period.year for period in shown["period"]})
    figure.update_xaxes(tickvals=[date(year, 1, 1) for year in years],
                        ticktext=[f"{year}年" if lang == "zh" else str(year) for year in years])
    figure.update_yaxes(title={"text": unit, "standoff": 4}, tickformat="~s" if lang == "en" else ",.4~g")
    return figure


def _range_buttons(frequency: str, lang: str) -> dict:
    if frequency == "hourly":
        steps = [(24, "hour", "range_24h"), (48, "hour", "range_48h")]
    elif frequency in ("daily", "weekly"):
        steps = [(1, "month", "range_1m"), (3, "month", "range_3m"), (1, "year", "range_1y")]
    else:
        steps = [(1, "year", "range_1y"), (3, "year", "range_3y")]
    buttons = [{"count": count, "step": step, "stepmode": "backward", "label": t(key, lang)} for count, step, key in steps]
    return {"buttons": [*buttons, {"step": "all", "label": t("range_all", lang)}], "x": 0, "y": 1.02,
            "bgcolor": GRID, "activecolor": "#c7d2fe"}


def area_ranking_figure(values: pd.DataFrame, meta: Mapping, *, lang: str) -> go.Figure:
    """The districts' values of one indicator, ranked best first, coloured by warning level.

    Args:
        values: ``queries.area_values`` (districts and the city; only districts are drawn).
        meta: the indicator's row (unit).
        lang: "zh" or "en".

    Returns:
        A horizontal bar chart, best district on top.
    """
    districts = values[values["level"] == "district"]
    names = localized(districts, lang).tolist()
    unit = meta.get("unit_label", meta.get("unit")) or ""
    figure = go.Figure(go.Bar(
        x=districts["value"], y=names, orientation="h",
        marker={"color": [LEVEL_COLOURS.get(level, LEVEL_COLOURS["nodata"]) for level in districts["warning"]]},
        # The bars carry the number only and the axis the unit: "1,102 100M yuan" beside a bar ran off a phone's chart.
        text=[format_value(v, lang) for v in districts["value"]], textposition="auto",
        hovertemplate=f"%{{y}}: %{{x:,.4g}} {unit}<extra></extra>"))
    _base_layout(figure, height=max(160, 34 * len(names) + 56))
    figure.update_layout(hovermode="closest", showlegend=False)
    figure.update_yaxes(autorange="reversed", gridcolor="rgba(0,0,0,0)")
    if unit:
        figure.update_xaxes(title={"text": unit, "standoff": 4})  # in the layout's type, which walls scale
    return figure
