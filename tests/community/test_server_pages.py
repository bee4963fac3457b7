"""The web pages as a user drives them: forms in, pages and stored rows out (SQLite)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from community_world import World
from fastapi.testclient import TestClient

from community.domain.devices import device_actor
from community.domain.messages import raise_alert
from community.domain.reminders import record_reminder_event
from community.models import Reminder, ReminderEventKind

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def _post(client: TestClient, url: str, **fields: str):
    return client.post(
        url, data={"csrf_token": client.headers["X-CSRF-Token"], **fields}, follow_redirects=False
    )


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_family_manages_reminders_and_sees_acknowledgements(world: World) -> None:
    fam, home = world.client("fam_a"), world.ids["a"]
    assert "还没有提醒" in fam.get(f"/family/h/{home}/reminders").text
    bad = _post(fam, f"/family/h/{home}/reminders/new", content="吃降压药", time_of_day="", repeat="daily")
    assert bad.status_code == 422 and "时间：请写成 08:00 这样的时间" in bad.text
    assert 'value="吃降压药"' in bad.text
    assert "expected" not in bad.text  # the reason in plain Chinese, never the API's English detail
    made = _post(
        fam,
        f"/family/h/{home}/reminders/new",
        content="量血压",
        time_of_day="07:30",
        repeat="weekly",
        weekday1="on",
        weekday3="on",
    )
    assert (made.status_code, made.headers["location"]) == (303, f"/family/h/{home}/reminders")
    page = _text(fam.get(f"/family/h/{home}/reminders").text)
    assert "07:30 量血压" in page and "每周（周一周三）" in page and "家属设置" in page
    with world.database.reader() as session:
        reminder = session.scalars(sa.select(Reminder)).one()
    assert (
        _post(
            fam, f"/family/r/{reminder.id}/edit", content="量血压", time_of_day="08:00", repeat="daily"
        ).status_code
        == 303
    )
    assert _post(fam, f"/family/r/{reminder.id}/pause").status_code == 303
    assert "已暂停" in fam.get(f"/family/h/{home}/reminders").text
    assert _post(fam, f"/family/r/{reminder.id}/resume").status_code == 303
    device = world.device("a")
    with world.database.write() as session:
        actor = device_actor(session, device.headers["Authorization"].split()[1], world.clock.now())
        due = datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc)  # today 08:00 in Shanghai
        record_reminder_event(
            session,
            actor,
            reminder.id,
            due,
            ReminderEventKind.ACKNOWLEDGED,
            due + timedelta(minutes=2),
            world.clock.now(),
        )
    world.clock.advance(days=1)
    rows = _text(fam.get(f"/family/h/{home}/reminders").text)
    assert (
        "03月04日 08:00 量血压 待提醒 03月03日 08:00 量血压 未确认 03月02日 08:00 量血压 已确认 08:02" in rows
    )
    assert _post(fam, f"/family/r/{reminder.id}/delete").status_code == 303
    assert "还没有提醒" in fam.get(f"/family/h/{home}/reminders").text
    assert _post(fam, f"/family/r/{reminder.id}/shred").status_code == 404


def test_family_books_messages_and_handles_an_alert(world: World) -> None:
    staff, fam, home = world.client("staff1"), world.client("fam_a"), world.ids["a"]
    activity = staff.post(
        "/api/v1/activities",
        json={
            "title": "书法班",
            "category": "learning",
            "place": "二楼",
            "starts_at": "2026-03-04T09:00",
            "ends_at": "2026-03-04T10:00",
            "capacity": 1,
        },
    ).json()
    assert "剩余 1 名额" in _text(fam.get(f"/family/h/{home}/bookings").text)
    assert _post(fam, f"/family/h/{home}/bookings", activity_id=activity["id"]).status_code == 303
    page = _text(fam.get(f"/family/h/{home}/bookings").text)
    assert "书法班 03月04日 09:00 · 二楼 已报名" in page
    full = _post(world.client("fam_ab"), f"/family/h/{world.ids['b']}/bookings", activity_id=activity["id"])
    assert full.headers["location"].endswith("?error=full")
    assert "名额已满" in world.client("fam_ab").get(full.headers["location"]).text
    assert _post(fam, f"/family/h/{home}/messages", body="妈，记得吃药").status_code == 303
    assert "妈，记得吃药" in fam.get(f"/family/h/{home}/messages").text
    assert _post(fam, f"/family/h/{home}/messages", body="").status_code == 422
    device = world.device("a")
    with world.database.write() as session:
        actor = device_actor(session, device.headers["Authorization"].split()[1], world.clock.now())
        alert = raise_alert(session, actor, "摔倒了", world.clock.now())
    assert "a阿姨 呼叫求助" in _text(fam.get(f"/family/h/{home}/alerts").text)
    assert "呼叫求助" in staff.get("/staff").text
    assert _post(fam, f"/family/alerts/{alert.id}/acknowledge").status_code == 303
    assert "已处理" in fam.get(f"/family/h/{home}/alerts").text
    assert "没有未处理的紧急呼叫" in staff.get("/staff").text


def test_staff_runs_activities_and_announcements(world: World) -> None:
    staff = world.client("staff1")
    form = {
        "title": "健康讲座",
        "category": "health",
        "place": "礼堂",
        "starts_at": "2026-03-05T10:00",
        "ends_at": "2026-03-05T11:00",
        "capacity": "abc",
    }
    bad = _post(staff, "/staff/activities/new", **form)
    assert bad.status_code == 422 and "名额：请填写数字" in bad.text
    made = _post(staff, "/staff/activities/new", **{**form, "capacity": "1"})
    detail_url = made.headers["location"]
    activity_id = detail_url.rsplit("/", 1)[1]
    world.client("fam_a").post(
        "/api/v1/bookings", json={"activity_id": activity_id, "household_id": world.ids["a"]}
    )
    detail = _text(staff.get(detail_url).text)
    assert "已报名 1 / 名额 1" in detail and "老人a 1号楼" in detail
    shrink = _post(staff, f"{detail_url}/edit", **{**form, "capacity": "0"})
    assert shrink.status_code == 422 and "capacity" in shrink.text
    assert _post(staff, f"{detail_url}/cancel").status_code == 303
    assert "已取消" in staff.get(detail_url).text
    later = _post(
        staff,
        "/staff/announcements",
        title="义诊",
        body="周五义诊",
        group_name="2号楼",
        publish_at="2026-03-06T08:00",
        days="2",
        urgent="on",
    )
    assert later.status_code == 303
    listing = _text(staff.get("/staff/announcements").text)
    assert "紧急 义诊 2号楼 · 03月06日 08:00 至 03月08日 08:00 · 定时" in listing
    assert world.client("fam_ab").get("/api/v1/announcements").json() == []
    world.clock.advance(days=4)
    assert [a["title"] for a in world.client("fam_ab").get("/api/v1/announcements").json()] == ["义诊"]


def test_staff_manages_homes_devices_and_points(world: World) -> None:
    staff = world.client("staff1")
    assert (
        _post(
            staff,
            "/staff/households",
            elder_name="赵大爷",
            address_as="赵伯",
            dialect="cantonese",
            group_name="5号楼",
        ).status_code
        == 303
    )
    assert "赵伯 粤语 5号楼" in _text(staff.get("/staff/households").text)
    assert (
        _post(
            staff,
            "/staff/family",
            household_id=world.ids["b"],
            username="zhaoxiao",
            display_name="赵小",
            password="a-long-password",
        ).status_code
        == 303
    )
    assert (
        world.client()
        .post("/api/v1/auth/login", json={"username": "zhaoxiao", "password": "a-long-password"})
        .status_code
        == 200
    )
    page = _post(staff, "/staff/pairing-codes", household_id=world.ids["b"])
    code = re.search(r"配对码：<strong>(\d{6})</strong>", page.text).group(1)
    paired = world.client().post("/api/v1/devices/pair", json={"code": code, "name": "卧室"}).json()
    assert "卧室" in staff.get("/staff/devices").text
    assert _post(staff, f"/staff/devices/{paired['device_id']}/revoke").status_code == 303
    assert "已停用" in staff.get("/staff/devices").text
    assert (
        _post(staff, "/staff/points", household_id=world.ids["a"], points="5", reason="义剪").status_code
        == 303
    )
    assert "+5 义剪" in _text(staff.get("/staff/points").text)
    assert (
        _post(staff, "/staff/points", household_id=world.ids["c"], points="5", reason="x").status_code == 404
    )
    assert _post(staff, "/staff/points", household_id=world.ids["a"], points="5").status_code == 422


def test_staff_handles_service_requests(world: World) -> None:
    staff = world.client("staff1")
    made = world.client("fam_a").post(
        "/api/v1/service-requests",
        json={
            "household_id": world.ids["a"],
            "kind": "meal",
            "details": "午餐",
            "wanted_at": "2026-03-03T11:30",
        },
    )
    assert made.status_code == 201
    listing = _text(staff.get("/staff/services").text)
    assert "老人a 送餐（03月03日 11:30） 午餐 待处理 确认 拒绝" in listing
    assert _post(staff, f"/staff/services/{made.json()['id']}/confirmed").status_code == 303
    assert "午餐 已确认 完成 取消" in _text(staff.get("/staff/services").text)
    assert _post(staff, f"/staff/services/{made.json()['id']}/pending").status_code == 409
    assert _post(world.client("staff2"), f"/staff/services/{made.json()['id']}/done").status_code == 404
