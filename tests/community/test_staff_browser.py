"""Issue 15 point 6 in real headless Chromium against a real server: a staff worker on a phone
(390 × 844) and at a desk (1280 × 800) makes a weekly activity and skips a day, checks elders in
with one tap and gives points once, exports CSV, resets a family password, ends a family login's
sessions, deletes and restores a household, stops a speaker, withdraws an announcement and cancels
an activity — each after a confirmation page — and reads the announcement's delivery and /api/docs.
Every new page is also checked at 360 px for English words and for anything wider than the screen.
"""

from __future__ import annotations

import csv
import io
import os
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, Iterator, Tuple
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa
from community_world import PASSWORD, ServerProcess
from pages_check import screenshots

from community.actors import Actor, ActorKind
from community.db import Database
from community.domain import activities, bookings, devices
from community.domain.accounts import actor_for_user, get_or_create_community
from community.domain.activities import ActivityInput
from community.models import (
    Activity,
    ActivityCategory,
    ActivitySeries,
    Announcement,
    Device,
    FamilyLink,
    Household,
    Origin,
    PointsEntry,
    Role,
    User,
)
from community.security import Throttle, hash_password

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 800}
ZONE = ZoneInfo("Asia/Shanghai")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} not installed"),
]


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Tuple[ServerProcess, Database, Dict[str, str]]]:
    """A community with two households, a family login, a paired speaker, behind a real server."""
    folder = tmp_path_factory.mktemp("staff-browser")
    database = Database(f"sqlite:///{folder / 'community.db'}")
    database.migrate()
    now = datetime.now(timezone.utc)
    ids: Dict[str, str] = {}
    with database.write() as session:
        community = get_or_create_community(session, "浏览器社区")
        digest = hash_password(PASSWORD)
        worker = User(
            username="worker",
            display_name="周社工",
            password_hash=digest,
            role=Role.STAFF,
            community_id=community.id,
            created_at=now,
        )
        daughter = User(
            username="daughter", display_name="王小红", password_hash=digest, role=Role.FAMILY, created_at=now
        )
        session.add_all([worker, daughter])
        for key, name, called, group in (
            ("wang", "王秀英", "王阿姨", "1号楼"),
            ("li", "李建国", "李伯伯", "2号楼"),
        ):
            home = Household(
                community_id=community.id,
                elder_name=name,
                address_as=called,
                group_name=group,
                created_at=now,
            )
            session.add(home)
            session.flush()
            ids[key] = home.id
        session.add(FamilyLink(user_id=daughter.id, household_id=ids["wang"], relation="女儿"))
        session.flush()
        ids.update(worker=worker.id, daughter=daughter.id, community=community.id)
        staff = Actor(ActorKind.STAFF, worker.id, "周社工", frozenset({community.id}))
        code = devices.create_pairing_code(session, staff, ids["wang"], now, 10)
        paired = devices.pair(session, Throttle(), code.code, "客厅音箱", "test", now)
        ids.update(device=paired.device.id, token=paired.token)
    server = ServerProcess(database.url, Path(folder))
    yield server, database, ids
    server.stop()
    database.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


