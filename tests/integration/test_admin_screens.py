"""/admin/screens in headless Chromium at 1920×1080 and 3840×2160: an administrator edits the overview (a chart and
a ranking in the right column, a new title); a broken edit is refused with its line and neither previewed nor
saved; a version from the history is restored as a new version; the saved definition is what the wall draws, and
the preview and the wall agree — the same title, the same panels in the same order, each at the same place on the
stage."""

from urllib.parse import quote

import pytest

from tests.integration.conftest import artifacts_dir, wait_until

pytestmark = pytest.mark.browser
CLEAN = {"console": [], "offsite": [], "failed": []}
RIGHT = """      - {panel: theme, theme: governance, tiles: 3}
      - {panel: theme, theme: environment, tiles: 3}
      - {panel: alert_list, items: 4}
"""
EDITED_RIGHT = """      - {panel: ranking, items: 6}
      - {panel: chart, indicator: ECO-GDP-001}
      - {panel: alert_list, items: 3}
"""
# Each panel of the stage's columns: its kind and what it shows, and its place as fractions of the stage.
PANELS = """stage => {
    const box = stage.getBoundingClientRect();
    return [...stage.querySelectorAll('.screen-side > section')].map(panel => {
        const r = panel.getBoundingClientRect();
        return {cls: panel.className, code: panel.dataset.code || panel.dataset.theme || '',
                x: (r.left - box.left) / box.width, y: (r.top - box.top) / box.height,
                w: r.width / box.width, h: r.height / box.height};
    });
}"""


