"""The home page in headless Chromium at phone, PC and video-wall sizes."""

import pytest

from tests.integration.conftest import artifacts_dir, wait_until

pytestmark = pytest.mark.browser


def _no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_home_shows_themes_and_headlines(page, live_server, page_problems, viewport):
    page.goto(live_server + "/")
    page.wait_for_selector(".theme-card", timeout=30000)
    page.wait_for_selector(".tile")
    assert page.locator(".theme-card").count() == 5
    assert page.locator(".tile").count() >= 10
    assert "经济发展" in page.inner_text(".theme-grid")
    assert page.locator(".demo-badge").inner_text() == "演示数据"
    assert page.evaluate("innerWidth") == viewport["width"]
    assert _no_horizontal_overflow(page)
    page.screenshot(path=str(artifacts_dir() / f"home-{viewport['name']}.png"), full_page=False)
    assert page_problems == {"console": [], "offsite": [], "failed": []}


@pytest.mark.parametrize("viewport", ["pc"], indirect=True)
def test_language_and_city_switches(page, live_server, page_problems, viewport):
    page.goto(live_server + "/")
    page.wait_for_selector(".theme-card", timeout=30000)
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    page.get_by_role("link", name="English").click()
    wait_until(page, "document.querySelector('.theme-grid') && "
               "document.querySelector('.theme-grid').innerText.includes('Economy')")
    assert "lang=en" in page.url and page.evaluate("document.documentElement.lang") == "en"
    page.get_by_role("link", name="Ningde").click()
    wait_until(page, "document.querySelector('.page-title')?.innerText === 'Ningde'")
    page.wait_for_selector(".tile")
    assert "city=ningde" in page.url and "lang=en" in page.url
    assert page_problems == {"console": [], "offsite": [], "failed": []}
