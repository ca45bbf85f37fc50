"""The app shell: header with navigation, indicator search, city and language switches; the
page container; the footer.

Page state that matters (city, language) lives in the URL query (``?city=ningde&lang=en``),
so a link can be sent to a colleague; the header is rebuilt from the URL. The navigation lists
the registered pages that declare a ``nav`` label key (``dash.register_page(..., nav="nav_catalog")``),
in their ``order``, leaving out those whose ``permission`` the viewer lacks. The header names the
signed-in user and has the sign-out button; a viewer bound to one city sees only that city.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, quote, urlencode

import dash
import flask
from dash import Input, Output, State, callback, clientside_callback, dcc, html
from dash.exceptions import PreventUpdate

from geo.cities import load_cities, switch_cities
from indicators.accounts.access import current_viewer
from indicators.accounts.users import DEMO_USER
from indicators.catalog.search import initials
from indicators.store.db import StoreUnavailable
from indicators.views.cache import SESSION, cacheable_answer
from indicators.views.queries import indicators, last_update
from pages._i18n import register_strings, t
from pages._widgets import dropdown, refused_page
from settings import Settings
from web.auth import csrf_token
from web.hardening import plain_path

register_strings({
    "demo_visitor": ("演示访客 · 领导视图", "Demo · leader's view"),
    "demo_visitor_note": ("未登录,以演示领导身份查看;数据管理和账号管理请用演示账号登录(见登录页)。",
                          "Not signed in: you see the demo leader's view. Sign in with a demo account (see the sign-in "
                          "page) for the data desk and the admin pages."),
    "switch_account": ("换账号登录", "Sign in as…"),
})


def current_settings() -> Settings:
    """The running app's settings."""
    return flask.current_app.config["CITYVITALS_SETTINGS"]


def resolve(city: str | None, lang: str | None) -> tuple[str, str]:
    """The city key and language to show: the URL's when valid and the viewer's to see, else the
    viewer's own city or the settings' default."""
    settings = current_settings()
    viewer = current_viewer()
    if city not in load_cities() or not viewer.sees_city(city):
        city = viewer.city_key or settings.city
    lang = lang if lang in ("zh", "en") else settings.lang
    return city, lang


def href(path: str, city: str, lang: str, **extra: str) -> str:
    """A link to ``path`` that keeps the city and language."""
    return f"{path}?{urlencode({'city': city, 'lang': lang, **extra})}"


def _switch(label: str, options: list[tuple[str, str, bool]]) -> html.Nav:
    links = [html.A(text, href=target, className="switch-option" + (" is-active" if active else ""),
                    **({"aria-current": "true"} if active else {})) for text, target, active in options]
    return html.Nav(links, className="switch", **{"aria-label": label})


def nav_target(page: dict, city: str) -> str:
    """Where a page's navigation link leads in ``city``: its ``nav_path_for(city)`` (the city's first topic),
    its fixed ``nav_path``, or its path."""
    if page.get("nav_path_for"):
        return page["nav_path_for"](city)
    return page.get("nav_path", page["path"])


def nav_links(path: str, city: str, lang: str) -> html.Nav:
    """Links to the pages that declare a ``nav`` label, the current one marked."""
    viewer = current_viewer()
    pages = sorted((page for page in dash.page_registry.values()
                    if page.get("nav") and (not page.get("permission") or viewer.may(page["permission"]))),
                   key=lambda page: page["order"])
    links = []
    # A page that has its own link marks only that link; others mark their section's (/themes/economy stands
    # for every /themes/… page).
    exact = any(path == nav_target(page, city) for page in pages)
    for page in pages:
        target = nav_target(page, city)
        section = target.rsplit("/", 1)[0] if target.count("/") > 1 else target
        current = path == target or (not exact and section != "/" and path.startswith(section + "/"))
        links.append(dcc.Link(t(page["nav"], lang), href=href(target, city, lang),
                              className="nav-link" + (" is-active" if current else "")))
    return html.Nav(links, className="nav", **{"aria-label": t("nav_label", lang)})


