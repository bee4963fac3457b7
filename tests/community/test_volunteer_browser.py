"""Issue 16 in real headless Chromium against a real server, on the narrowest phone (360 × 740): a
volunteer logs in with the phone number, takes an elder's request with 我来帮忙 and a visit time,
finishes it and reads the points ledger; staff read 志愿帮扶, the volunteers and a volunteer's ledger.
Every page is checked for English words and for anything wider than the screen.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, Iterator, Tuple

import pytest
from community_world import PASSWORD, ServerProcess
from pages_check import screenshots

from community.actors import Actor, ActorKind
from community.db import Database
from community.domain import help_requests, volunteers
from community.domain.accounts import get_or_create_community
from community.models import Household, Role, User
from community.security import hash_password

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
NARROW = {"width": 360, "height": 740}
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} not installed"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[ServerProcess, Dict[str, str]]]:
    folder = tmp_path_factory.mktemp("volunteer-browser")
    database = Database(f"sqlite:///{folder / 'community.db'}")
    database.migrate()
    now = datetime.now(timezone.utc)
    ids: Dict[str, str] = {}
    with database.write() as session:
        community = get_or_create_community(session, "浏览器社区")
        worker = User(
            username="worker",
            display_name="周社工",
            password_hash=hash_password(PASSWORD),
            role=Role.STAFF,
            community_id=community.id,
            created_at=now,
        )
        home = Household(
            community_id=community.id,
            elder_name="欧阳玉兰芳",
            address_as="欧阳婆婆",
            group_name="3号楼",
            created_at=now,
        )
        session.add_all([worker, home])
        session.flush()
        staff = Actor(ActorKind.STAFF, worker.id, "周社工", frozenset({community.id}))
        helper = volunteers.create_volunteer(session, staff, "小李", "13800138000", PASSWORD)
        help_requests.create_help(session, staff, home.id, "帮我换个客厅的灯泡，够不着", None, now)
        ids.update(volunteer=helper.id)
    server = ServerProcess(database.url, Path(folder))
    yield server, ids
    server.stop()
    database.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


def _login(browser, base: str, username: str, lands: str):
    context = browser.new_context(viewport=NARROW, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{lands}")
    return context, page


def _fits(page) -> None:
    found = screenshots().problems(page, page.url, also_allowed={"worker"})
    assert found == [], [str(p) for p in found]
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]


def test_a_volunteer_on_a_phone_takes_a_request_and_staff_read_it(site, browser) -> None:
    server, ids = site
    context, page = _login(browser, server.url, "13800138000", "/volunteer")
    _fits(page)
    assert "欧阳婆婆" in page.inner_text("#open") and "欧阳玉兰芳" not in page.content()
    page.click("text=我来帮忙")
    page.wait_for_url("**/volunteer/help/**")
    _fits(page)
    page.fill("input[name=visit_at]", "2030-03-03T10:00")
    page.click("#accept")
    page.wait_for_url("**/volunteer?notice=accepted")
    assert "志愿者已接单" in page.inner_text("#mine")
    _fits(page)
    page.click("#mine button[type=submit]")  # 已完成
    page.wait_for_url("**/volunteer?notice=done")
    assert "已完成" in page.inner_text("#mine")
    page.goto(server.url + "/volunteer/points")
    _fits(page)
    context.close()

    context, page = _login(browser, server.url, "worker", "/staff")
    assert "志愿者小李" in page.inner_text("#help-now")
    _fits(page)
    for path in ("/staff/help", "/staff/volunteers", f"/staff/volunteers/{ids['volunteer']}"):
        page.goto(server.url + path)
        assert page.locator("h1").count() == 1, path
        _fits(page)
    page.goto(server.url + "/staff/help")
    page.click("#help button[type=submit]")  # 确认完成: the volunteer's points
    page.wait_for_url("**/staff/help?notice=points")
    page.goto(server.url + f"/staff/volunteers/{ids['volunteer']}")
    assert "10" in page.inner_text("#balance")
    page.fill("#adjust input[name=points]", "-2")
    page.fill("#adjust input[name=reason]", "记错了")
    page.click("#adjust button[type=submit]")
    assert "给小李扣 2 分？" in page.inner_text("#confirm-heading")
    _fits(page)
    page.click("#confirm-yes")
    page.wait_for_url(f"**/staff/volunteers/{ids['volunteer']}")
    assert "8" in page.inner_text("#balance")
    context.close()