def _page(browser, viewport: Dict[str, int], base: str, username: str):
    context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff" if username == "worker" else "**/family/**")
    return context, page


def _fits(page, width: int) -> None:
    """No sideways scrolling, no English outside the allow-list (bench/screenshots.py's probe)."""
    found = screenshots().problems(page, page.url, also_allowed={"worker"})
    assert found == [], [str(p) for p in found]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _staff_actor(ids: Dict[str, str]) -> Actor:
    return Actor(ActorKind.STAFF, ids["worker"], "周社工", frozenset({ids["community"]}))


def test_phone_weekly_activity_with_a_skipped_day(site, browser) -> None:
    server, database, _ = site
    context, page = _page(browser, PHONE, server.url, "worker")
    page.click("nav >> text=活动")
    page.click("text=＋ 新建每周活动")
    _fits(page, 390)
    today = datetime.now(ZONE).date()
    page.fill("input[name=title]", "太极拳晨练")
    page.select_option("select[name=category]", "exercise")
    page.fill("input[name=place]", "社区广场")
    page.check("input[name=weekday2]")
    page.check("input[name=weekday4]")
    page.fill("input[name=first_day]", (today + timedelta(days=1)).isoformat())
    page.fill("input[name=last_day]", (today + timedelta(days=28)).isoformat())
    page.fill("input[name=start_time]", "08:00")
    page.fill("input[name=minutes]", "60")
    page.fill("input[name=capacity]", "30")
    page.click("button:has-text('保存')")
    page.wait_for_selector("#series-title")
    assert "已建好 8 场活动" in page.inner_text("#notice")
    assert page.inner_text("#series-rule").startswith("周二、周四 08:00，60 分钟")
    _fits(page, 390)
    first = page.eval_on_selector("select[name=day] option", "o => o.value")
    page.click("button:has-text('跳过这一天')")
    page.wait_for_selector("#confirm-heading")
    assert "跳过" in page.inner_text("#confirm-heading") and "其他场次不变" in page.inner_text("#confirm")
    _fits(page, 390)
    page.click("#confirm-yes")
    page.wait_for_selector("#notice")
    assert f"已跳过 {first}" in page.inner_text("#notice")
    assert "不办" in page.inner_text("#series-exceptions")
    with database.reader() as session:
        series = session.scalars(sa.select(ActivitySeries)).one()
        statuses = session.execute(
            sa.select(Activity.series_day, Activity.status).where(Activity.series_id == series.id)
        ).all()
    assert len(statuses) == 8
    assert {(d.isoformat(), s.value) for d, s in statuses if s.value == "cancelled"} == {(first, "cancelled")}
    page.click("nav >> text=活动")
    assert "太极拳晨练" in page.inner_text("#series-list")
    _fits(page, 390)
    context.close()


def test_phone_check_in_points_once_and_csv(site, browser) -> None:
    server, database, ids = site
    now = datetime.now(timezone.utc)
    with database.write() as session:
        staff = _staff_actor(ids)
        start = now + timedelta(minutes=30)
        item = activities.create_activity(
            session,
            staff,
            ActivityInput(
                "健康讲座", ActivityCategory.HEALTH, "社区礼堂", start, start + timedelta(hours=1), 20
            ),
            now,
        )
        daughter = actor_for_user(session, session.get(User, ids["daughter"]))
        bookings.book(session, daughter, item.id, ids["wang"], Origin.FAMILY, now)
        bookings.book(session, staff, item.id, ids["li"], Origin.STAFF, now)
        activity_id = item.id
    context, page = _page(browser, PHONE, server.url, "worker")
    page.goto(f"{server.url}/staff/activities/{activity_id}")
    assert "未签到 2 人" in page.inner_text("#attendance-counts")
    _fits(page, 390)
    page.click(f"#h-{ids['wang']} >> button:has-text('已到')")
    page.wait_for_selector(f"#h-{ids['wang']} >> .ok:has-text('已到')")
    page.click(f"#h-{ids['li']} >> button:has-text('未到')")
    page.wait_for_selector(f"#h-{ids['li']} >> .warn:has-text('未到')")
    assert "已到 1 人 · 未到 1 人 · 未签到 0 人" in page.inner_text("#attendance-counts")
    page.fill("#award input[name=points]", "5")
    page.click("button:has-text('给已到的老人加积分')")
    page.wait_for_selector("#notice")
    assert page.inner_text("#notice") == "已给 1 位老人加了积分。"
    page.click("button:has-text('给已到的老人加积分')")  # a second tap gives nothing more
    page.wait_for_selector("#notice >> text=没有重复加")
    assert "已加 5 分" in page.inner_text(f"#h-{ids['wang']}")
    _fits(page, 390)
    with database.reader() as session:
        given = session.execute(sa.select(PointsEntry.household_id, PointsEntry.points)).all()
    assert given == [(ids["wang"], 5)]
    with page.expect_download() as waiting:
        page.click("#export-activity")
    body = Path(waiting.value.path()).read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][3:] == ["老人", "称呼", "楼栋/小组", "报名时间", "签到", "活动积分"]
    assert [(r[3], r[7], r[8]) for r in rows[1:]] == [("王秀英", "已到", "5"), ("李建国", "未到", "")]
    assert waiting.value.suggested_filename.endswith("-报名签到.csv")
    page.click("nav >> text=志愿积分")
    with page.expect_download() as waiting:
        page.click("text=导出积分")
    points = list(csv.reader(io.StringIO(Path(waiting.value.path()).read_bytes().decode("utf-8-sig"))))
    assert points[0] == ["时间", "老人", "称呼", "楼栋/小组", "积分", "事由"] and points[1][1] == "王秀英"
    context.close()


def test_desk_household_page_password_reset_sessions_and_delete(site, browser) -> None:
    server, database, ids = site
    family, family_page = _page(browser, PHONE, server.url, "daughter")
    context, page = _page(browser, DESK, server.url, "worker")
    page.click("nav >> text=住户")
    page.click("#households >> text=王秀英")
    page.wait_for_selector("#household-name")
    assert "王小红" in page.inner_text("#household-logins") and "女儿" in page.inner_text("#household-logins")
    assert "客厅音箱" in page.inner_text("#household-speakers")
    page.click("text=重置密码")
    page.click("button:has-text('重置密码')")
    page.wait_for_selector("#new-password")
    new_password = page.inner_text("#new-password").strip()
    assert len(new_password) == 14 and "都已退出" in page.inner_text("#password-done")
    family_page.reload()
    family_page.wait_for_url("**/login")  # her old session ended
    family_page.fill("input[name=username]", "daughter")
    family_page.fill("input[name=password]", new_password)
    family_page.click("button[type=submit]")
    family_page.wait_for_url("**/family/**")
    page.click("text=返回住户")
    page.click("text=全部退出登录…")
    page.wait_for_selector("#confirm-heading")
    assert "王小红（daughter）" in page.inner_text("#confirm-heading")
    page.click("#confirm-yes")
    page.wait_for_selector("#notice")
    assert "已让 王小红（daughter）在所有手机和电脑上退出登录" in page.inner_text("#notice")
    family_page.reload()
    family_page.wait_for_url("**/login")
    family.close()
    # delete 李建国 after reading what is lost, then restore him
    page.goto(f"{server.url}/staff/households/{ids['li']}")
    page.click("#delete-household")
    page.wait_for_selector("#confirm-heading")
    assert page.inner_text("#confirm-heading") == "删除住户 李建国？"
    assert "可以在住户页面下方“已删除的住户”里恢复" in page.inner_text("#confirm-kept")
    page.click("#confirm-no")  # 不，返回: nothing happens
    page.wait_for_selector("#household-name")
    page.click("#delete-household")
    page.click("#confirm-yes")
    page.wait_for_selector("#notice")
    assert "李建国" not in page.inner_text("#households") and "李建国" in page.inner_text(
        "#deleted-households"
    )
    with database.reader() as session:
        assert session.get(Household, ids["li"]).deleted_at is not None
    page.click("#deleted-households >> button:has-text('恢复')")
    page.wait_for_selector("#household-name")
    assert "已恢复" in page.inner_text("#notice")
    page.click("nav >> text=住户")
    assert "李建国" in page.inner_text("#households")
    context.close()


