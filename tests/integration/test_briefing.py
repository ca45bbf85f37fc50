"""The briefing (/briefing) in headless Chromium on a phone, a PC and a video wall: the summary's figures agree with
its charts, the weekly briefing has a column per day, the PDF downloads, nothing overflows or leaves the server,
and an accessibility scan (axe, WCAG 2 A/AA) passes."""

import re

import pytest

from tests.integration.conftest import artifacts_dir, assert_accessible

pytestmark = pytest.mark.browser
CLEAN = {"console": [], "offsite": [], "failed": []}


def _bars(page, chart: int) -> list[int]:
    return [int(v) for v in page.eval_on_selector_all(
        f".briefing-chart:nth-of-type({chart}) .briefing-bar-value", "cells => cells.map(c => c.innerText)")]


def test_the_briefing_page_on_every_screen(page, live_server, page_problems, viewport):
    page.goto(live_server + "/briefing?city=xiamen&lang=zh")
    page.wait_for_selector(".briefing-summary", timeout=30000)
    assert page.inner_text("h1") == "城市运行日报"
    summary = page.inner_text(".briefing-summary")
    opened, resolved, open_now = (int(n) for n in re.match(r"本期新发预警 (\d+) 条,办结 (\d+) 条;目前在办预警 (\d+) 条",
                                                            summary).groups())
    assert open_now > 0 and sum(_bars(page, 1)) == open_now  # the level chart adds up to the open warnings
    titles = page.eval_on_selector_all(".briefing-section h2", "hs => hs.map(h => h.innerText)")
    assert [title[:2] for title in titles] == ["一、", "二、", "三、", "四、", "五、"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(artifacts_dir() / f"briefing-{viewport['name']}.png"), full_page=False)
    assert_accessible(page)

    page.click("#briefing-kind")
    page.get_by_role("option", name="周报", exact=True).click()
    page.wait_for_selector(".briefing-col", timeout=15000)
    assert page.locator(".briefing-col").count() == 7
    assert "城市运行周报" in page.inner_text("#briefing-body")

    with page.expect_download(timeout=60000) as download:
        page.click("#briefing-pdf")
    path = download.value.path()
    assert download.value.suggested_filename.startswith("city-vitals-weekly-xiamen-")
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert page_problems == CLEAN
