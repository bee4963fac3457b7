"""Issue 15, point 8: pages that work 360 px wide. Tables become one card per row on a phone (and
stay tables on a desk), names never break across lines, and the walker's probe (bench/screenshots.py)
does see English words and overflow when a page has them. Points 3 and 4 in the browser too.
Real Chromium, real server, demo data."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator, List, Tuple
from zoneinfo import ZoneInfo

import pytest
from community_world import ServerProcess
from pages_check import screenshots as bench_screenshots

ZONE = ZoneInfo("Asia/Shanghai")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"), reason="/usr/bin/chromium not installed"),
]
NAMES = [
    "欧阳玉兰芳",
    "欧阳婆婆",
    "王秀英",
    "王阿姨",
    "李建国",
    "李伯伯",
    "陈美玲",
    "张德明",
    "12号楼东单元",
    "周社工",
    "王小红",
]
"""Elders, how the speaker calls them, a long group name, and the people logged in."""
# Each occurrence of a name in the page's text, and on how many lines it is drawn.
LINES_JS = """(names) => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement || node.parentElement.closest('script,style,option,select')) continue;
    for (const name of names) {
      for (let at = node.data.indexOf(name); at >= 0; at = node.data.indexOf(name, at + 1)) {
        const range = document.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + name.length);
        const rects = Array.from(range.getClientRects()).filter(r => r.width > 0);
        if (!rects.length) continue;
        found.push([name, new Set(rects.map(r => Math.round(r.bottom))).size]);
      }
    }
  }
  return found;
}"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("layout")
    server = ServerProcess(bench_screenshots().demo_database(folder), folder)
    yield server.url, folder
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    shots = bench_screenshots()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=shots.CHROMIUM, args=shots.CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _page(browser, base: str, username: str, width: int, height: int = 800):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    bench_screenshots().login(page, base, username)
    return context, page


def _rows(page) -> List[Tuple[str, List[str]]]:
    """(display of each data row, the column name each of its cells is labelled with)."""
    return page.eval_on_selector_all(
        "table.table tr:not(:has(th))",
        "rows => rows.map(r => [getComputedStyle(r).display,"
        " Array.from(r.children).map(c => c.getAttribute('data-label') || '')])",
    )


def test_tables_become_cards_on_a_phone_and_stay_tables_on_a_desk(demo, browser) -> None:
    base, folder = demo
    phone, page = _page(browser, base, "staff", 360)
    desk, wide = _page(browser, base, "staff", 1280)
    for path, columns in (
        ("/staff/services", {"申请时间", "住户", "服务", "说明", "状态"}),
        ("/staff/households", {"老人", "称呼", "方言", "楼栋/小组"}),
        ("/staff/points", {"时间", "住户", "积分", "事由"}),
    ):
        page.goto(base + path)
        rows = _rows(page)
        assert rows and {display for display, _ in rows} == {"block"}, (path, rows)
        assert columns <= set(rows[0][1]), (path, rows[0])  # each line says which column it is
        header = page.eval_on_selector("table.table tr:has(th)", "r => getComputedStyle(r).display")
        assert header == "none"
        page.screenshot(path=str(folder / f"360{path.replace('/', '-')}.png"), full_page=True)
        wide.goto(base + path)
        assert {display for display, _ in _rows(wide)} == {"table-row"}, path
        assert bench_screenshots().problems(page, path) == []
        assert bench_screenshots().problems(wide, path) == []
    assert (folder / "360-staff-services.png").read_bytes()[16:20] == (360).to_bytes(4, "big")
    phone.close()
    desk.close()


