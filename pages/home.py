"""Home: the city at a glance — its open alerts, five themes with their scores and the headline indicators.

The alert counts (the city's and each theme's) are ``queries.alert_counts``, the one count the screen, the
alert centre and the phone show for the same filter.
"""

from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html

from geo.cities import get_city
from indicators.catalog.levels import WORST_FIRST
from indicators.views.cache import cacheable_answer
from indicators.views.queries import (
    alert_counts,
    alerts,
    areas,
    indicators,
    latest_snapshot,
    theme_scores,
)
from pages._i18n import localized, register_strings, t
from pages._shell import href, resolve
from pages._widgets import (
    PAGE_FAILURES,
    failure_notice,
    indicator_tile,
    level_counts,
    theme_card,
)

dash.register_page(__name__, cacheable_layout=True, path="/", title="城市生命体征 · City Vitals", name="home", order=0, nav="nav_home")

register_strings({
    "home_alerts": ("当前预警", "Open alerts"),
    "home_alerts_link": ("进入预警中心", "Open the alert centre"),
})


def layout(city: str | None = None, lang: str | None = None, **_) -> html.Div:
    """The page skeleton; its content is filled by ``fill_home`` from the URL's city and language."""
    city, lang = resolve(city, lang)
    return html.Div([
        dcc.Store(id="home-args", data={"city": city, "lang": lang}),
        html.H1(get_city(city).name(lang), className="page-title"),
        dcc.Loading(html.Div(id="home-content", className="home"), type="dot"),
    ])


def build_home(city_key: str, lang: str) -> list:
    """The home page's content for a city, read from the store.

    Args:
        city_key: the city.
        lang: "zh" or "en".

    Returns:
        The theme cards and the headline tiles.
    """
    city = get_city(city_key)
    scores = theme_scores(city.adcode)
    catalog = indicators()
    totals = catalog["theme"].value_counts()
    snapshot = latest_snapshot(city.adcode)
    headlines = snapshot[snapshot["headline"]]
    open_alerts = alerts(city_key)
    # A theme card's counts are its open alerts (an indicator may have one in the city and in several districts).
    themed = [{**row, **alert_counts(city_key, theme=row["theme"])} for row in scores.to_dict("records")]
    return [
        html.H2(t("home_alerts", lang), className="section-title"),
        html.Section([level_counts(alert_counts(city_key), lang, WORST_FIRST),
                      dcc.Link(t("home_alerts_link", lang), href=href("/alerts", city_key, lang))],
                     className="card home-alerts", **{"data-total": str(len(open_alerts))}),
        html.H2(t("themes", lang), className="section-title"),
        html.Div([theme_card(row, lang=lang, total=int(totals.get(row["theme"], 0)),
                             link=href(f"/themes/{row['theme']}", city_key, lang), counts_alerts=True)
                  for row in themed], className="theme-grid"),
        html.H2(t("districts", lang), className="section-title"),
        html.Nav([dcc.Link(localized(row, lang), href=href(f"/area/{row['adcode']}", city_key, lang),
                           className="chip") for row in areas(city_key).to_dict("records")],
                 className="chips", **{"aria-label": t("districts", lang)}),
        html.H2(t("headlines", lang), className="section-title"),
        html.Div([indicator_tile(row, lang=lang, link=href(f"/indicator/{row['code']}", city_key, lang))
                  for row in headlines.to_dict("records")], className="tile-grid"),
    ]


@callback(Output("home-content", "children"), Input("home-args", "data"))
@cacheable_answer()
def fill_home(args: dict) -> list:
    """Fill the home page for the URL's city and language."""
    try:
        return build_home(args["city"], args["lang"])
    except PAGE_FAILURES as exc:
        return [failure_notice(exc, args["lang"])]