# The search box's list is fetched as one types (at most this many), not sent with every page's header: all
# indicators' names were 28 KiB of every page's first and later visits. Before one types it offers the headline
# indicators (with no options at all, Dash's dropdown leaves the focus on its button when it opens).
SEARCH_LIMIT = 50


def search_options(lang: str, typed: str = "") -> list[dict]:
    """The indicators whose code, Chinese or English name or pinyin initials of the Chinese name contain
    ``typed`` (GDP → "国内生产总值" → "gnsczz"), as "code name" options, at most ``SEARCH_LIMIT``; the headline
    indicators when nothing is typed."""
    catalog = indicators()
    needle = typed.strip().lower()
    if not needle:
        catalog = catalog[catalog["headline"].astype(bool)]
    options = []
    for code, zh, en in zip(catalog["code"], catalog["name_zh"], catalog["name_en"]):
        haystack = f"{code} {zh} {en} {initials(zh)}"
        if needle in haystack.lower():
            options.append({"label": f"{code} {en if lang == 'en' else zh}", "value": code, "search": haystack})
            if len(options) == SEARCH_LIMIT:
                break
    return options


def search_box(lang: str) -> html.Div:
    """The indicator search: type a code, a name or pinyin initials, pick, and the page opens."""
    try:
        suggestions = search_options(lang)
    except StoreUnavailable:
        suggestions = []
    return html.Div(dropdown(lang, id="shell-search", options=suggestions, placeholder=t("search_placeholder", lang),
                             searchable=True, clearable=True, optionHeight=36, maxHeight=420),
                    className="shell-search", role="search", title=t("search_label", lang))


def account_menu(lang: str) -> html.Div:
    """Who is signed in, with the sign-out button (a form posting the CSRF token). A visitor of demo mode is not
    signed in as anyone they chose: the menu says whose view they see and offers to sign in as someone else."""
    viewer = current_viewer()
    if viewer.username == DEMO_USER:
        return html.Div([html.Span(t("demo_visitor", lang), className="account-role", title=t("demo_visitor_note", lang)),
                         html.A(t("switch_account", lang), href=f"/login?lang={lang}", className="account-link")],
                        className="account account-demo")
    name = html.Span(viewer.username, className="account-name", title=t("signed_in_as", lang))
    role = html.Span(t(f"role_{viewer.role}", lang), className="account-role")
    sign_out = html.Form([dcc.Input(type="hidden", name="csrf_token", value=csrf_token()),
                          dcc.Input(type="hidden", name="lang", value=lang),
                          html.Button(t("sign_out", lang), type="submit", className="account-button")],
                         method="POST", action="/logout", className="account-form")
    return html.Div([name, role, sign_out], className="account")


# Page state that belongs to one city (an area, an alert) and is dropped when the city changes.
CITY_BOUND = ("area", "alert")


def build_header(path: str, city: str, lang: str, updated: str, state: dict[str, str] | None = None) -> list:
    """The header's content for the page at ``path``.

    Args:
        path: the current path, kept by the switches.
        city: the city key shown.
        lang: the language shown.
        updated: the data's last update time, already formatted.
        state: the page's other URL parameters (filters …), kept by the switches; the city
            switch drops those bound to a city.

    Returns:
        The header's children.
    """
    state = state or {}
    portable = {key: value for key, value in state.items() if key not in CITY_BOUND}
    viewer = current_viewer()
    cities = [(c.short_zh if lang == "zh" else c.name_en, href(path, key, lang, **portable), key == city)
              for key, c in load_cities().items() if (key in switch_cities() or key == city) and viewer.sees_city(key)]
    languages = [("中文", href(path, city, "zh", **state), lang == "zh"),
                 ("English", href(path, city, "en", **state), lang == "en")]
    return [
        dcc.Link([html.Span(t("app_title", lang), className="brand-title"),
                  html.Span(t("app_subtitle", lang), className="brand-subtitle")],
                 href=href("/", city, lang), className="brand"),
        html.Span(t("demo_badge", lang), className="demo-badge", title=t("demo_note", lang)),
        nav_links(path, city, lang),
        html.Div(className="header-spacer"),
        search_box(lang),
        html.Span([t("last_update", lang), " ", html.Time(updated)], className="header-updated"),
        _switch(t("city", lang), cities),
        _switch(t("language", lang), languages),
        account_menu(lang),
    ]


