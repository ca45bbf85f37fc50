"""The operator's desk (数据管理): the tabs that join its pages, each shown only to those allowed to use it."""

from __future__ import annotations

from dash import dcc, html

from indicators.access import current_viewer
from pages._i18n import register_strings, t
from pages._shell import href

register_strings({
    "nav_data": ("数据管理", "Data desk"),
    "data_tabs": ("数据管理页面", "Data desk pages"),
    "data_tab_quality": ("数据质量", "Data quality"),
    "data_tab_upload": ("上传数据", "Upload"),
    "data_tab_loads": ("加载记录", "Loads"),
    "data_tab_catalog": ("目录与阈值", "Catalog & thresholds"),
    "data_tab_sources": ("SQL 数据源", "SQL sources"),
})

# (label key, path, permission needed to open it)
DATA_PAGES = (
    ("data_tab_quality", "/data/quality", "data.view"),
    ("data_tab_upload", "/data/upload", "data.load"),
    ("data_tab_loads", "/data/loads", "data.view"),
    ("data_tab_catalog", "/data/catalog", "data.view"),
    ("data_tab_sources", "/data/sources", "data.load"),
)


def data_tabs(current: str, city: str, lang: str) -> html.Nav:
    """The desk's tabs for the viewer, the page at ``current`` marked."""
    viewer = current_viewer()
    links = [dcc.Link(t(key, lang), href=href(path, city, lang),
                      className="data-tab" + (" is-active" if path == current else ""))
             for key, path, permission in DATA_PAGES if viewer.may(permission)]
    return html.Nav(links, className="data-tabs", **{"aria-label": t("data_tabs", lang)})
