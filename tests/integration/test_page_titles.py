"""The browser tab's title follows the page's language (pages/_shell.py english_titles, assets/08-page-title.js)."""

import pytest

from tests.integration.conftest import wait_until

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["pc"], indirect=True)
def test_the_tab_title_is_in_the_page_s_language(page, live_server, page_problems, viewport):
    page.goto(live_server + "/alerts?lang=en")
    page.wait_for_selector(".alert-row", timeout=30000)
    wait_until(page, "document.title === 'Alert centre · City Vitals'")
    # Switching language in the page (no reload): the Chinese title again, then English on the next page.
    page.get_by_role("link", name="中文").click()
    wait_until(page, "document.documentElement.lang === 'zh-CN' && document.title === '预警中心 · City Vitals'")
    page.get_by_role("link", name="English").click()
    wait_until(page, "document.title === 'Alert centre · City Vitals'")
    page.get_by_role("link", name="Catalog").first.click()
    wait_until(page, "document.title === 'Indicator catalog · City Vitals'")
    page.goto(live_server + "/?lang=en")
    page.wait_for_selector(".theme-card", timeout=30000)
    wait_until(page, "document.title === 'City Vitals'")
    page.goto(live_server + "/screen?lang=en")
    wait_until(page, "document.title === 'City at a glance · City Vitals'")
    page.goto(live_server + "/catalog")
    wait_until(page, "document.title === '指标目录 · City Vitals'")
    assert page_problems == {"console": [], "offsite": [], "failed": []}
