"""Card and tile builders shared by the pages: data in, Dash component out, no I/O (but for the one refusal of a
page, which is recorded in the audit log)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

from dash import dcc, html

from indicators.accounts import audit
from indicators.accounts.access import AccessDenied
from indicators.catalog.levels import WORST_FIRST, Level
from indicators.store.db import StoreUnavailable
from pages._format import (
    change_arrow,
    format_change,
    format_period,
    format_value,
    missing,
    unit_label,
)
from pages._i18n import localized, t, theme_name

LEVEL_ORDER = (*WORST_FIRST, Level.NORMAL)


def level_badge(level: str, lang: str) -> html.Span:
    """A coloured badge naming a warning level."""
    return html.Span(Level(level).label(lang), className=f"level-badge level-{level}")


def level_counts(counts: Mapping[str, int], lang: str, levels: Sequence[str] = LEVEL_ORDER) -> html.Ul:
    """Counts per warning level (of indicators, or of open alerts), worst first, as coloured chips."""
    return html.Ul([
        html.Li([html.Span(className=f"dot level-{level}"), Level(level).label(lang), " ",
                 html.Strong(str(counts.get(level, 0)))], className="level-count", **{"data-level": level})
        for level in levels
    ], className="level-counts")


def _score_text(score: float | None) -> str:
    return "—" if score is None or math.isnan(score) else f"{score:.0f}"


def theme_card(row: Mapping, *, lang: str, total: int, link: str | None = None,
               counts_alerts: bool = False) -> html.Section:
    """One theme's card: name, indicator count, health score and counts by level.

    Args:
        row: a row of ``queries.theme_scores`` (theme, score, counts per level).
        lang: "zh" or "en".
        total: how many indicators the catalog has in the theme.
        link: where the name leads (the theme's page), or None.
        counts_alerts: the counts are the theme's open alerts (captioned so, without a normal count), not its
            indicators by level (which add up to ``total`` with those without data).

    Returns:
        The card.
    """
    return html.Section([
        html.H3(dcc.Link(theme_name(row["theme"], lang), href=link) if link else theme_name(row["theme"], lang),
                className="card-title"),
        html.Div([
            html.Div([html.Span(_score_text(row["score"]), className="score-value"),
                      html.Span(t("health_score", lang), className="score-label")], className="score"),
            html.Div([html.Span(str(total), className="count-value"),
                      html.Span(t("indicators_count", lang), className="count-label")], className="count"),
        ], className="theme-figures"),
        *([html.Span(t("theme_open_alerts", lang), className="level-counts-caption")] if counts_alerts else []),
        level_counts(row, lang, WORST_FIRST) if counts_alerts else _indicator_levels(row, total, lang),
    ], className=f"card theme-card theme-{row['theme']}", **{"data-theme": row["theme"]})


def _indicator_levels(row: Mapping, total: int, lang: str) -> html.Ul:
    """Indicators by level, with those without a value as "no data", so that the counts add up to ``total``."""
    nodata = total - sum(int(row.get(level, 0)) for level in LEVEL_ORDER)
    if nodata <= 0:
        return level_counts(row, lang)
    return level_counts({**row, Level.NODATA: nodata}, lang, (*LEVEL_ORDER, Level.NODATA))


def change_span(label: str, change: float | None, unit: str, direction: str, lang: str,
                class_name: str = "change") -> html.Span:
    """A YoY or MoM change with its arrow, coloured good or bad by the indicator's direction."""
    # The arrow shows the way the number went; the colour says whether that is good.
    if change is None or math.isnan(change) or direction in ("neutral", "target") or abs(change) < 0.05:
        tone = "flat"
    else:
        tone = "good" if (change > 0) == (direction == "up") else "bad"
    return html.Span([f"{label} ", change_arrow(change), format_change(change, unit, lang)],
                     className=f"{class_name} change-{tone}")


def sparkline(values: Sequence[float], *, width: int = 96, height: int = 28, colour: str = "#1d4ed8",
              stroke: float = 1.6, class_name: str = "sparkline") -> html.Img | None:
    """The newest values as a small line, an inline SVG image (no chart library per tile).

    Args:
        values: oldest first; NaN are skipped.
        width, height: the drawing's size in CSS pixels.
        colour, stroke: the line's colour and width (light on the dark big screen).
        class_name: the image's CSS class.

    Returns:
        The image, or None with fewer than two values.
    """
    points = [(i, v) for i, v in enumerate(values) if v is not None and not math.isnan(v)]
    if len(points) < 2:
        return None
    low, high = min(v for _, v in points), max(v for _, v in points)
    span, last = (high - low) or 1.0, len(values) - 1
    pad = 3
    coords = " ".join(f"{pad + i / last * (width - 2 * pad):.1f},{height - pad - (v - low) / span * (height - 2 * pad):.1f}"
                      for i, v in points)
    svg = (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' viewBox='0 0 {width} {height}'>"
           f"<polyline points='{coords}' fill='none' stroke='{colour.replace('#', '%23')}' stroke-width='{stroke}' "
           f"stroke-linejoin='round' stroke-linecap='round'/></svg>")
    return html.Img(src=f"data:image/svg+xml;utf8,{svg}", className=class_name, alt="", width=width, height=height)


def tile_changes(row: Mapping, lang: str, class_name: str = "change") -> list[html.Span]:
    """The comparisons a tile shows (a row of ``queries.latest_snapshot``): 同比 and 环比; for a year-to-date
    indicator 累计同比, then the single period's value and its 同比 (当月 …) where the indicator is an amount."""
    def span(label: str, change, unit: str) -> html.Span:
        return change_span(label, change, unit, row["direction"], lang, class_name)

    if row.get("accumulation") != "ytd":
        return [span(t("yoy", lang), row["yoy"], row["change_unit"]),
                span(t(f"mom_{row.get('frequency') or 'monthly'}", lang), row["mom"], row["change_unit"])]
    spans = [span(t("ytd_yoy", lang), row["yoy"], row["change_unit"])]
    if not missing(row.get("period_value")):
        single = t("single_quarter" if row["frequency"] == "quarterly" else "single_month", lang)
        spans.append(span(f"{single} {format_value(row['period_value'], lang)}", row.get("period_yoy"), "%"))
    return spans


def tile_period(row: Mapping, lang: str) -> str:
    """The period a tile's value covers: 2025年3月, or 2025年1—3月 for a year-to-date value."""
    return format_period(row["period"], row["frequency"], lang, cumulative=row.get("accumulation") == "ytd",
                         jan_feb_merged=bool(row.get("jan_feb_merged")))


def indicator_tile(row: Mapping, *, lang: str, link: str | None = None) -> html.Article:
    """An indicator's tile: name, latest value with unit, period, YoY/MoM, sparkline, level colour
    and a late mark when its data is overdue.

    Args:
        row: a row of ``queries.latest_snapshot``.
        lang: "zh" or "en".
        link: where the name leads (the indicator's page), or None.

    Returns:
        The tile.
    """
    name = localized(row, lang)
    late = row["overdue"] > 0
    title = html.H4(dcc.Link(name, href=link) if link else name, className="tile-name", title=name)
    return html.Article([
        html.Header([title, level_badge(row["level"], lang)], className="tile-head"),
        html.Div([html.Span(format_value(row["value"], lang), className="tile-value"),
                  html.Span(unit_label(row["unit"], lang), className="tile-unit"),
                  sparkline(row.get("recent") or [])], className="tile-figure"),
        html.Div(tile_changes(row, lang), className="tile-changes"),
        html.Footer([html.Span(f"{t('as_of', lang)} {tile_period(row, lang)}"),
                     html.Span(t("late", lang), className="late-mark") if late else None],
                    className="tile-foot"),
    ], className=f"tile level-{row['level']}", **{"data-code": row["code"]})


def alert_lines(frame, lang: str, *, empty: str, limit: int = 20) -> html.Ul | html.P:
    """Alerts as lines of level badge and sentence, worst first (``queries.alerts`` rows).

    Args:
        frame: the alerts.
        lang: "zh" or "en".
        empty: what to say when there are none.
        limit: at most this many lines.
    """
    if frame.empty:
        return html.P(empty, className="muted")
    return html.Ul([html.Li([level_badge(row["level"], lang), " ",
                             html.Span(localized(row, lang, "sentence"))],
                            className="alert-line")
                    for row in frame.head(limit).to_dict("records")], className="alert-lines")


def dropdown(lang: str, *, labels: dict[str, str] | None = None, **props) -> dcc.Dropdown:
    """A ``dcc.Dropdown`` whose own controls (search box, clear button, "no options", select all) speak
    ``lang``: Dash's texts are English only. ``labels`` replaces some of them, by Dash's key."""
    keys = ("select_all", "deselect_all", "selected_count", "search", "clear_search", "clear_selection",
            "no_options_found")
    return dcc.Dropdown(labels={key: t(f"dropdown_{key}", lang) for key in keys} | (labels or {}), **props)


def notice(text: str, kind: str = "info") -> html.Div:
    """A message box, e.g. when the store is unavailable."""
    return html.Div(text, className=f"notice notice-{kind}", role="status")


# What a page callback answers with a notice instead of content.
PAGE_FAILURES = (StoreUnavailable, AccessDenied)


def failure_notice(exc: Exception, lang: str, *, denied_key: str = "not_permitted") -> html.Div:
    """What a page says when it cannot show what was asked: the store is down (the page reloads by itself
    when it is back, see assets/06-recover.js), or it is not the viewer's to see (the page's own words for
    that under ``denied_key``)."""
    if isinstance(exc, StoreUnavailable):
        return html.Div(t("store_down", lang), className="notice notice-error notice-store-down", role="status")
    return notice(t(denied_key, lang), "error")


def refused_page(path: str, lang: str) -> html.Div:
    """What a page says to a viewer whose role may not open it: refused, with the way to sign in as
    someone who may (the demo leader, for one, does not load data). The one refusal of every page
    (``pages._shell`` gives it to each page that declares a permission, the desk's pages give it themselves);
    the refused visit is recorded in the audit log (``access_denied``, action ``open_page``)."""
    audit.record_refusal(path, {"action": "open_page"})
    sign_in = html.A(t("sign_in_as_other", lang), href=f"/login?{urlencode({'next': path, 'lang': lang})}")
    return html.Div([t("not_permitted", lang), " ", sign_in], className="notice notice-error", role="status")


def record_id(value) -> int | None:
    """A record's id (an alert, a load) as a list or the URL gives it: an int or its ASCII digits; None for
    anything else, so a forged selection never reaches the store as a list, a bool or an int too big for it."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    return value if type(value) is int and 0 < value < 2**63 else None


def fold_toggle(controls: str, label: str, *, opened: bool = False) -> html.Button:
    """The one control a phone shows for a page's filters (``assets/22-filters-fold.js`` opens and closes the
    element ``controls``, which carries ``fold_class(opened)``); hidden on wider screens. A page whose URL sets
    filters opens with them shown."""
    return html.Button(label, id=f"{controls}-toggle", n_clicks=int(opened), type="button", className="filters-toggle",
                       **{"aria-expanded": "true" if opened else "false", "aria-controls": controls})


def fold_class(opened: bool) -> str:
    """The class of folded filters (open or not)."""
    return "filters-fold is-open" if opened else "filters-fold"
