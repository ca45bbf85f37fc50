"""``/themes/<theme>``: every indicator of one of the five themes as a tile."""

from __future__ import annotations

import dash

from pages import _group

dash.register_page(__name__, cacheable_layout=True, path_template="/themes/<theme>", title="主题 · City Vitals", name="theme",
                   order=1, nav="nav_themes", nav_path="/themes/economy")


def layout(theme: str = "", city: str | None = None, lang: str | None = None, **query) -> dash.html.Div:
    """The theme page for the URL's theme, city, language and filters."""
    return _group.layout("theme", theme, city, lang, query)