def test_desk_delivery_status_and_confirmations_before_withdraw_stop_and_cancel(site, browser) -> None:
    server, database, ids = site
    context, page = _page(browser, DESK, server.url, "worker")
    page.click("nav >> text=通知")
    page.fill("input[name=title]", "体检通知")
    page.fill("textarea[name=body]", "周五上午社区卫生站免费体检。")
    page.click("button:has-text('发布')")
    page.wait_for_selector("#announcements >> text=体检通知")
    with database.reader() as session:
        notice_id = session.scalars(sa.select(Announcement.id).where(Announcement.title == "体检通知")).one()
    line = f"#delivery-{notice_id}"
    assert "共 1 台，已收到 0 台，已播报 0 台" in page.inner_text(line)
    at = datetime.now(ZONE).replace(tzinfo=None, microsecond=0).isoformat()
    ops = [
        {"op_id": str(uuid.uuid4()), "type": kind, "payload": {"announcement_id": notice_id, "at": at}}
        for kind in ("announcement.received", "announcement.played")
    ]
    answer = httpx.post(
        f"{server.url}/api/v1/device/sync",
        json={"ops": ops},
        headers={"Authorization": f"Bearer {ids['token']}"},
        timeout=10,
    ).json()
    assert [r["status"] for r in answer["results"]] == ["applied", "applied"]
    page.reload()
    assert "共 1 台，已收到 1 台，已播报 1 台" in page.inner_text(line)
    page.click(f"{line} + .actions >> text=查看每台音箱")
    page.wait_for_selector("#delivery-rows")
    assert "王秀英" in page.inner_text("#delivery-rows") and "已播报" in page.inner_text("#delivery-rows")
    _fits(page, 1280)
    page.click("text=返回通知")
    page.click(f"{line} + .actions >> text=撤回…")
    page.wait_for_selector("#confirm-heading")
    assert page.inner_text("#confirm-heading") == "撤回通知“体检通知”？"
    assert "已经有 1 台音箱播报过了" in page.inner_text("#confirm-lost")
    page.click("#confirm-yes")
    page.wait_for_url("**/staff/announcements")
    assert "体检通知" not in page.inner_text("#announcements")
    # 停用 a speaker: the list only links to the confirmation page
    page.click("nav >> text=音箱")
    page.click("#devices >> text=停用…")
    page.wait_for_selector("#confirm-heading")
    assert "停用王秀英（王阿姨）家的音箱“客厅音箱”？" == page.inner_text("#confirm-heading")
    with database.reader() as session:
        assert session.get(Device, ids["device"]).revoked_at is None  # nothing happened yet
    page.click("#confirm-yes")
    page.wait_for_url("**/staff/devices")
    assert "已停用" in page.inner_text("#devices")
    # cancel an activity: 不，返回 first, then for real
    with database.write() as session:
        start = datetime.now(timezone.utc) + timedelta(days=2)
        item = activities.create_activity(
            session,
            _staff_actor(ids),
            ActivityInput("书法班", ActivityCategory.LEARNING, "二楼", start, start + timedelta(hours=1), 12),
            datetime.now(timezone.utc),
        )
        activity_id = item.id
    page.goto(f"{server.url}/staff/activities/{activity_id}")
    page.click("#cancel-activity")
    page.wait_for_selector("#confirm-heading")
    assert page.inner_text("#confirm-heading").endswith("的书法班？")
    page.click("#confirm-no")
    page.wait_for_selector("#activity-title")
    assert "已取消" not in page.inner_text("#activity-title")
    page.click("#cancel-activity")
    page.click("#confirm-yes")
    page.wait_for_selector("#activity-title >> text=已取消")
    context.close()


