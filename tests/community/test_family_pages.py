"""Family pages people can rely on (issue 15, points 1, 2 and 5), driven as a browser would with
forms, on SQLite with a fake clock: the emergency banner of every linked elder on every page,
speaker status, 未配对音箱, the device's own times, service requests, message heard status, the
whole reminder history, who can see the elder, changing one's own password."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from community_world import PASSWORD, World
from fastapi.testclient import TestClient

from community.models import Device, Message, Reminder, ServiceRequest, ServiceStatus, User
from community.security import verify_password

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def _post(client: TestClient, url: str, **fields: str):  # type: ignore[no-untyped-def]
    data = {"csrf_token": client.headers["X-CSRF-Token"], **fields}
    return client.post(url, data=data, follow_redirects=False)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _sync(device, ops=()) -> dict:  # type: ignore[no-untyped-def]
    body = {"cursor": None, "ops": [{"op_id": str(uuid.uuid4()), **op} for op in ops], "wait": 0}
    answer = device.post("/api/v1/device/sync", json=body)
    assert answer.status_code == 200, answer.text
    assert all(r["status"] == "applied" for r in answer.json()["results"]), answer.text
    return answer.json()


def _seen(world: World, ago: timedelta = timedelta(0)) -> None:
    with world.database.write() as session:
        session.execute(sa.update(Device).values(last_seen_at=world.clock.now() - ago))


def _banner(html: str) -> str:
    match = re.search(r'<div id="live".*?</div>\s*(?=<nav)', html, re.S)
    return _text(match.group(0)).strip() if match else ""


def test_every_family_page_shows_every_linked_elders_open_calls_newest_first(world: World) -> None:
    speaker_a, speaker_b = world.device("a"), world.device("b")
    fell = {"text": "我在卫生间摔倒了", "at": "2026-03-02T09:58:00"}
    _sync(speaker_a, [{"type": "emergency", "payload": fell}])
    world.clock.advance(minutes=3)
    _sync(speaker_b, [{"type": "emergency", "payload": {"text": "救命", "at": "2026-03-02T10:03:00"}}])
    fam = world.client("fam_ab")
    pages = ["reminders", "bookings", "services", "messages", "routine", "alerts", "people", "history"]
    for page in pages:
        html = fam.get(f"/family/h/{world.ids['b']}/{page}").text
        banner = _banner(html)
        assert "老人a（a阿姨）紧急呼叫 “我在卫生间摔倒了” 03月02日 09:58（音箱时间）" in banner, page
        assert banner.index("救命") < banner.index("卫生间"), page  # newest first
    # a family member linked to a only sees a's call; another community's sees none
    only_a = _banner(world.client("fam_a").get(f"/family/h/{world.ids['a']}/reminders").text)
    assert "卫生间" in only_a and "救命" not in only_a
    assert _banner(world.client("fam_c").get(f"/family/h/{world.ids['c']}/reminders").text) == ""
    # 我来处理 from b's messages page takes a's call and comes back to that page
    html = fam.get(f"/family/h/{world.ids['b']}/messages?x=1").text
    [alert_a] = re.findall(r'data-alert="([^"]+)">\s*<strong class="banner-title">老人a', html)
    back = f"/family/h/{world.ids['b']}/messages?x=1"
    assert f'name="next" value="{back}"' in html
    done = _post(fam, f"/family/alerts/{alert_a}/acknowledge", next=back)
    assert (done.status_code, done.headers["location"]) == (303, back)
    banner = _banner(fam.get(back).text)
    assert "卫生间" not in banner and "救命" in banner
    assert "已处理" in fam.get(f"/family/h/{world.ids['a']}/alerts").text
    # pressed again from a stale tab: back to the page, no error
    assert _post(fam, f"/family/alerts/{alert_a}/acknowledge", next=back).headers["location"] == back
    # never to another site
    [alert_b] = re.findall(r'data-alert="([^"]+)"', fam.get(back).text)
    for bad in ("https://evil.example/x", "//evil.example", "/family/../staff", "/\\evil.example", "/staff"):
        answer = _post(world.client("fam_ab"), f"/family/alerts/{alert_b}/acknowledge", next=bad)
        assert answer.headers["location"] in (f"/family/h/{world.ids['b']}/alerts", "/family"), bad
        assert answer.headers["location"] != bad
        with world.database.write() as session:  # open it again for the next bad address
            session.execute(sa.text("UPDATE emergency_alerts SET acknowledged_at = NULL WHERE id = :i"),
                            {"i": alert_b})


def test_the_banner_poll_answers_what_is_open(world: World) -> None:
    fam = world.client("fam_ab")
    empty = fam.get("/family/live?back=/family/h/" + world.ids["b"] + "/bookings")
    assert empty.status_code == 200 and empty.json()["ids"] == []
    assert "no-store" in empty.headers["cache-control"]
    help_me = {"text": "救命", "at": "2026-03-02T09:59:00"}
    _sync(world.device("a"), [{"type": "emergency", "payload": help_me}])
    live = fam.get(f"/family/live?back=/family/h/{world.ids['b']}/bookings").json()
    assert len(live["ids"]) == 1 and "老人a（a阿姨）紧急呼叫" in live["html"]
    assert f'name="next" value="/family/h/{world.ids["b"]}/bookings"' in live["html"]
    assert 'name="next" value="/family"' in fam.get("/family/live?back=https://evil.example").json()["html"]
    assert world.client("fam_c").get("/family/live").json()["ids"] == []
    staff = world.client("staff1").get("/staff/live")
    assert staff.json()["ids"] == live["ids"] and "我来处理" in staff.json()["html"]
    assert world.client("staff2").get("/staff/live").json()["ids"] == []
    assert world.client("staff1").get("/family/live").status_code == 403
    assert world.client("fam_a").get("/staff/live").status_code == 403
    assert world.client().get("/family/live", follow_redirects=False).status_code == 303  # to /login
    dashboard = world.client("staff1").get("/staff").text
    assert 'data-poll="/staff/live"' in dashboard and "<script" not in dashboard.replace(
        '<script src="/static/app.js" defer></script>', "")


def test_speaker_status_for_family_and_staff(world: World) -> None:
    fam, staff = world.client("fam_a"), world.client("staff1")
    assert "音箱：未配对" in _text(fam.get(f"/family/h/{world.ids['a']}/reminders").text)
    device = world.device("a")
    _sync(device)
    assert "音箱：在线" in _text(fam.get(f"/family/h/{world.ids['a']}/routine").text)
    for after, label in (
        (timedelta(minutes=10), "最后联系 10 分钟前"),
        (timedelta(hours=3), "最后联系 3 小时前"),
        (timedelta(days=2), "最后联系 2 天前"),
    ):
        _seen(world, after)
        assert f"音箱：{label}" in _text(fam.get(f"/family/h/{world.ids['a']}/bookings").text)
        households = _text(staff.get("/staff/households").text)
        assert f"老人a a阿姨 普通话 1号楼 0 {label}" in households
        assert "老人b b阿姨 普通话 2号楼 0 未配对" in households
        assert label in _text(staff.get("/staff/devices").text)
    _seen(world)
    assert "在线" in _text(staff.get("/staff/devices").text)
    with world.database.write() as session:
        session.execute(sa.update(Device).values(revoked_at=world.clock.now()))
    assert "音箱：未配对" in _text(fam.get(f"/family/h/{world.ids['a']}/reminders").text)
    assert "已停用" in _text(staff.get("/staff/devices").text)


def test_unpaired_reminders_say_so_and_times_are_the_speakers(world: World) -> None:
    fam = world.client("fam_ab")
    assert _post(fam, f"/family/h/{world.ids['b']}/reminders/new", content="量血压", time_of_day="08:00",
                 repeat="daily").status_code == 303
    world.clock.advance(days=1)  # Tuesday 10:00: 08:00 passed with no speaker
    page = _text(fam.get(f"/family/h/{world.ids['b']}/reminders").text)
    assert "03月03日 08:00 量血压 未配对音箱" in page and "未确认" not in page
    assert "b阿姨还没有配对音箱" in page
    # A speaker paired now: from here on an unanswered occurrence is 未确认; the one said 知道了
    # offline on Wednesday and reported a day late shows the time she said it.
    device = world.device("b")
    world.clock.advance(days=2)  # Thursday 10:00
    ack = {"reminder_id": _only_reminder(world), "due_at": "2026-03-04T08:00:00", "at": "2026-03-04T08:03:00"}
    _sync(device, [{"type": "reminder.acknowledged", "payload": ack}])
    page = _text(fam.get(f"/family/h/{world.ids['b']}/reminders").text)
    assert "03月05日 08:00 量血压 未确认" in page
    assert "03月04日 08:00 量血压 已确认 08:03" in page
    assert "03月03日 08:00 量血压 未配对音箱" in page


def _only_reminder(world: World) -> str:
    with world.database.reader() as session:
        return session.scalars(sa.select(Reminder.id)).one()


def test_a_new_daily_reminder_starts_at_its_next_occurrence(world: World) -> None:
    world.device("a")
    world.clock.advance(hours=7, minutes=1)  # Monday 17:01
    fam = world.client("fam_a")
    assert _post(fam, f"/family/h/{world.ids['a']}/reminders/new", content="吃药", time_of_day="09:00",
                 repeat="daily").status_code == 303
    page = _text(fam.get(f"/family/h/{world.ids['a']}/reminders").text)
    assert "03月02日 09:00" not in page and "03月03日 09:00 吃药 待提醒" in page


def test_the_important_flag(world: World) -> None:
    fam = world.client("fam_a")
    form = fam.get(f"/family/h/{world.ids['a']}/reminders/new").text
    assert 'name="important"' in form and "重要" in form and "2 小时没人处理" in form
    assert _post(fam, f"/family/h/{world.ids['a']}/reminders/new", content="吃降压药", time_of_day="08:00",
                 repeat="daily", important="on").status_code == 303
    rid = _only_reminder(world)
    assert "吃降压药 重要" in _text(fam.get(f"/family/h/{world.ids['a']}/reminders").text)
    assert 'name="important" checked' in fam.get(f"/family/r/{rid}/edit").text
    plain = {"content": "吃降压药", "time_of_day": "08:00", "repeat": "daily"}
    assert _post(fam, f"/family/r/{rid}/edit", **plain).status_code == 303
    with world.database.reader() as session:
        assert session.get(Reminder, rid).important is False
    # the API and the speaker do not know the flag: their edits keep it
    assert _post(fam, f"/family/r/{rid}/edit", **plain, important="on").status_code == 303
    api = fam.put(f"/api/v1/reminders/{rid}", json={**plain, "time_of_day": "08:30"})
    assert api.status_code == 200, api.text
    with world.database.reader() as session:
        assert session.get(Reminder, rid).important is True


def test_service_requests_seen_and_cancelled_while_pending(world: World) -> None:
    device = world.device("a")
    _sync(device, [
        {"type": "service.request", "payload": {"request_id": str(uuid.uuid4()), "service": "meal",
                                                "date": "2026-03-03", "time": "11:30"}},
        {"type": "service.request", "payload": {"request_id": str(uuid.uuid4()), "service": "checkup",
                                                "date": "2026-03-05"}},
    ])
    fam = world.client("fam_a")
    page = fam.get(f"/family/h/{world.ids['a']}/services").text
    text = _text(page)
    assert "送餐 待处理" in text and "体检 待处理" in text and "老人对音箱说的" in text
    assert "希望时间 03月03日 11:30" in text
    assert page.count("取消申请") == 2 and 'data-confirm="确定取消这个送餐申请？' in page
    with world.database.write() as session:
        meal = session.scalars(sa.select(ServiceRequest).where(ServiceRequest.kind == "meal")).one()
        check = session.scalars(sa.select(ServiceRequest).where(ServiceRequest.kind == "health_check")).one()
        check.status = ServiceStatus.CONFIRMED
        meal_id, check_id = meal.id, check.id
    done = _post(fam, f"/family/services/{meal_id}/cancel")
    assert done.status_code == 303
    assert done.headers["location"] == f"/family/h/{world.ids['a']}/services?done=cancelled"
    text = _text(fam.get(done.headers["location"]).text)
    assert "已取消，社区工作人员会看到" in text and "送餐 已取消" in text and "取消申请" not in text
    _sync(device, [{"type": "emergency", "payload": {"text": "救命", "at": "2026-03-02T10:00:00"}}])
    refused = _post(fam, f"/family/services/{check_id}/cancel")
    assert refused.status_code == 409 and "社区已经确认了这个申请" in refused.text
    # the banner's 我来处理 returns to the services page (the cancel address has no page)
    assert f'name="next" value="/family/h/{world.ids["a"]}/services"' in refused.text
    assert _post(world.client("fam_c"), f"/family/services/{meal_id}/cancel").status_code == 404
    assert "还没有服务申请" in world.client("fam_ab").get(f"/family/h/{world.ids['b']}/services").text
    staff = _text(world.client("staff1").get("/staff/services").text)
    assert "已取消" in staff


def test_message_heard_status(world: World) -> None:
    fam = world.client("fam_a")
    assert _post(fam, f"/family/h/{world.ids['a']}/messages", body="妈，晚上我来吃饭").status_code == 303
    assert "未送达（还没有配对音箱）" in _text(fam.get(f"/family/h/{world.ids['a']}/messages").text)
    device = world.device("a")
    assert "未送达" in _text(fam.get(f"/family/h/{world.ids['a']}/messages").text)
    world.clock.advance(minutes=1)
    _sync(device)
    assert "已播报" in _text(fam.get(f"/family/h/{world.ids['a']}/messages").text)
    with world.database.write() as session:
        session.execute(sa.update(Message).values(read_at=world.clock.now()))
    text = _text(fam.get(f"/family/h/{world.ids['a']}/messages").text)
    assert "已听" in text and "已播报" not in text


def test_reminder_history_pages_and_filter(world: World) -> None:
    fam = world.client("fam_a")
    assert _post(fam, f"/family/h/{world.ids['a']}/reminders/new", content="吃药", time_of_day="08:00",
                 repeat="daily").status_code == 303
    rid = _only_reminder(world)
    device = world.device("a")
    world.clock.advance(days=40)
    fam = world.client("fam_a")  # (a test login lasts 30 days)
    said = [{"reminder_id": rid, "due_at": f"2026-04-{d:02d}T08:00:00", "at": f"2026-04-{d:02d}T08:01:00"}
            for d in (8, 9, 10)]
    acks = [{"type": "reminder.acknowledged", "payload": payload} for payload in said]
    _sync(device, acks)
    first = _text(fam.get(f"/family/h/{world.ids['a']}/history").text)
    assert "共 40 条记录" in first and "第 1 页，共 2 页" in first and first.count("吃药") == 30
    assert "04月10日 08:00 吃药" in first and "04月09日 08:00 吃药 已确认 08:01" in first
    second = _text(fam.get(f"/family/h/{world.ids['a']}/history?page=2").text)
    assert second.count("吃药") == 10 and "03月03日 08:00 吃药" in second and "上一页" in second
    assert "下一页" not in second
    only = _text(fam.get(f"/family/h/{world.ids['a']}/history?only=unconfirmed").text)
    assert "共 37 条没有确认的记录" in only and "已确认" not in only
    assert "第 2 页" in _text(fam.get(f"/family/h/{world.ids['a']}/history?page=99").text)
    assert "第 1 页" in _text(fam.get(f"/family/h/{world.ids['a']}/history?page=abc").text)
    only_page = fam.get(f"/family/h/{world.ids['a']}/history?only=unconfirmed").text
    assert "page=2&amp;only=unconfirmed" in only_page
    assert world.client("fam_c").get(f"/family/h/{world.ids['a']}/history").status_code == 404


def test_the_elders_page_lists_everyone_who_can_see_it(world: World) -> None:
    page = _text(world.client("fam_a").get(f"/family/h/{world.ids['a']}/people").text)
    assert "fam_a 我" in page and "fam_ab" in page and "社区工作人员" in page and "fam_c" not in page
    page_b = _text(world.client("fam_ab").get(f"/family/h/{world.ids['b']}/people").text)
    assert "fam_ab 我" in page_b and "fam_a " not in page_b
    assert world.client("fam_c").get(f"/family/h/{world.ids['a']}/people").status_code == 404


def test_a_family_member_changes_their_own_password(world: World) -> None:
    fam, other_tab = world.client("fam_a"), world.client("fam_a")
    assert "修改密码" in fam.get("/family/password").text
    cases = [
        ({"old_password": "wrong-password-1", "new_password": "new-horse-22",
          "new_password2": "new-horse-22"}, "原密码：不对"),
        ({"old_password": PASSWORD, "new_password": "12345678", "new_password2": "12345678"},
         "这个密码太常见"),
        ({"old_password": PASSWORD, "new_password": "new-horse-22", "new_password2": "new-horse-23"},
         "两次输入的新密码不一样"),
        ({"old_password": PASSWORD, "new_password": "short", "new_password2": "short"}, "密码要 8 到 128 位"),
        ({"old_password": PASSWORD, "new_password": PASSWORD, "new_password2": PASSWORD}, "和原密码一样"),
    ]
    for fields, reason in cases:
        refused = _post(fam, "/family/password", **fields)
        assert refused.status_code == 422 and reason in refused.text, (fields, refused.text[:300])
    done = _post(fam, "/family/password", old_password=PASSWORD, new_password="new-horse-22",
                 new_password2="new-horse-22", h=world.ids["a"])
    assert done.status_code == 303 and done.headers["location"].startswith("/family/password?h=")
    notice = _text(fam.get(done.headers["location"]).text)
    assert "密码已经改好了" in notice and "其他 1 处手机或电脑上的登录已经退出" in notice
    assert other_tab.get("/family", follow_redirects=False).headers["location"] == "/login"
    with world.database.reader() as session:
        user = session.scalars(sa.select(User).where(User.username == "fam_a")).one()
        assert verify_password(user.password_hash, "new-horse-22")
    assert world.client("staff1").get("/family/password").status_code == 403
    no_token = world.client("fam_a").post("/family/password", data={"old_password": "x"})
    assert no_token.status_code == 403  # the form's CSRF token is missing


def test_guessing_the_old_password_is_slowed_down(world: World) -> None:
    fam = world.client("fam_c")
    wrong = {"old_password": "not-it-0000", "new_password": "new-horse-22", "new_password2": "new-horse-22"}
    answers = [_post(fam, "/family/password", **wrong).status_code for _ in range(4)]
    assert answers == [422, 422, 422, 429]
    right = {**wrong, "old_password": PASSWORD}
    assert _post(fam, "/family/password", **right).status_code == 429  # even the right one waits
    world.clock.advance(seconds=3)
    assert _post(fam, "/family/password", **right).status_code == 303
