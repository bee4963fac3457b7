"""Issue 15 "Done when": a family member and a staff member walk every page they can reach, on two
phones and a desk screen, in real Chromium against a real server; no page may show an English word
outside the allow-list, and nothing may be wider than the screen.

Pages are found, not listed: from where each login lands, every same-origin link of every page is
followed (bench/screenshots.py: crawl), so pages added later are walked too. Error pages (not
found, the other side's pages) and the login page are added by hand, since no link leads to them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
from community_world import ServerProcess
from pages_check import screenshots as bench_screenshots

VIEWPORTS = [(390, 844), (360, 740), (1280, 800)]
"""A common phone, a small phone, a desk screen (CSS pixels)."""
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"), reason="/usr/bin/chromium not installed"),
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[str, Path]]:
    """The demo community and its extras (bench/screenshots.py) behind a real server."""
    folder = tmp_path_factory.mktemp("walk")
    url = bench_screenshots().demo_database(folder)
    server = ServerProcess(url, folder)
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


def _walk(
    browser, base: str, username: str, extra: List[str], shots_dir: Path
) -> Tuple[List[str], List[str]]:
    """(pages walked, problems) for one login at every viewport; a 360 px screenshot of each page."""
    shots = bench_screenshots()
    found: List[str] = []
    seen: List[str] = []
    for width, height in VIEWPORTS:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        context.set_default_timeout(15_000)
        page = context.new_page()
        shots.login(page, base, username)
        if not seen:
            seen = shots.crawl(page, base, per_shape=2, limit=120) + extra
        for number, path in enumerate(seen):
            page.goto(base + path)
            found.extend(str(p) for p in shots.problems(page, path))
            if width == 360:
                name = f"{number:02d}-{shots.file_name(username, path)}"
                page.screenshot(path=str(shots_dir / name), full_page=True)
        context.close()
    return seen, found


def test_family_and_staff_pages_are_chinese_and_fit_every_screen(demo, browser) -> None:
    base, folder = demo
    shots_dir = folder / "screens-360"
    shots_dir.mkdir()
    nobody = "00000000-0000-0000-0000-000000000000"
    walked: Dict[str, List[str]] = {}
    problems: List[str] = []
    for username, extra in (
        ("daughter", [f"/family/h/{nobody}/reminders", "/family/nowhere", "/staff", "/login"]),
        ("staff", [f"/staff/activities/{nobody}/edit", "/staff/nowhere", "/family", "/login"]),
    ):
        walked[username], found = _walk(browser, base, username, extra, shots_dir)
        problems.extend(found)
    shapes = {u: {bench_screenshots().shape(p) for p in paths} for u, paths in walked.items()}
    # The walk really went everywhere the navigation leads (the core pages of both sides at least).
    assert {
        "/family/h/{id}/reminders",
        "/family/h/{id}/bookings",
        "/family/h/{id}/messages",
        "/family/h/{id}/routine",
        "/family/h/{id}/alerts",
        "/family/r/{id}/edit",
    } <= shapes["daughter"]
    assert {
        "/staff",
        "/staff/activities",
        "/staff/activities/{id}",
        "/staff/announcements",
        "/staff/households",
        "/staff/devices",
        "/staff/services",
        "/staff/points",
    } <= shapes["staff"]
    assert sum(len(p) for p in walked.values()) >= 30, walked
    screens = sorted(shots_dir.glob("*.png"))
    assert len(screens) == sum(len(p) for p in walked.values())
    assert all(s.read_bytes()[16:20] == (360).to_bytes(4, "big") for s in screens)  # PNG width field
    assert problems == [], "\n".join(problems)
