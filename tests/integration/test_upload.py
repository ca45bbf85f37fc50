"""The upload path in headless Chromium at 1920×1080, signed in on the real login form: a good file, a bad file,
a GBK file and a wide Excel file dropped on /data/upload — checked row by row first, loaded only when they
pass, and then found on /data/loads."""

import io
import uuid
from urllib.parse import quote

import openpyxl
import pytest

from indicators.catalog.entries import load_catalog
from tests.integration.conftest import artifacts_dir, assert_accessible, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("viewport", ["pc"], indirect=True)]
CLEAN = {"console": [], "offsite": [], "failed": []}
# A monthly, public, district-level indicator of the demo catalog that is not summed (its values are free).
CODE = next(e.code for e in load_catalog() if e.frequency == "monthly" and e.spatial_level == "district"
            and e.sensitivity == "public" and e.aggregation == "mean" and e.min_value is not None
            and e.max_value is not None and e.max_value >= 100)
ENTRY = load_catalog()[CODE]
VALUE = round((ENTRY.min_value + ENTRY.max_value) / 2, 1)


@pytest.fixture
def desk(page, live_server, admin_account, page_problems):
    """The upload page, signed in as the live server's administrator (who may load data)."""
    name, password = admin_account
    page.goto(f"{live_server}/login?next={quote('/data/upload?city=xiamen&lang=zh')}")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", password)
    page.click(".login-submit")
    page.wait_for_selector("#upload-file", timeout=30000)
    return page


def drop(page, name: str, content: bytes, mime: str = "text/csv") -> None:
    page.set_input_files("#upload-file input[type=file]", files=[{"name": name, "mimeType": mime, "buffer": content}])
    page.wait_for_selector(f"#upload-file-name:has-text('{name}')", timeout=30000)
    wait_until(page, "!!document.querySelector('.upload-report')", timeout=30000)


def commit(page) -> str:
    assert page.is_enabled("#upload-commit")
    page.click("#upload-commit")
    page.wait_for_selector("#upload-result .notice", timeout=60000)
    return page.inner_text("#upload-result")


def long_csv(rows: list[tuple[str, str, float]]) -> str:
    return "指标代码,地区,时间,数值\n" + "".join(f"{CODE},{area},{period},{value}\n" for area, period, value in rows)


def test_a_good_file_is_checked_then_loaded_and_listed(desk, live_server, page_problems):
    name = f"good-{uuid.uuid4().hex[:6]}.csv"
    drop(desk, name, long_csv([("思明区", "2024年3月", VALUE), ("湖里区", "2024年3月", VALUE)]).encode())
    report = desk.inner_text(".upload-report")
    assert "校验通过" in report and CODE in report and "CSV" in report
    result = commit(desk)
    assert f"已导入 {name}" in result and not desk.is_enabled("#upload-commit")
    assert_accessible(desk)
    desk.screenshot(path=str(artifacts_dir() / "upload-good-pc.png"), full_page=True)
    desk.click("#upload-result a")
    desk.wait_for_selector(".loads-detail .meta-list", timeout=30000)
    assert name in desk.inner_text(".loads-detail") and CODE in desk.inner_text(".loads-detail")
    desk.wait_for_load_state("networkidle")
    assert page_problems == CLEAN


def test_a_bad_file_lists_its_rows_and_cannot_be_loaded(desk, page_problems):
    bad = long_csv([("思明区", "2024年3月", VALUE), ("火星区", "2024年3月", VALUE), ("湖里区", "2024-03-15", VALUE),
                    ("湖里区", "2024年4月", "很多")])
    drop(desk, "bad.csv", bad.encode())
    report = desk.inner_text(".upload-report")
    assert "未通过校验" in report and "共 3 处问题" in report
    rows = desk.eval_on_selector_all(".upload-errors tbody tr", "rows => rows.map(r => r.innerText)")
    assert len(rows) == 3 and "火星区" in rows[0] and "未知地区" in rows[0]
    assert "2024-03-15" in rows[1] and "很多" in rows[2] and "不是数字" in rows[2]
    assert not desk.is_enabled("#upload-commit")
    desk.screenshot(path=str(artifacts_dir() / "upload-bad-pc.png"), full_page=True)
    assert page_problems == CLEAN


def test_a_gbk_file_is_read_as_gbk_and_loads(desk, page_problems):
    text = "厦门市 月度数据报表\n" + long_csv([("集美区", "2024年5月", VALUE)]) + "注:数据来源于各区上报。\n"
    drop(desk, "gbk.csv", text.encode("gbk"))
    report = desk.inner_text(".upload-report")
    assert "校验通过" in report and "gb18030" in report.lower()
    assert "已导入 gbk.csv" in commit(desk)
    assert page_problems == CLEAN


def test_a_wide_excel_file_with_periods_as_columns_loads(desk, page_problems):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["各区月度数据"])
    sheet.append(["指标", "地区", "2024年6月", "2024年7月", "2024年8月"])
    for district in ("思明区", "海沧区", "同安区"):
        sheet.append([ENTRY.name_zh, district, VALUE, VALUE, None])
    buffer = io.BytesIO()
    book.save(buffer)
    drop(desk, "wide.xlsx", buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    report = desk.inner_text(".upload-report")
    assert "校验通过" in report and "6 个数值" in report and "各期为列" in report
    assert "已导入 wide.xlsx" in commit(desk)
    desk.screenshot(path=str(artifacts_dir() / "upload-wide-xlsx-pc.png"), full_page=True)
    assert page_problems == CLEAN
