"""/admin/topics in headless Chromium: an administrator adds a topic to 厦门 (a broken edit first, refused with its
line); without a restart, the new topic is on its page with its tiles, first in the topic chips a phone uses to move
between topics, and where the header's 专题 link leads."""

from urllib.parse import quote

import pytest

from tests.integration.conftest import artifacts_dir, wait_until

pytestmark = pytest.mark.browser
CLEAN = {"console": [], "offsite": [], "failed": []}
NEW_TOPIC = """  xiamen:
    - key: blue_sky
      name_zh: 蓝天碧水
      name_en: Blue sky, clear water
      order: 0
      rules: {themes: [environment]}
      headline: [ENV-AIR-001, ENV-AIR-006]
"""


def _sign_in(page, base: str, username: str, password: str, next_path: str) -> None:
    page.goto(f"{base}/login?lang=zh&next={quote(next_path)}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click(".login-submit")


@pytest.mark.parametrize("viewport", ["pc", "mobile"], indirect=True)
def test_a_topic_added_in_the_app_is_everywhere_at_the_next_request(page, live_server, live_data_dir, live_store,
                                                                   admin_account, page_problems, viewport):
    import subprocess
    import sys

    from indicators.catalog.topics import TOPICS_PATH

    shipped = TOPICS_PATH.read_text(encoding="utf-8")
    edited = shipped.replace("  xiamen:\n", NEW_TOPIC, 1)
    broken = edited.replace("headline: [ENV-AIR-001, ENV-AIR-006]", "headline: [ENV-AIR-001, ENV-NOPE-001]", 1)
    line = broken[:broken.index("ENV-NOPE-001")].count("\n") + 1
    name = viewport["name"]
    try:
        _sign_in(page, live_server, *admin_account, "/admin/topics?city=xiamen&lang=zh")
        page.wait_for_selector(".admin-topics-preview tr[data-topic='health']", timeout=30000)
        page.fill("#admin-topics-text", broken)
        page.wait_for_selector(".admin-screens-status[data-valid='0']", timeout=20000)
        status = page.inner_text(".admin-screens-status")
        assert f"第 {line} 行" in status and "ENV-NOPE-001" in status
        page.fill("#admin-topics-text", edited)
        page.wait_for_selector(".admin-topics-preview tr[data-topic='blue_sky']", timeout=20000)
        first = page.locator(".admin-topics-preview tbody tr").first
        assert "蓝天碧水" in first.inner_text()  # a phone hides the address column: the name links to it
        assert first.locator("a").get_attribute("href").startswith("/topics/blue_sky?")
        page.fill("#admin-topics-comment", "蓝天碧水专题")
        page.click("#admin-topics-save")
        wait_until(page, "document.querySelector('#admin-topics-message').textContent.includes('已保存')")
        page.wait_for_selector(".admin-screens-history td:has-text('蓝天碧水专题')", timeout=20000)
        page.screenshot(path=str(artifacts_dir() / f"admin-topics-{name}.png"), full_page=False)

        page.goto(f"{live_server}/topics/blue_sky?city=xiamen&lang=zh")
        page.wait_for_selector(".group-page .tile-grid .tile", timeout=30000)
        assert page.inner_text(".group-head .page-title") == "蓝天碧水"
        assert page.locator(".tile-grid .tile").count() >= 20
        chips = page.locator(".chips .chip")
        assert chips.first.inner_text() == "蓝天碧水" and "is-active" in chips.first.get_attribute("class")
        assert chips.first.is_visible()
        if name == "pc":
            link = page.locator(".nav .nav-link", has_text="专题")
            assert link.get_attribute("href").startswith("/topics/blue_sky?")
        page.screenshot(path=str(artifacts_dir() / f"admin-topics-page-{name}.png"), full_page=False)
        assert page_problems == CLEAN
    finally:
        env = {"PATH": "/usr/bin:/bin", "CITYVITALS_DATA_DIR": str(live_data_dir), "HOME": str(live_data_dir),
               "CITYVITALS_DATABASE_URL": live_store}
        subprocess.run([sys.executable, "manage.py", "topics", "import", str(TOPICS_PATH)],
                       cwd=TOPICS_PATH.parents[2], env=env, check=True, capture_output=True, timeout=120)
