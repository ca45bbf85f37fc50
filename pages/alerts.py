"""The alert centre: a city's alerts worst first, with filters, each alert's detail and history,
and the lifecycle actions (acknowledge, dispatch, resolve, close).

Filters and the selected alert live in the URL query (``/alerts?city=xiamen&level=red&alert=123``),
so a link shows the same view; the page rewrites the URL without reloading itself. The data comes from
one view (``indicators/views/alerts.py``), the components from ``pages/_alerts_parts.py``, the browser-side
steps from ``assets/51-alerts.js``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from urllib.parse import parse_qsl

import dash
from dash import (
    ClientsideFunction,
    Input,
    Output,
    Patch,
    State,
    callback,
    clientside_callback,
    ctx,
    dcc,
    html,
    no_update,
)

from indicators.catalog.levels import WORST_FIRST
from indicators.views.alerts import ACTIONS, FILTERS, alert_detail, alert_list, alert_overview, take_step
from indicators.views.cache import cacheable_answer
from pages._alerts_parts import (
    PAGE_SIZE,
    PHONE_MAX_WIDTH,
    PHONE_PAGE_SIZE,
    action_form,
    alert_rows,
    detail_content,
    filter_field,
    filter_options,
    filters_from_query,
    level_chip_class,
    level_chips,
    list_window,
    outcome_message,
    overview_content,
    page_size,
    query_string,
)
from pages._i18n import t
from pages._shell import resolve
from pages._widgets import PAGE_FAILURES, failure_notice, fold_class, fold_toggle, notice, record_id

dash.register_page(__name__, cacheable_layout=True, path="/alerts", title="预警中心 · City Vitals", name="alerts", order=4, nav="nav_alerts")

def build_list(city: str, lang: str, filters: Mapping[str, str | None], *, start: int = 0,
               limit: int = PAGE_SIZE, selected: int | None = None) -> dict:
    """The list part of the page for the filters: ``counts`` per level (all filters but the level),
    ``rows`` (start to limit), ``total`` matching and ``shown`` (rows up to ``limit``)."""
    view = alert_list(city, filters, start=start, limit=limit)
    rows = alert_rows(view.rows, lang, selected=selected, today=date.today())
    return {"counts": view.counts, "rows": rows, "total": view.total, "shown": view.shown}


def build_detail(city: str, lang: str, alert_id: int) -> tuple[list, dict | None]:
    """The detail of one alert and the alert itself (None when the city has no such alert)."""
    detail = alert_detail(city, alert_id, lang)
    if detail is None:
        return [notice(t("alerts_not_found", lang), "error")], None
    return detail_content(detail, city=city, lang=lang), detail.alert


def run_action(city: str, lang: str, alert_id: int, action: str, *, comment: str = "",
               department: str | None = None) -> tuple[bool, html.Div]:
    """Take one lifecycle step as the signed-in viewer: whether it was taken, and the message to show."""
    outcome = take_step(city, alert_id, action, comment=comment, department=department)
    return outcome.done, outcome_message(outcome, action, lang)


def layout(city: str | None = None, lang: str | None = None, **query) -> html.Div:
    """The alert centre for the URL's city and language, with the URL's filters and selected alert
    (a skeleton: the list and the detail are filled by callbacks)."""
    city, lang = resolve(city, lang)
    options = filter_options(city, lang)
    filters = filters_from_query(query, {name: {o["value"] for o in opts} for name, opts in options.items()})
    chosen = any(value for name, value in filters.items() if name != "state") or filters["state"] != "open"
    return html.Div([
        dcc.Location(id="alerts-url", refresh=False),
        dcc.Store(id="alerts-args", data={"city": city, "lang": lang}),
        dcc.Store(id="alerts-selected", data=record_id(query.get("alert"))),
        dcc.Store(id="alerts-version", data=0),
        dcc.Store(id="alerts-limit", data=PAGE_SIZE),
        # The browser picks the page size from its width (a phone's is smaller); the list waits for it.
        dcc.Store(id="alerts-paging", data={"phoneMaxWidth": PHONE_MAX_WIDTH, "phone": PHONE_PAGE_SIZE,
                                            "desk": PAGE_SIZE}),
        dcc.Store(id="alerts-page-size"),
        html.H1(t("alerts_title", lang), className="page-title"),
        html.Div(level_chips(filters["level"], lang), className="alerts-chips", role="group",
                 **{"aria-label": t("alerts_by_level", lang)}),
        html.Div([
            html.Div([
                fold_toggle("alerts-filters", t("alerts_filters", lang), opened=chosen),
                html.Div([filter_field(name, options[name], filters[name], lang) for name in FILTERS],
                         id="alerts-filters", className=f"alerts-filters {fold_class(chosen)}", role="search",
                         **{"aria-label": t("alerts_filters", lang)}),
                html.Div(id="alerts-summary", className="alerts-summary"),
                html.Div(id="alerts-list", className="alerts-list"),
                html.Button(t("alerts_more", lang), id="alerts-more", n_clicks=0, type="button", hidden=True,
                            className="alerts-more"),
            ], className="alerts-list-pane"),
            html.Aside([
                html.Button(t("alerts_back", lang), id="alerts-back", n_clicks=0, type="button",
                            className="alerts-back"),
                html.Div(id="alerts-overview", className="alerts-overview-pane"),
                html.Div(html.P(t("alerts_pick", lang), className="alerts-hint"), id="alerts-detail-body"),
                action_form(lang, options["department"]),
            ], id="alerts-detail", className="alerts-detail"),
        ], id="alerts-main", className="alerts-main"),
    ], className="alerts-page")


FILTER_INPUTS = [Input(f"alerts-filter-{name}", "value") for name in FILTERS]


@callback(Output("alerts-filter-level", "value"),
          [Input(f"alerts-chip-{lvl}", "n_clicks") for lvl in WORST_FIRST], State("alerts-filter-level", "value"),
          prevent_initial_call=True)
def pick_level(*args):
    """A level chip filters on its level; pressing it again clears the filter."""
    level = ctx.triggered_id.removeprefix("alerts-chip-")
    return None if args[-1] == level else level


@callback(Output("alerts-list", "children"), Output("alerts-summary", "children"), Output("alerts-more", "hidden"),
          Output("alerts-limit", "data"),
          [Output(f"alerts-count-{lvl}", "children") for lvl in WORST_FIRST],
          [Output(f"alerts-chip-{lvl}", "className") for lvl in WORST_FIRST],
          *FILTER_INPUTS, Input("alerts-more", "n_clicks"), Input("alerts-version", "data"),
          Input("alerts-page-size", "data"),
          State("alerts-selected", "data"), State("alerts-limit", "data"), State("alerts-args", "data"))
@cacheable_answer()
def fill_list(*args):
    """Fill the list for the filters: counts by level, a page of rows, a "show more" button."""
    *values, _more, _version, page, selected, limit, page_args = args
    filters = dict(zip(FILTERS, values))
    city, lang = page_args["city"], page_args["lang"]
    start, limit = list_window(ctx.triggered_id, limit, page_size(page))
    chips = [level_chip_class(lvl, filters["level"]) for lvl in WORST_FIRST]
    try:
        part = build_list(city, lang, filters, start=start, limit=limit, selected=selected)
    except PAGE_FAILURES as exc:
        return [failure_notice(exc, lang)], "", True, limit, *["–"] * len(WORST_FIRST), *chips
    if start:  # "show more": send only the new rows, appended to those shown
        rows = Patch()
        rows.extend(part["rows"])
    else:
        rows = part["rows"] or [html.P(t("alerts_none", lang), className="alerts-hint")]
    summary = t("alerts_shown", lang).format(total=part["total"], shown=part["shown"])
    counts = [str(part["counts"][lvl]) for lvl in WORST_FIRST]
    return rows, summary, part["shown"] >= part["total"], limit, *counts, *chips


@callback(Output("alerts-selected", "data"), Input({"type": "alerts-row", "id": dash.ALL}, "n_clicks"),
          Input("alerts-back", "n_clicks"), prevent_initial_call=True)
def select_alert(_rows, _back):
    """A click on a row selects its alert; the back button clears the selection."""
    if ctx.triggered_id == "alerts-back":
        return None
    # Rows re-rendered by the list also "trigger" with no click; only a real click selects.
    if not ctx.triggered_id or not any(item["value"] for item in ctx.triggered):
        return no_update
    return ctx.triggered_id["id"]


@callback(Output("alerts-detail-body", "children"), Output("alerts-main", "className"),
          Output("alerts-actions", "hidden"), Output("alerts-no-actions", "hidden"),
          Output("alerts-dispatch-field", "hidden"), Output("alerts-dispatch-to", "value"),
          [Output(f"alerts-do-{a}", "hidden") for a in ACTIONS], Output("alerts-action-message", "children"),
          Input("alerts-selected", "data"), Input("alerts-version", "data"), State("alerts-args", "data"))
@cacheable_answer()
def fill_detail(selected, _version, page_args):
    """Show the selected alert, with only the actions its state allows and the viewer's role may take."""
    city, lang, selected = page_args["city"], page_args["lang"], record_id(selected)
    # A new selection clears the previous action's message; a refresh after the action keeps it.
    message = "" if ctx.triggered_id != "alerts-version" else no_update
    hidden = [True] * len(ACTIONS)
    if selected is None:
        return [html.P(t("alerts_pick", lang), className="alerts-hint")], "alerts-main", True, True, True, \
            None, *hidden, message
    try:
        detail = alert_detail(city, selected, lang)
    except PAGE_FAILURES as exc:
        return [failure_notice(exc, lang)], "alerts-main has-selection", True, True, True, None, *hidden, message
    if detail is None:
        return [notice(t("alerts_not_found", lang), "error")], "alerts-main has-selection", True, True, True, None, \
            *hidden, message
    # The form shows the steps this viewer may take; "nothing left to do" only once the lifecycle is over.
    allowed = detail.permitted
    return (detail_content(detail, city=city, lang=lang), "alerts-main has-selection", not allowed,
            bool(detail.allowed), "dispatch" not in allowed, detail.department,
            *[a not in allowed for a in ACTIONS], message)