# The browser tab's title in English, by page name. A page registers its Chinese title (``register_page(title=…)``,
# what Dash puts in the tab); in English assets/08-page-title.js swaps it for this one. Dash's callable titles
# are no help: they get the path's variables, never the query's ``lang``.
ENGLISH_TITLES = {
    "home": "City Vitals", "theme": "Theme", "topic": "Topic", "area": "District", "indicator": "Indicator",
    "catalog": "Indicator catalog", "alerts": "Alert centre", "map": "District map", "screen": "City at a glance",
    "province": "Province", "province_screen": "Province wall", "inbox": "My alerts",
    "evaluation": "Alert handling evaluation", "briefing": "Daily city briefing", "data_quality": "Data quality",
    "data_catalog": "Catalog and thresholds", "data_upload": "Upload data", "data_loads": "Loads",
    "data_sources": "SQL sources", "admin_users": "Accounts", "admin_audit": "Audit log",
    "admin_notify": "Notifications & routing", "admin_screens": "Screens & playlists", "admin_topics": "Topics",
}
TITLE_SUFFIX = " · City Vitals"


def english_titles() -> dict[str, str]:
    """Each registered page's (Chinese) title → its English title; the home page's is the app's name alone."""
    titles = {}
    for page in dash.page_registry.values():
        english = ENGLISH_TITLES.get(page["name"])
        if isinstance(page.get("title"), str) and english:
            titles[page["title"]] = english if english == "City Vitals" else english + TITLE_SUFFIX
    return titles


def layout() -> html.Div:
    """The shell around every page."""
    return html.Div([
        dcc.Location(id="shell-url"),
        dcc.Location(id="shell-go", refresh="callback-nav"),
        dcc.Store(id="shell-lang", data=current_settings().lang),  # the language of a URL without one
        html.Div(id="shell-titles", hidden=True, **{"data-titles": json.dumps(english_titles(), ensure_ascii=False)}),
        html.Header(id="shell-header", className="shell-header"),
        html.Main(dash.page_container, className="shell-main"),
        html.Footer(id="shell-footer", className="shell-footer"),
        html.Nav(id="shell-tabs", className="shell-tabs"),
    ], id="shell", className="shell")


# The document's language follows the URL's (screen readers, fonts, the browser's translation offer): the
# served page says zh-CN whatever the URL asks.
clientside_callback(
    """
    function(search, fallback) {
        const asked = new URLSearchParams(search || "").get("lang");
        const lang = asked === "en" || asked === "zh" ? asked : fallback;
        document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
        return window.dash_clientside.no_update;
    }
    """,
    Output("shell-lang", "data"), Input("shell-url", "search"), State("shell-lang", "data"),
)


# The phone's bottom tab bar: (label key, path, the paths it stands for). A theme or topic page is a set of
# indicators, so it belongs to 指标; a district's page is that district's overview.
PHONE_TABS = (("tab_overview", "/", ("/", "/area/")),
              ("tab_alerts", "/alerts", ("/alerts",)),
              ("tab_indicators", "/catalog", ("/catalog", "/indicator/", "/themes/", "/topics/")),
              ("tab_map", "/map", ("/map",)))


def phone_tabs(path: str, city: str, lang: str) -> list:
    """The bottom tab bar's links (shown at phone widths only, by CSS), the current one marked."""
    def current(prefixes: tuple[str, ...]) -> bool:
        return any(path == p or (p.endswith("/") and p != "/" and path.startswith(p)) for p in prefixes)

    return [dcc.Link(t(key, lang), href=href(target, city, lang),
                     className="tab" + (" is-active" if current(prefixes) else ""))
            for key, target, prefixes in PHONE_TABS]


