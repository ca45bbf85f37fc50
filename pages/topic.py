"""``/topics/<topic>``: every indicator of one of the six topics (专题) as a tile."""

from __future__ import annotations

import dash

from pages import _group

dash.register_page(__name__, cacheable_layout=True, path_template="/topics/<topic>", title="专题 · City Vitals", name="topic",
                   order=2, nav="nav_topics", nav_path="/topics/health")


def layout(topic: str = "", city: str | None = None, lang: str | None = None, **query) -> dash.html.Div:
    """The topic page for the URL's topic, city, language and filters."""
    return _group.layout("topic", topic, city, lang, query)
