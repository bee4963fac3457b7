"""Real headless Chromium against a real server process: the family and staff journeys."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator, Tuple
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from community_world import PASSWORD, ServerProcess

from community.db import Database
from community.models import Activity, Announcement, FamilyLink, Household, Reminder, Role, User
from community.security import hash_password

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} not installed"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[ServerProcess, Database, str]]:
    folder = tmp_path_factory.mktemp("browser")
    database = Database(f"sqlite:///{folder / 'community.db'}")
    database.migrate()
    now = datetime.now(timezone.utc)
    with database.write() as session:
        from community.domain.accounts import get_or_create_community

        community = get_or_create_community(session, "浏览器社区")
        home = Household(
            community_id=community.id,
            elder_name="王秀英",
            address_as="王阿姨",
            group_name="1号楼",
            created_at=now,
        )
        session.add(home)
        session.flush()
        digest = hash_password(PASSWORD)
        session.add(
            User(
                username="worker",
                display_name="周社工",
                password_hash=digest,
                role=Role.STAFF,
                community_id=community.id,
                created_at=now,
            )
        )
        daughter = User(
            username="daughter", display_name="王小红", password_hash=digest, role=Role.FAMILY, created_at=now
        )
        session.add(daughter)
        session.flush()
        session.add(FamilyLink(user_id=daughter.id, household_id=home.id))
        household_id = home.id
    server = ServerProcess(database.url, Path(folder))
    yield server, database, household_id
    server.stop()
    database.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


def _login(page, url: str, username: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_family_adds_a_daily_medication_reminder_on_a_phone(site, browser) -> None:
    server, database, household_id = site
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    _login(page, server.url, "daughter")
    page.wait_for_url(f"**/family/h/{household_id}/reminders")
    assert "王秀英（王阿姨）" in page.inner_text("body")
    page.click("text=添加提醒")
    page.fill("input[name=content]", "吃降压药")
    page.fill("input[name=time_of_day]", "08:00")
    page.check("input[name=repeat][value=daily]")
    page.click("button:has-text('保存')")
    page.wait_for_url(f"**/family/h/{household_id}/reminders")
    item = page.inner_text("#reminders")
    assert "08:00" in item and "吃降压药" in item and "每天" in item
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
    cookie = next(c for c in context.cookies() if c["name"] == "yc_session")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax"
    with database.reader() as session:
        rows = session.execute(sa.select(Reminder.content, Reminder.time_of_day, Reminder.repeat)).all()
    assert [(r[0], r[1], r[2].value) for r in rows] == [("吃降压药", "08:00", "daily")]
    context.close()


def test_staff_creates_an_activity_and_posts_an_urgent_announcement(site, browser) -> None:
    server, database, _ = site
    context = browser.new_context(viewport={"width": 1024, "height": 800}, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    _login(page, server.url, "worker")
    page.wait_for_url("**/staff")
    page.click("nav >> text=活动")
    page.click("text=新建活动")
    day = (datetime.now(timezone.utc) + timedelta(days=3)).strftime("%Y-%m-%d")
    page.fill("input[name=title]", "重阳节茶话会")
    page.select_option("select[name=category]", "culture")
    page.fill("input[name=place]", "老年活动室")
    page.fill("input[name=starts_at]", f"{day}T14:30")
    page.fill("input[name=ends_at]", f"{day}T16:00")
    page.fill("input[name=capacity]", "25")
    page.click("button:has-text('保存')")
    page.wait_for_selector("#activity-title")
    assert page.inner_text("#activity-title") == "重阳节茶话会"
    assert page.inner_text("#capacity") == "已报名 0 / 名额 25"
    page.click("nav >> text=通知")
    page.fill("input[name=title]", "寒潮预警")
    page.fill("textarea[name=body]", "今晚降温十度，请关好门窗。")
    page.check("input[name=urgent]")
    page.click("button:has-text('发布')")
    page.wait_for_selector("#announcements >> text=寒潮预警")
    assert "紧急" in page.inner_text("#announcements")
    with database.reader() as session:
        activity = session.scalars(sa.select(Activity)).one()
        notice = session.scalars(sa.select(Announcement)).one()
    assert (activity.title, activity.capacity, activity.place) == ("重阳节茶话会", 25, "老年活动室")
    local_start = activity.starts_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert local_start.strftime("%Y-%m-%dT%H:%M") == f"{day}T14:30"
    assert (notice.title, notice.urgent, notice.target.value) == ("寒潮预警", True, "all")
    context.close()


def test_a_form_without_the_csrf_token_is_refused(site, browser) -> None:
    server, _, household_id = site
    context = browser.new_context()
    page = context.new_page()
    _login(page, server.url, "daughter")
    page.wait_for_url("**/reminders")
    response = page.request.post(f"{server.url}/family/h/{household_id}/messages", form={"body": "伪造"})
    assert response.status == 403
    context.close()
