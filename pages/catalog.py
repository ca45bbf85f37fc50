"""Catalog: every indicator in one sortable grid, with search, metadata filters, the city's values and export.

The filter state lives in the URL query (``/catalog?city=xiamen&lang=zh&theme=economy&q=GDP``), so a
filtered list can be sent to a colleague. Rows are filtered on the server (``indicators/views/catalog.py``);
the grid only sorts and shows; on a phone the rows are a list. Builders in ``pages/_catalog_parts.py``, the
table drawn in the browser by ``assets/41-catalog.js``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import dash
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, ctx, dcc, html

from geo.cities import get_city
from indicators.views.cache import cacheable_answer
from indicators.views.catalog import catalog_export, catalog_view
from pages._catalog_parts import (
    FILTERS,
    table_spec,
    count_text,
    export_table,
    grid_rows,
    parse_state,
    toolbar,
)
from pages._export import table_bytes
from pages._i18n import t
from pages._shell import href, resolve
from pages._widgets import PAGE_FAILURES, failure_notice

dash.register_page(__name__, cacheable_layout=True, path="/catalog", title="指标目录 · City Vitals", name="catalog", order=3,
                   nav="nav_catalog")


def layout(city: str | None = None, lang: str | None = None, **query) -> html.Div:
    """The catalog page with its filters set from the URL; the rows are filled by ``fill_catalog``."""
    city, lang = resolve(city, lang)
    state = parse_state(query)
    return html.Div([
        dcc.Location(id="catalog-url", refresh=False),
        dcc.Store(id="catalog-args", data={"city": city, "lang": lang}),
        dcc.Store(id="catalog-rows", data=[]),
        dcc.Store(id="catalog-spec", data=table_spec(city, lang)),
        dcc.Download(id="catalog-download"),
        html.H1(t("catalog_title", lang), className="page-title"),
        html.P(t("catalog_note", lang).format(area=get_city(city).name(lang)), className="catalog-note"),
        toolbar(state, lang),
        html.Div([
            html.Span(id="catalog-count", className="catalog-count", role="status"),
            html.Button(t("catalog_export_csv", lang), id="catalog-export-csv", className="catalog-button"),
            html.Button(t("catalog_export_xlsx", lang), id="catalog-export-xlsx", className="catalog-button"),
        ], className="catalog-bar"),
        html.Div(id="catalog-status"),
        html.Div(id="catalog-table", className="catalog-table"),
        html.Button(t("catalog_more", lang), id="catalog-more", n_clicks=0, type="button", hidden=True,
                    className="catalog-button catalog-more"),
    ], className="catalog")


def build_catalog(city_key: str, lang: str, state: Mapping[str, str]) -> dict:
    """The grid's ``rows`` and the ``count`` line above it for a search state."""
    view = catalog_view(city_key, state)
    return {"rows": grid_rows(view.rows, lang=lang), "count": count_text(len(view.rows), view.total, lang)}


@callback(output={"rows": Output("catalog-rows", "data"), "count": Output("catalog-count", "children"),
                  "search": Output("catalog-url", "search"), "status": Output("catalog-status", "children")},
          inputs={"q": Input("catalog-q", "value"),
                  "filters": {name: Input(f"catalog-{name}", "value") for name in FILTERS}},
          state={"args": State("catalog-args", "data")})
@cacheable_answer()
def fill_catalog(q: str | None, filters: dict, args: dict) -> dict:
    """List the indicators matching the controls and keep the URL in step with them."""
    city, lang = args["city"], args["lang"]
    state = parse_state({"q": q, **filters})
    # The first call shows the URL as it came: rewriting it would add a history entry that Back returns to.
    search = dash.no_update if ctx.triggered_id is None else href("", city, lang, **state)
    try:
        return {**build_catalog(city, lang, state), "search": search, "status": None}
    except PAGE_FAILURES as exc:
        return {"rows": [], "count": "", "search": search, "status": failure_notice(exc, lang)}


@callback(output={"q": Output("catalog-q", "value"), "filters": {name: Output(f"catalog-{name}", "value")
                                                                  for name in FILTERS}},
          inputs={"clicks": Input("catalog-clear", "n_clicks")}, prevent_initial_call=True)
def clear_filters(clicks: int) -> dict:
    """Empty the search box and every filter."""
    return {"q": "", "filters": {name: None for name in FILTERS}}


@callback(output={"file": Output("catalog-download", "data"),
                  "status": Output("catalog-status", "children", allow_duplicate=True)},
          inputs={"csv": Input("catalog-export-csv", "n_clicks"), "xlsx": Input("catalog-export-xlsx", "n_clicks")},
          state={"q": State("catalog-q", "value"),
                 "filters": {name: State(f"catalog-{name}", "value") for name in FILTERS},
                 "args": State("catalog-args", "data")},
          prevent_initial_call=True)
def export_catalog(csv: int | None, xlsx: int | None, q: str | None, filters: dict, args: dict) -> dict:
    """Send the filtered list as a CSV or Excel file."""
    city, lang = args["city"], args["lang"]
    kind = "xlsx" if ctx.triggered_id == "catalog-export-xlsx" else "csv"
    try:
        table = export_table(catalog_export(city, parse_state({"q": q, **filters}), kind), lang)
    except PAGE_FAILURES as exc:
        return {"file": dash.no_update, "status": failure_notice(exc, lang)}
    data = table_bytes(table, kind, sheet=t("catalog_title", lang))
    return {"file": dcc.send_bytes(data, f"city-vitals-catalog-{city}-{date.today():%Y%m%d}.{kind}"), "status": None}


# A PC shows the rows in the grid, a phone as a list, a page at a time; only the browser knows the screen
# width, so the table is drawn there (and AG Grid is downloaded only where the grid shows).
clientside_callback(ClientsideFunction("catalog", "showRows"), Output("catalog-table", "children"),
                    Output("catalog-more", "hidden"), Input("catalog-rows", "data"), Input("catalog-more", "n_clicks"),
                    State("catalog-spec", "data"))

# On a phone the filters fold into one button.
clientside_callback(ClientsideFunction("fold", "toggle"), Output("catalog-filters", "className"),
                    Output("catalog-filters-toggle", "aria-expanded"), Input("catalog-filters-toggle", "n_clicks"),
                    State("catalog-filters", "className"), prevent_initial_call=True)
