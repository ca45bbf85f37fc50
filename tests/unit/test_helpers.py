"""The component helpers of tests/helpers.py, on hand-made components."""

import pytest
from dash import dcc, html

from tests.helpers import assert_same_component, find_components


def test_components_compare_by_type_props_and_children():
    table = html.Table([html.Tr([html.Td("思明区"), html.Td(dcc.Link("GDP", href="/indicator/ECO-GDP-001"))])])
    assert_same_component(table, html.Table([html.Tr([html.Td("思明区"),
                                                      html.Td(dcc.Link("GDP", href="/indicator/ECO-GDP-001"))])]))
    with pytest.raises(AssertionError):
        assert_same_component(table, html.Table([html.Tr([html.Td("湖里区")])]))
    links = find_components(table, "Link")
    assert [link["props"]["href"] for link in links] == ["/indicator/ECO-GDP-001"]
    assert len(find_components([table, table], "Td")) == 4
    assert find_components(table, "Link", href="/nowhere") == []