@callback(Output("alerts-overview", "children"), *FILTER_INPUTS, Input("alerts-version", "data"),
          State("alerts-args", "data"))
@cacheable_answer()
def fill_overview(*args):
    """What the open alerts of the filters add up to, shown in the detail pane while no alert is picked."""
    *values, _version, page_args = args
    filters = tuple((name, value) for name, value in zip(FILTERS, values))
    try:
        return overview_content(alert_overview(page_args["city"], filters), page_args["lang"])
    except PAGE_FAILURES as exc:
        return [failure_notice(exc, page_args["lang"])]


@callback(Output("alerts-version", "data"), Output("alerts-action-message", "children", allow_duplicate=True),
          Output("alerts-comment", "value"),
          [Input(f"alerts-do-{a}", "n_clicks") for a in ACTIONS],
          State("alerts-selected", "data"), State("alerts-comment", "value"), State("alerts-dispatch-to", "value"),
          State("alerts-version", "data"), State("alerts-args", "data"), prevent_initial_call=True)
def take_action(*args):
    """Take the clicked action on the selected alert, then refresh the list and the detail."""
    *_clicks, selected, comment, department, version, page_args = args
    selected = record_id(selected)
    if selected is None or not ctx.triggered_id:
        return no_update, no_update, no_update
    action = ctx.triggered_id.removeprefix("alerts-do-")
    try:
        done, message = run_action(page_args["city"], page_args["lang"], selected, action,
                                   comment=comment or "", department=department)
    except PAGE_FAILURES as exc:
        return no_update, failure_notice(exc, page_args["lang"]), no_update
    # Bumping the version re-reads the list and the detail; the comment box empties once used.
    return (version or 0) + 1 if done else no_update, message, "" if done else no_update


