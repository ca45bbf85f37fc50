"""Tabs that join the pages of one section — the operator's desk (数据管理), administration (系统管理) — each
tab shown only to those allowed to open its page. The header's navigation carries one entry per section."""

from __future__ import annotations

from dash import dcc, html

from indicators.accounts.access import current_viewer
from pages._i18n import register_strings, t
from pages._shell import href

register_strings({
    "nav_data": ("数据管理", "Data desk"),
    "nav_admin": ("系统管理", "Admin"),
    "data_tabs": ("数据管理页面", "Data desk pages"),
    "admin_tabs": ("系统管理页面", "Administration pages"),
    "data_tab_quality": ("数据质量", "Data quality"),
    "data_tab_upload": ("上传数据", "Upload"),
    "data_tab_loads": ("加载记录", "Loads"),
    "data_tab_catalog": ("目录与阈值", "Catalog & thresholds"),
    "data_tab_sources": ("SQL 数据源", "SQL sources"),
    "admin_tab_users": ("账号管理", "Accounts"),
    "admin_tab_audit": ("审计日志", "Audit log"),
    "admin_tab_notify": ("通知与分拨", "Notifications"),
    "admin_tab_screens": ("大屏配置", "Screens"),
    "admin_tab_topics": ("专题配置", "Topics"),
})

# (label key, path, permission needed to open it)
DATA_PAGES = (
    ("data_tab_quality", "/data/quality", "data.view"),
    ("data_tab_upload", "/data/upload", "data.load"),
    ("data_tab_loads", "/data/loads", "data.view"),
    ("data_tab_catalog", "/data/catalog", "data.view"),
    ("data_tab_sources", "/data/sources", "data.load"),
)
ADMIN_PAGES = (
    ("admin_tab_users", "/admin/users", "users.manage"),
    ("admin_tab_audit", "/admin/audit", "audit.read"),
    ("admin_tab_notify", "/admin/notify", "notify.manage"),
    ("admin_tab_screens", "/admin/screens", "screens.manage"),
    ("admin_tab_topics", "/admin/topics", "topics.manage"),
)


def section_tabs(pages: tuple[tuple[str, str, str], ...], current: str, city: str, lang: str,
                 label: str) -> html.Nav:
    """The tabs of a section's ``pages`` the viewer may open, the page at ``current`` marked."""
    viewer = current_viewer()
    links = [dcc.Link(t(key, lang), href=href(path, city, lang),
                      className="data-tab" + (" is-active" if path == current else ""))
             for key, path, permission in pages if viewer.may(permission)]
    return html.Nav(links, className="data-tabs", **{"aria-label": t(label, lang)})


def data_tabs(current: str, city: str, lang: str) -> html.Nav:
    """The operator's desk tabs."""
    return section_tabs(DATA_PAGES, current, city, lang, "data_tabs")


def admin_tabs(current: str, city: str, lang: str) -> html.Nav:
    """The administration tabs."""
    return section_tabs(ADMIN_PAGES, current, city, lang, "admin_tabs")


# Alert handling (issue 19): each person's inbox, the departments' evaluation, the daily briefing.
HANDLING_PAGES = (
    ("handling_tab_inbox", "/inbox", "data.export"),
    ("handling_tab_evaluation", "/evaluation", "data.view"),
    ("handling_tab_briefing", "/briefing", "data.export"),
)


def handling_tabs(current: str, city: str, lang: str) -> html.Nav:
    """The alert handling tabs (labels registered by ``pages._admin_notify_parts``)."""
    return section_tabs(HANDLING_PAGES, current, city, lang, "handling_tabs")