def _sign_in(page, base: str, username: str, password: str, next_path: str) -> None:
    page.goto(f"{base}/login?lang=zh&next={quote(next_path)}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click(".login-submit")


def _preview_title(page) -> str:
    return page.evaluate("(document.querySelector('.admin-screens-stage .screen-title') || {}).textContent || ''")


@pytest.mark.parametrize(("viewport", "scale"), [("pc", 1), ("wall", 2)], indirect=["viewport"])
def test_an_edited_screen_is_previewed_and_drawn_alike_on_the_wall(page, live_server, live_data_dir, live_store,
                                                                   admin_account, page_problems, viewport, scale):
    import subprocess
    import sys

    from indicators.catalog.screens import SCREENS_PATH

    shipped = SCREENS_PATH.read_text(encoding="utf-8")
    edited = shipped.replace("title_zh: 城市运行一屏通览", "title_zh: 城市运行配置大屏", 1).replace(RIGHT, EDITED_RIGHT, 1)
    line = shipped[:shipped.index("theme: market")].count("\n") + 1
    broken = edited.replace("theme: market", "theme: weather", 1)
    name = viewport["name"]
    try:
        _sign_in(page, live_server, *admin_account, "/admin/screens?city=xiamen&lang=zh")
        page.wait_for_selector(".admin-screens-stage .screen-tile", timeout=30000)
        assert "城市运行一屏通览" in page.input_value("#admin-screens-text")
        page.fill("#admin-screens-text", broken)
        page.wait_for_selector(".admin-screens-status[data-valid='0']", timeout=20000)
        status = page.inner_text(".admin-screens-status")
        assert f"第 {line} 行" in status and "weather" in status
        assert page.locator(".admin-screens-stage").count() == 0  # refused: no half-drawn stage
        page.click("#admin-screens-save")
        wait_until(page, "document.querySelector('#admin-screens-message').textContent.includes('配置有误')")
        assert not (live_data_dir / "screens.yaml").exists() or "城市运行配置大屏" not in (
            live_data_dir / "screens.yaml").read_text(encoding="utf-8")
        page.fill("#admin-screens-text", edited)
        wait_until(page, "!document.querySelector('#admin-screens-message').textContent.includes('配置有误')")
        wait_until(page, "() => (document.querySelector('.admin-screens-stage .screen-title') || {}).textContent"
                         " === '厦门市 · 城市运行配置大屏'", timeout=30000)
        page.wait_for_selector(".admin-screens-stage .screen-rank", timeout=20000)
        page.wait_for_selector(".admin-screens-stage path.leaflet-interactive", timeout=20000)
        page.wait_for_timeout(300)
        preview = page.evaluate(PANELS, page.query_selector(".admin-screens-stage"))
        assert [p["cls"].split()[1] for p in preview[3:]] == ["screen-ranking-panel", "screen-chart-panel",
                                                              "screen-alerts-panel"]
        stage_box = page.locator(".admin-screens-preview").bounding_box()
        assert stage_box["width"] < viewport["width"] * 0.75  # scaled down beside the editor
        page.screenshot(path=str(artifacts_dir() / f"admin-screens-preview-{name}.png"), full_page=False)
        page.fill("#admin-screens-comment", "chart and ranking on the right")
        page.click("#admin-screens-save")
        wait_until(page, "document.querySelector('#admin-screens-message').textContent.includes('已保存')")
        page.wait_for_selector(".admin-screens-history td:has-text('chart and ranking on the right')", timeout=20000)
        assert "城市运行配置大屏" in (live_data_dir / "screens.yaml").read_text(encoding="utf-8")
        # Back to the shipped definitions, then the edited version restored from the history, as a new version.
        page.fill("#admin-screens-text", shipped)
        page.fill("#admin-screens-comment", "shipped again")
        page.click("#admin-screens-save")
        page.wait_for_selector(".admin-screens-history td:has-text('shipped again')", timeout=20000)
        edited_row = page.locator(".admin-screens-history tr:has(td:has-text('chart and ranking on the right'))").first
        version = edited_row.get_attribute("data-version")
        edited_row.locator(".admin-screens-restore").click()
        wait_until(page, "document.querySelector('#admin-screens-text').value.includes('城市运行配置大屏')")
        assert page.input_value("#admin-screens-comment") == f"restored v{version}"
        wait_until(page, "() => (document.querySelector('.admin-screens-stage .screen-title') || {}).textContent"
                         " === '厦门市 · 城市运行配置大屏'", timeout=30000)
        assert "城市运行配置大屏" not in (live_data_dir / "screens.yaml").read_text(encoding="utf-8")  # not yet saved
        page.click("#admin-screens-save")
        page.wait_for_selector(f".admin-screens-history td:has-text('restored v{version}')", timeout=20000)
        assert "城市运行配置大屏" in (live_data_dir / "screens.yaml").read_text(encoding="utf-8")
        assert page.locator(".admin-screens-history tbody tr").first.inner_text().count("使用中") == 1
        page.locator(".admin-screens-history").scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts_dir() / f"admin-screens-restored-{name}.png"), full_page=False)

        page.goto(f"{live_server}/screen?city=xiamen&lang=zh")
        page.wait_for_selector("#screen-stage[data-scale] .screen-rank", timeout=30000)
        page.wait_for_selector(".screen-map path.leaflet-interactive", timeout=20000)
        page.wait_for_timeout(300)
        assert page.inner_text("#screen-title") == "厦门市 · 城市运行配置大屏"
        assert float(page.get_attribute("#screen-stage", "data-scale")) == scale
        wall = page.evaluate(PANELS, page.query_selector("#screen-stage"))
        assert [(p["cls"], p["code"]) for p in wall] == [(p["cls"], p["code"]) for p in preview]
        for on_wall, in_preview in zip(wall, preview):
            for key in ("x", "y", "w", "h"):
                assert abs(on_wall[key] - in_preview[key]) < 0.01, (on_wall, in_preview)
        page.screenshot(path=str(artifacts_dir() / f"admin-screens-wall-{name}.png"), full_page=False)
        assert page_problems == CLEAN
    finally:
        env = {"PATH": "/usr/bin:/bin", "CITYVITALS_DATA_DIR": str(live_data_dir), "HOME": str(live_data_dir),
               "CITYVITALS_DATABASE_URL": live_store}
        subprocess.run([sys.executable, "manage.py", "screen", "import", str(SCREENS_PATH)],
                       cwd=SCREENS_PATH.parents[2], env=env, check=True, capture_output=True, timeout=120)