def route_path(pathname: str | None) -> str:
    """The path of the registered page at ``pathname``, rebuilt from the page's template (its variables quoted);
    "/" for any other path, so links built from it never lead to another host (``//evil.example``)."""
    if not pathname or not plain_path(pathname):
        return "/"
    given = (pathname.rstrip("/") or "/").split("/")
    for page in dash.page_registry.values():
        template = (page.get("path_template") or page["path"]).split("/")
        if len(template) == len(given) and all(t == g or (t[:1] == "<" and t[-1:] == ">" and g)
                                               for t, g in zip(template, given)):
            return "/".join(g if t == g else quote(g, safe="%:@!$&'()*+,;=") for t, g in zip(template, given)) or "/"
    return "/"


def is_bare(path: str) -> bool:
    """Whether the page at ``path`` fills the screen without the header and footer: pages
    registered with ``bare=True`` (the big screen)."""
    for page in dash.page_registry.values():
        template = page.get("path_template") or page["path"]
        if page.get("bare") and (path == page["path"] or path.startswith(template.split("<")[0].rstrip("/") + "/")):
            return True
    return False


@callback(Output("shell-header", "children"), Output("shell-footer", "children"), Output("shell", "className"),
          Output("shell-tabs", "children"), Input("shell-url", "pathname"), Input("shell-url", "search"))
@cacheable_answer(by=SESSION)
def update_shell(pathname: str | None, search: str | None):
    """Rebuild the header and footer for the URL (hidden on bare pages)."""
    query = parse_qs((search or "").lstrip("?"))
    city, lang = resolve(query.get("city", [None])[0], query.get("lang", [None])[0])
    try:
        stamp = last_update()
        updated = stamp.strftime("%Y-%m-%d %H:%M") if stamp else "—"
    except StoreUnavailable:
        updated = "—"
    footer = [html.Span(t("demo_note", lang)), html.Span(" · City Vitals")]
    state = {key: values[-1] for key, values in query.items() if key not in ("city", "lang")}
    path = route_path(pathname)
    shell_class = "shell shell-bare" if is_bare(path) else "shell"
    return build_header(path, city, lang, updated, state), footer, shell_class, phone_tabs(path, city, lang)


@callback(Output("shell-search", "options"), Input("shell-search", "search_value"), State("shell-url", "search"),
          prevent_initial_call=True)
@cacheable_answer()
def find_indicators(typed: str | None, search: str | None) -> list[dict]:
    """The search box's options for what has been typed so far."""
    if not isinstance(typed, str) or not typed.strip():
        raise PreventUpdate
    query = parse_qs((search or "").lstrip("?"))
    _city, lang = resolve(query.get("city", [None])[0], query.get("lang", [None])[0])
    try:
        return search_options(lang, typed[:64])
    except StoreUnavailable:
        return []


@callback(Output("shell-go", "href"), Input("shell-search", "value"), State("shell-url", "search"),
          prevent_initial_call=True)
def open_indicator(code: str | None, search: str | None) -> str:
    """Open the indicator picked in the search box, keeping the city and language."""
    if not code:
        raise PreventUpdate
    query = parse_qs((search or "").lstrip("?"))
    city, lang = resolve(query.get("city", [None])[0], query.get("lang", [None])[0])
    return href(f"/indicator/{code}", city, lang)


def refuse_unpermitted_pages() -> None:
    """Give every page that declares a ``permission`` one and the same refusal for a viewer without it: the
    refused-page notice of the data desk (refused, with a link to sign in as someone who may, and back), before
    the page's layout reads anything. Called once the pages are registered."""
    for page in dash.page_registry.values():
        permission, layout = page.get("permission"), page.get("layout")
        if permission and callable(layout) and not getattr(layout, "refuses", False):
            page["layout"] = _refusing(layout, permission, page["path"])


def _refusing(layout, permission: str, path: str):
    def guarded(**kwargs):
        if current_viewer().may(permission):
            return layout(**kwargs)
        lang = kwargs.get("lang")
        return html.Div(refused_page(path, lang if lang in ("zh", "en") else current_settings().lang),
                        className="refused-page")

    guarded.refuses = True
    return guarded
