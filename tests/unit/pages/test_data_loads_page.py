"""The load records' table without a browser: every count under a right-aligned head, each load selectable."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from tests.helpers import find_components


@pytest.fixture(scope="module")
def loads_page(dash_app):
    from pages import data_loads

    return data_loads


def test_the_counts_heads_are_right_aligned_over_their_numbers(loads_page):
    frame = pd.DataFrame([{"id": 7, "started_at": datetime(2025, 6, 30, 9, 5), "kind": "demo", "file_name": "demo:xiamen",
                           "user": "system", "status": "ok", "rows_total": 1200, "rows_inserted": 1000,
                           "rows_updated": 200, "indicators": 12}])
    table = loads_page.load_rows(frame, "en", selected=7)
    heads = find_components(table, "Th")
    numbers = [h["props"]["children"] for h in heads if h["props"].get("className") == "num"]
    assert numbers == ["Values", "New", "Corrected", "Indicators"]
    cells = find_components(table, "Td", className="num")
    assert len(cells) == len(numbers) and cells[-1]["props"]["children"] == "12"
    assert find_components(table, "Tr", className="is-selected")
