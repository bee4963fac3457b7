"""Issue 12 on the server: household routines, the speaker taking an emergency back, device
times kept, 我来处理 and web bookings in the change feed, occurrences from when a reminder was made.
Both databases (SQLite and PostgreSQL), the app in-process, a fake clock."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from community_world import World

DEFAULT = {"wake": "06:30", "breakfast": "07:30", "lunch": "12:00", "dinner": "18:00", "bed": "21:30"}


def _sync(device, ops=(), cursor=None) -> dict:  # type: ignore[no-untyped-def]
    body = {"cursor": cursor, "ops": [{"op_id": str(uuid.uuid4()), **op} for op in ops], "wait": 0}
    answer = device.post("/api/v1/device/sync", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_routine_defaults_validation_scope_and_feed(world: World) -> None:
    fam = world.client("fam_a")
    url = f"/api/v1/households/{world.ids['a']}/routine"
    device = world.device("a")
    first = _sync(device)
    assert first["changes"]["routine"] == {}  # the defaults: the speaker has the same file
    got = fam.get(url).json()
    assert {k: got[k] for k in DEFAULT} == DEFAULT and got["default"] is True
    cases = [
        ({**DEFAULT, "dinner": "11:00"}, "晚饭时间要晚于午饭时间"),
        ({**DEFAULT, "wake": "6点半"}, "起床时间格式不对"),
        ({**DEFAULT, "bed": "24:10"}, "睡觉时间不对"),
        ({**DEFAULT, "lunch": ""}, "请填写午饭时间"),
    ]
    for body, reason in cases:
        refused = fam.put(url, json=body)
        assert refused.status_code == 422 and reason in refused.json()["error"]["message"], refused.text
    assert fam.put(url, json={k: v for k, v in DEFAULT.items() if k != "bed"}).status_code == 422
    assert fam.put(url, json={**DEFAULT, "tea": "15:00"}).status_code == 422
    assert _sync(device, cursor=first["cursor"])["changes"]["routine"] is None  # nothing stored
    ok = fam.put(url, json={**DEFAULT, "wake": "6:05"})
    assert ok.status_code == 200 and ok.json()["wake"] == "06:05"  # written as HH:MM
    ok = fam.put(url, json={**DEFAULT, "dinner": "18:30"})
    assert ok.status_code == 200 and (ok.json()["dinner"], ok.json()["default"]) == ("18:30", False)
    routine = _sync(device, cursor=first["cursor"])["changes"]["routine"]
    assert routine == {**DEFAULT, "dinner": "18:30"}  # the latest PUT, whole
    other = world.device("b")
    assert _sync(other)["changes"]["routine"] == {}  # another household keeps its own
    assert world.client("fam_c").get(url).status_code == 404
    assert world.client("fam_c").put(url, json=DEFAULT).status_code == 404
    assert device.put(url, json=DEFAULT).status_code == 403
    assert world.client("staff2").get(url).status_code == 404


def test_routine_form_on_the_family_page(world: World) -> None:
    fam = world.client("fam_a")
    csrf = fam.headers["X-CSRF-Token"]
    page = fam.get(f"/family/h/{world.ids['a']}/routine")
    assert page.status_code == 200 and "现在用的是默认时间" in page.text
    bad = fam.post(f"/family/h/{world.ids['a']}/routine",
                   data={**DEFAULT, "breakfast": "05:00", "csrf_token": csrf})
    assert bad.status_code == 422 and "早饭时间要晚于起床时间" in bad.text and 'value="05:00"' in bad.text
    good = fam.post(f"/family/h/{world.ids['a']}/routine",
                    data={**DEFAULT, "bed": "22:15", "csrf_token": csrf}, follow_redirects=False)
    assert good.status_code == 303
    assert 'value="22:15"' in fam.get(f"/family/h/{world.ids['a']}/routine").text
    assert fam.post(f"/family/h/{world.ids['a']}/routine", data=DEFAULT).status_code == 403  # no CSRF token
    assert world.client("fam_c").get(f"/family/h/{world.ids['a']}/routine").status_code == 404


def test_the_speaker_takes_an_emergency_back_within_ten_minutes(world: World) -> None:
    device = world.device("a")
    cursor = _sync(device)["cursor"]
    emergency = str(uuid.uuid4())
    raised = "2026-03-02T09:58:00"  # the speaker's clock runs 2 minutes behind the server's 10:00
    payload = {"text": "救命", "at": raised, "severity": "high"}
    ops = [{"op_id": emergency, "type": "emergency", "payload": payload}]
    body = {"cursor": cursor, "wait": 0, "ops": ops}
    assert device.post("/api/v1/device/sync", json=body).json()["results"][0]["status"] == "applied"
    [alert] = world.client("fam_a").get("/api/v1/alerts").json()
    assert alert["id"] == emergency and alert["device_raised_at"] == "2026-03-02T01:58:00Z"
    assert alert["raised_at"] == "2026-03-02T02:00:00Z"
    world.clock.advance(minutes=1)
    late = _sync(device, [{"type": "emergency.cancel", "payload": {
        "emergency_id": emergency, "text": "没事了", "at": "2026-03-02T10:09:00"}}])
    assert (late["results"][0]["status"], late["results"][0]["code"]) == ("rejected", "conflict")
    unknown = _sync(device, [{"type": "emergency.cancel", "payload": {"emergency_id": str(uuid.uuid4())}}])
    assert unknown["results"][0]["code"] == "not_found"
    foreign = _sync(world.device("b"), [{"type": "emergency.cancel", "payload": {"emergency_id": emergency}}])
    assert foreign["results"][0]["code"] == "not_found"  # another household's speaker
    taken = _sync(device, [{"type": "emergency.cancel", "payload": {
        "emergency_id": emergency, "text": "没事了我按错了", "at": "2026-03-02T09:59:30"}}])
    assert taken["results"][0]["status"] == "applied"
    [alert] = world.client("fam_a").get("/api/v1/alerts").json()
    assert (alert["cancelled_at"], alert["device_cancelled_at"]) == ("2026-03-02T02:01:00Z",
                                                                      "2026-03-02T01:59:30Z")
    family_page = world.client("fam_a").get(f"/family/h/{world.ids['a']}/alerts").text
    assert "已取消：a阿姨说“没事了我按错了”，音箱时间 03月02日 09:59" in family_page
    assert "（音箱时间 03月02日 09:58）" in family_page and "我来处理" not in family_page
    staff = world.client("staff1").get("/staff").text
    assert "没有未处理的紧急呼叫" in staff and "老人已取消的呼叫" in staff
    assert "音箱时间 03月02日 09:59" in staff
    refused = world.client("fam_a").post(f"/api/v1/alerts/{emergency}/acknowledge")
    assert refused.status_code == 409 and "取消" in refused.json()["error"]["message"]
    again = _sync(device, [{"type": "emergency.cancel", "payload": {"emergency_id": emergency}}])
    assert again["results"][0]["status"] == "applied"  # a second cancel changes nothing


def test_an_emergency_with_an_unreadable_time_is_still_raised(world: World) -> None:
    device = world.device("a")
    answer = _sync(device, [{"type": "emergency", "payload": {"text": "救命", "at": "昨天"}}])
    assert answer["results"][0]["status"] == "applied"
    [alert] = world.client("staff1").get("/api/v1/alerts").json()
    assert alert["device_raised_at"] is None


def test_i_am_handling_it_goes_down_the_feed_with_who(world: World) -> None:
    device = world.device("a")
    emergency = str(uuid.uuid4())
    body = {"cursor": None, "wait": 0, "ops": [
        {"op_id": emergency, "type": "emergency", "payload": {"text": "救命", "at": "2026-03-02T10:00:00"}}]}
    cursor = device.post("/api/v1/device/sync", json=body).json()["cursor"]
    assert world.client("staff1").post(f"/api/v1/alerts/{emergency}/acknowledge").status_code == 200
    [item] = _sync(device, cursor=cursor)["changes"]["alerts"]
    assert (item["id"], item["status"]) == (emergency, "handled")
    assert (item["by"], item["by_role"]) == ("staff1", "staff")  # the staff member's display name
    assert item["at"] == "2026-03-02T10:00:00"
    assert _sync(world.device("b"), cursor=cursor)["changes"]["alerts"] == []


def test_web_bookings_reach_the_feed_with_activity_and_who(world: World) -> None:
    staff = world.client("staff1")
    start = world.clock.now() + timedelta(days=1)
    act = staff.post("/api/v1/activities", json={
        "title": "粤剧欣赏", "category": "culture", "place": "活动室", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(), "capacity": 5})
    assert act.status_code == 201, act.text
    activity_id = act.json()["id"]
    device = world.device("a")
    cursor = _sync(device)["cursor"]
    booked = world.client("fam_a").post("/api/v1/bookings", json={"activity_id": activity_id,
                                                                  "household_id": world.ids["a"]})
    assert booked.status_code == 201
    [item] = _sync(device, cursor=cursor)["changes"]["bookings"]
    assert (item["status"], item["by"], item["by_role"], item["activity"]["title"]) == (
        "confirmed", "fam_a", "family", "粤剧欣赏")
    assert item["activity"]["start"] == "2026-03-03T10:00:00"


def test_a_reminder_made_at_17_for_9_daily_is_not_unacknowledged_today(world: World) -> None:
    world.clock.advance(hours=7)  # 17:00 local
    fam = world.client("fam_a")
    made = fam.post(f"/api/v1/households/{world.ids['a']}/reminders",
                    json={"content": "吃降压药", "time_of_day": "09:00", "repeat": "daily"})
    assert made.status_code == 201
    rows = fam.get(f"/api/v1/households/{world.ids['a']}/occurrences?days=1").json()
    assert [(r["due_at"], r["state"]) for r in rows] == [("2026-03-03T09:00:00+08:00", "upcoming")]
    page = fam.get(f"/family/h/{world.ids['a']}/reminders").text
    assert "未确认" not in page
    device = world.device("a")
    [reminder] = _sync(device)["changes"]["reminders"]
    assert reminder["since"] == "2026-03-02T17:00:00"
    world.clock.advance(hours=17)  # Tuesday 10:00, the speaker said nothing: now it is 未确认
    rows = fam.get(f"/api/v1/households/{world.ids['a']}/occurrences?days=1").json()
    assert ("2026-03-03T09:00:00+08:00", "unacknowledged") in [(r["due_at"], r["state"]) for r in rows]
    assert re.search("未确认", fam.get(f"/family/h/{world.ids['a']}/reminders").text)