@callback(Output("alerts-url", "search"), *FILTER_INPUTS, Input("alerts-selected", "data"),
          State("alerts-url", "search"), State("alerts-args", "data"))
def sync_url(*args):
    """Keep the URL's query in step with the filters and selection (no reload), for deep links."""
    *values, selected, search, page_args = args
    wanted = query_string(page_args["city"], page_args["lang"], dict(zip(FILTERS, values)), selected)
    same = dict(parse_qsl((search or "").lstrip("?"))) == dict(parse_qsl(wanted.lstrip("?")))
    return no_update if same else wanted


clientside_callback(ClientsideFunction("alerts", "pageSize"), Output("alerts-page-size", "data"),
                    Input("alerts-paging", "data"))
# The selected row is marked in the browser: re-rendering up to hundreds of rows for it would cost more.
clientside_callback(ClientsideFunction("alerts", "markSelected"),
                    Output("alerts-list", "data-selected"), Input("alerts-selected", "data"),
                    prevent_initial_call=True)
# On a phone the detail replaces the list: bring its top into view when an alert opens, and the row last
# opened when going back to the list.
clientside_callback(ClientsideFunction("alerts", "scrollToOpened"),
                    Output("alerts-detail", "data-scrolled"), Input("alerts-main", "className"),
                    prevent_initial_call=True)

# On a phone the filters fold into one button.
clientside_callback(ClientsideFunction("fold", "toggle"), Output("alerts-filters", "className"),
                    Output("alerts-filters-toggle", "aria-expanded"), Input("alerts-filters-toggle", "n_clicks"),
                    State("alerts-filters", "className"), prevent_initial_call=True)