@pytest.mark.parametrize("username", ["staff", "daughter"])
def test_names_stay_on_one_line_at_360_px(demo, browser, username: str) -> None:
    base, _ = demo
    context, page = _page(browser, base, username, 360, 740)
    shots = bench_screenshots()
    checked = 0
    for path in shots.crawl(page, base, per_shape=1, limit=40):
        page.goto(base + path)
        found = page.evaluate(LINES_JS, NAMES)
        broken = [(name, lines) for name, lines in found if lines > 1]
        assert broken == [], (path, broken)
        checked += len(found)
    assert checked >= 40  # names were really there to be checked
    context.close()


def test_the_probe_sees_english_words_and_overflow(browser) -> None:
    shots = bench_screenshots()
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_content(
        "<title>提醒 reminders</title><p>导出 CSV，用 Excel 打开 · 王小红（daughter）</p>"
        "<p>名额已满 conflict</p><div style='width:420px'>很宽的一块</div>"
        "<div style='overflow-x:auto'><div style='width:900px'>自己可以左右滑动</div></div>"
    )
    found = [p.what for p in shots.problems(page, "/test")]
    assert len(found) == 2, found
    assert found[0] == "English words ['conflict', 'reminders']"
    assert (
        found[1].startswith('wider than the screen (428px): [\'div [8..428] "很宽的一块"')
        and "滑动" not in found[1]
    )
    page.set_content("<p>导出 CSV，用 Excel 或 WPS 打开；API 文档</p>")
    assert shots.problems(page, "/test") == []
    context.close()


def test_refusals_dates_and_a_stale_tab_in_the_browser(demo, browser) -> None:
    """Points 3 and 4 as people meet them: on a phone the family's refusals in Chinese with what was
    typed kept, 已经报过名了 from a stale tab; on a desk last year's notice with its year and 已过期,
    a publish time in the past refused, a not-found page that keeps the header."""
    base, _ = demo
    context, page = _page(browser, base, "daughter", 390, 844)
    page.click("text=添加提醒")
    page.fill("input[name=content]", "量血压")
    page.check("input[name=repeat][value=weekly]")
    page.click("button:has-text('保存')")
    assert "每周哪几天：选了“每周”，请至少选一天" in page.inner_text("main")
    assert page.input_value("input[name=content]") == "量血压"
    yesterday = (datetime.now(ZONE) - timedelta(days=1)).date()
    page.check("input[name=repeat][value=once]")
    page.fill("input[name=start_date]", yesterday.isoformat())
    page.click("button:has-text('保存')")
    assert "已经过去了，请选以后的日期和时间" in page.inner_text("main")
    page.click("nav >> text=活动报名")
    stale = context.new_page()  # the same list open in a second tab
    stale.goto(page.url)
    button = "#upcoming li:first-child button:has-text('报名')"
    page.click(button)
    page.wait_for_selector("#bookings .ok")
    stale.click(button)  # the old tab still offers 报名
    stale.wait_for_selector("[role=alert]")
    assert stale.inner_text("[role=alert]") == "已经报过名了"
    assert bench_screenshots().problems(stale, "/bookings") == []
    context.close()

    context, page = _page(browser, base, "staff", 1280, 800)
    page.click("nav >> text=通知")
    old = page.inner_text("#announcements li:has-text('春节联欢会')")
    year = (datetime.now(ZONE) - timedelta(days=400)).year
    assert f"{year}年" in old and "已过期" in old
    assert "已过期" not in page.inner_text("#announcements li:has-text('停水通知')")
    page.fill("input[name=title]", "停电通知")
    page.fill("textarea[name=body]", "明天上午停电。")
    page.fill("input[name=publish_at]", f"{yesterday.isoformat()}T08:00")
    page.click("button:has-text('发布')")
    assert "发布时间：已经过去了" in page.inner_text("[role=alert]")
    assert page.input_value("input[name=title]") == "停电通知"
    page.goto(f"{base}/staff/activities/00000000-0000-0000-0000-000000000000/edit")
    header = page.inner_text("header")
    assert "周社工" in header and "退出" in header
    assert "找不到这个活动，可能已经删除了" in page.inner_text("main")
    context.close()