def test_new_pages_fit_a_360_px_phone(site, browser) -> None:
    """Every page this issue adds for staff, at the narrowest phone the walk uses."""
    server, database, ids = site
    with database.reader() as session:
        series_id = session.scalars(sa.select(ActivitySeries.id)).first()
        activity_id = session.scalars(sa.select(Activity.id).where(Activity.title == "健康讲座")).first()
    context, page = _page(browser, {"width": 360, "height": 740}, server.url, "worker")
    paths = [
        "/staff/series/new",
        "/staff/activities",
        f"/staff/households/{ids['wang']}",
        f"/staff/households/{ids['wang']}/delete",
        f"/staff/family/{ids['daughter']}/password",
        f"/staff/family/{ids['daughter']}/end-sessions",
    ]
    if series_id:
        paths += [f"/staff/series/{series_id}", f"/staff/series/{series_id}/edit"]
    if activity_id:
        paths += [f"/staff/activities/{activity_id}", f"/staff/activities/{activity_id}/cancel"]
    for path in paths:
        page.goto(server.url + path)
        assert page.locator("h1").count() == 1, path
        _fits(page, 360)
    context.close()


def test_api_docs_show_the_api_without_a_cdn(site, browser) -> None:
    server, _, _ = site
    context = browser.new_context(viewport=DESK, locale="zh-CN")
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if m.type == "error" else None)
    page.goto(f"{server.url}/api/docs")
    assert "接口文档" in page.inner_text("#api-title")
    assert page.locator(".api-op").count() >= 20
    assert "POST /api/v1/device/sync" in page.inner_text("body").replace("\n", " ")
    assert refused == []  # nothing blocked by the page's own Content-Security-Policy
    assert httpx.get(f"{server.url}/api/v1/openapi.json", timeout=10).status_code == 200
    context.close()


def test_phone_voice_poll_results_come_in_without_reloading(site, browser) -> None:
    """Issue 16: a poll made on the phone; the speaker's answer shows on the open page by itself."""
    server, database, ids = site
    context, page = _page(browser, PHONE, server.url, "worker")
    page.click("nav >> text=活动调查")
    _fits(page, 390)
    page.fill("input[name=question]", "重阳节想吃什么？")
    page.fill("input[name=option1]", "寿桃")
    page.fill("input[name=option2]", "盆菜")
    page.click("button:has-text('发出调查')")
    page.wait_for_selector("#poll-results")
    assert "已发出" in page.inner_text("#notice")
    _fits(page, 390)
    with database.write() as session:
        poll_id = session.scalar(sa.text("SELECT id FROM polls WHERE question = '重阳节想吃什么？'"))
        # a speaker of its own (an earlier test of this module stops the first one)
        now = datetime.now(timezone.utc)
        code = devices.create_pairing_code(session, _staff_actor(ids), ids["li"], now, 10)
        token = devices.pair(session, Throttle(), code.code, "李伯伯的音箱", "test", now).token
    said = datetime.now(ZONE).replace(tzinfo=None).isoformat(timespec="seconds")
    op = {"op_id": str(uuid.uuid4()), "type": "poll.answer",
          "payload": {"poll_id": poll_id, "choice": 2, "heard": "盘菜啦 热闹啲", "at": said}}
    bearer = {"Authorization": f"Bearer {token}"}
    answer = httpx.post(f"{server.url}/api/v1/device/sync", headers=bearer,
                        json={"cursor": None, "ops": [op]}, timeout=10, trust_env=False)
    assert answer.json()["results"][0]["status"] == "applied", answer.text
    page.locator("#poll-answers", has_text="盘菜啦 热闹啲").wait_for(timeout=20_000)  # no reload
    rows = page.eval_on_selector_all("#poll-counts tr.option", "rs => rs.map(r => r.innerText.trim())")
    assert any(r.startswith("2. 盆菜") and r.endswith("1") for r in rows), rows
    assert int(page.get_attribute("#poll-results", "data-refreshed") or 0) >= 1  # not a reload
    context.close()
