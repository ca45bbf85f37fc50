"""``/topics/<topic>``: every indicator of one of the city's topics (专题, ``indicators/catalog/topics.yaml``) as a tile."""

from __future__ import annotations

import dash

from indicators.catalog.topics import topics_for
from pages import _group


def first_topic_path(city: str) -> str:
    """The navigation's 专题 link: the city's first topic (each city names its own)."""
    topics = topics_for(city)
    return f"/topics/{topics[0].key}" if topics else "/catalog"


dash.register_page(__name__, cacheable_layout=True, path_template="/topics/<topic>", title="专题 · City Vitals", name="topic",
                   order=2, nav="nav_topics", nav_path_for=first_topic_path)


def layout(topic: str = "", city: str | None = None, lang: str | None = None, **query) -> dash.html.Div:
    """The topic page for the URL's topic, city, language and filters."""
    return _group.layout("topic", topic, city, lang, query)
