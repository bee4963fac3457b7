"""JSON API behaviour, run against SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from community_world import PASSWORD, World, activity_body

from community.domain.accounts import get_or_create_community
from community.domain.devices import device_actor
from community.domain.messages import raise_alert
from community.domain.reminders import record_reminder_event
from community.errors import InvalidInput
from community.models import ReminderEventKind

SHANGHAI_TOMORROW_9 = "2026-03-03T09:00:00+08:00"


def _activity(world: World, capacity: int = 10, start: str = SHANGHAI_TOMORROW_9) -> dict:
    staff = world.client("staff1")
    response = staff.post("/api/v1/activities", json=activity_body(datetime.fromisoformat(start), capacity))
    assert response.status_code == 201, response.text
    return response.json()


def test_staff_creates_edits_and_cancels_an_activity(world: World) -> None:
    staff = world.client("staff1")
    body = activity_body(datetime.fromisoformat("2026-03-03T09:00:00"), capacity=12)  # naive: community zone
    created = staff.post("/api/v1/activities", json=body).json()
    assert created["starts_at"] == "2026-03-03T01:00:00Z"
    assert (created["capacity"], created["booked"], created["status"]) == (12, 0, "scheduled")
    body["capacity"], body["title"] = 20, "太极拳（加场）"
    edited = staff.put(f"/api/v1/activities/{created['id']}", json=body).json()
    assert (edited["title"], edited["capacity"]) == ("太极拳（加场）", 20)
    cancelled = staff.post(f"/api/v1/activities/{created['id']}/cancel").json()
    assert cancelled["status"] == "cancelled"
    again = staff.post(f"/api/v1/activities/{created['id']}/cancel")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "conflict")


def test_family_books_and_cancels_and_capacity_is_kept(world: World) -> None:
    activity = _activity(world, capacity=1)
    fam_a, fam_ab = world.client("fam_a"), world.client("fam_ab")
    booked = fam_a.post(
        "/api/v1/bookings", json={"activity_id": activity["id"], "household_id": world.ids["a"]}
    )
    assert booked.status_code == 201 and booked.json()["status"] == "confirmed"
    twice = fam_ab.post(
        "/api/v1/bookings", json={"activity_id": activity["id"], "household_id": world.ids["a"]}
    )
    assert (twice.status_code, twice.json()["error"]["message"]) == (409, "已经报名了")
    full = fam_ab.post(
        "/api/v1/bookings", json={"activity_id": activity["id"], "household_id": world.ids["b"]}
    )
    assert (full.status_code, full.json()["error"]["code"]) == (409, "full")
    signups = world.client("staff1").get(f"/api/v1/activities/{activity['id']}/signups").json()
    assert [s["elder_name"] for s in signups] == ["老人a"]
    cancel = fam_a.post(f"/api/v1/bookings/{booked.json()['id']}/cancel")
    assert cancel.json()["status"] == "cancelled"
    assert fam_a.post(f"/api/v1/bookings/{booked.json()['id']}/cancel").status_code == 409
    assert world.client("staff1").get(f"/api/v1/activities/{activity['id']}").json()["booked"] == 0
    rebook = fam_ab.post(
        "/api/v1/bookings", json={"activity_id": activity["id"], "household_id": world.ids["b"]}
    )
    assert rebook.status_code == 201


def test_capacity_cannot_drop_below_booked_and_started_activity_cannot_be_booked(world: World) -> None:
    activity = _activity(world, capacity=5)
    for key in "ab":
        world.client("fam_ab").post(
            "/api/v1/bookings", json={"activity_id": activity["id"], "household_id": world.ids[key]}
        )
    body = activity_body(datetime.fromisoformat(SHANGHAI_TOMORROW_9), capacity=1)
    shrink = world.client("staff1").put(f"/api/v1/activities/{activity['id']}", json=body)
    assert shrink.status_code == 409 and "below the 2 places" in shrink.json()["error"]["message"]
    world.clock.advance(days=2)
    late = world.client("fam_a").post(
        "/api/v1/bookings", json={"activity_id": activity["id"], "household_id": world.ids["a"]}
    )
    assert (late.status_code, late.json()["error"]["message"]) == (409, "活动已经开始，不能报名")


def test_device_books_for_its_own_household(world: World) -> None:
    activity = _activity(world)
    device = world.device("b")
    booked = device.post("/api/v1/bookings", json={"activity_id": activity["id"]})
    assert booked.status_code == 201
    assert (booked.json()["household_id"], booked.json()["origin"]) == (world.ids["b"], "device")


def test_reminder_lifecycle_and_occurrences(world: World) -> None:
    fam = world.client("fam_a")
    url = f"/api/v1/households/{world.ids['a']}/reminders"
    created = fam.post(url, json={"content": "吃降压药", "time_of_day": "8:00", "repeat": "daily"})
    assert created.status_code == 201
    reminder = created.json()
    assert (reminder["time_of_day"], reminder["start_date"], reminder["origin"]) == (
        "08:00",
        "2026-03-02",
        "family",
    )
    world.clock.advance(days=2)  # now Wed 4 March 10:00 local
    device = world.device("a")
    with world.database.write() as session:
        actor = device_actor(session, device.headers["Authorization"].split()[1], world.clock.now())
        due = datetime(2026, 3, 3, 0, 0, tzinfo=timezone.utc)  # 3 March 08:00 local
        record_reminder_event(
            session, actor, reminder["id"], due, ReminderEventKind.FIRED, due, world.clock.now()
        )
        record_reminder_event(
            session,
            actor,
            reminder["id"],
            due,
            ReminderEventKind.ACKNOWLEDGED,
            due + timedelta(minutes=2),
            world.clock.now(),
        )
    rows = fam.get(f"/api/v1/households/{world.ids['a']}/occurrences?days=2").json()
    assert isinstance(rows, list), rows
    assert [(r["due_at"], r["state"], r["acknowledged_at"]) for r in rows] == [
        ("2026-03-05T08:00:00+08:00", "upcoming", None),
        ("2026-03-04T08:00:00+08:00", "unacknowledged", None),
        ("2026-03-03T08:00:00+08:00", "acknowledged", "2026-03-03T08:02:00+08:00"),
        # 2 March 08:00 came before the reminder was made (10:00): not 未确认, not listed (issue 12)
    ]
    edit = fam.put(
        f"/api/v1/reminders/{reminder['id']}",
        json={"content": "吃药", "time_of_day": "09:30", "repeat": "weekly", "weekdays": [5, 1]},
    )
    assert (edit.json()["weekdays"], edit.json()["time_of_day"]) == ("1,5", "09:30")
    assert fam.post(f"/api/v1/reminders/{reminder['id']}/pause").json()["status"] == "paused"
    assert fam.post(f"/api/v1/reminders/{reminder['id']}/resume").json()["status"] == "active"
    assert fam.delete(f"/api/v1/reminders/{reminder['id']}").status_code == 204
    assert fam.get(url).json() == []
    assert fam.delete(f"/api/v1/reminders/{reminder['id']}").status_code == 404


def test_reminder_validation_reasons(world: World) -> None:
    fam = world.client("fam_a")
    url = f"/api/v1/households/{world.ids['a']}/reminders"
    cases = [
        ({"content": "x", "time_of_day": "25:00", "repeat": "daily"}, "expected HH:MM"),
        ({"content": "x", "time_of_day": "08:00", "repeat": "weekly"}, "weekly needs days"),
        (
            {"content": "x", "time_of_day": "08:00", "repeat": "daily", "weekdays": [1]},
            "only used with repeat=weekly",
        ),
        ({"content": "x", "time_of_day": "08:00", "repeat": "hourly"}, "repeat"),
        ({"content": "", "time_of_day": "08:00", "repeat": "daily"}, "content"),
        ({"content": "x", "time_of_day": "08:00", "repeat": "daily", "colour": "red"}, "colour"),
    ]
    for body, reason in cases:
        response = fam.post(url, json=body)
        assert response.status_code == 422, body
        assert reason in response.json()["error"]["message"] + str(response.json()["error"].get("fields")), (
            body
        )
    assert fam.get(url).json() == []


def test_announcements_reach_the_right_homes(world: World) -> None:
    staff = world.client("staff1")
    urgent = staff.post(
        "/api/v1/announcements", json={"title": "停电", "body": "今晚八点停电", "urgent": True}
    )
    assert urgent.status_code == 201 and urgent.json()["urgent"] is True
    group = staff.post(
        "/api/v1/announcements",
        json={"title": "2号楼", "body": "电梯维修", "target": "group", "group_name": "2号楼"},
    )
    assert group.status_code == 201
    later = staff.post(
        "/api/v1/announcements",
        json={"title": "明天", "body": "义诊", "publish_at": "2026-03-03T08:00:00+08:00"},
    )
    assert later.status_code == 201
    no_group = staff.post(
        "/api/v1/announcements", json={"title": "x", "body": "y", "target": "group", "group_name": "9号楼"}
    )
    assert no_group.status_code == 422
    assert [a["title"] for a in world.client("fam_a").get("/api/v1/announcements").json()] == ["停电"]
    assert sorted(a["title"] for a in world.client("fam_ab").get("/api/v1/announcements").json()) == [
        "2号楼",
        "停电",
    ]
    assert world.client("fam_c").get("/api/v1/announcements").json() == []
    assert len(staff.get("/api/v1/announcements").json()) == 3
    world.clock.advance(days=1)
    assert [a["title"] for a in world.device("a").get("/api/v1/announcements").json()] == ["明天", "停电"]


def test_messages_alerts_points_and_service_requests(world: World) -> None:
    fam = world.client("fam_a")
    sent = fam.post(f"/api/v1/households/{world.ids['a']}/messages", json={"body": "妈，周末回来"})
    assert (sent.status_code, sent.json()["direction"]) == (201, "to_elder")
    world.clock.advance(minutes=1)
    device = world.device("a")
    reply = device.post(f"/api/v1/households/{world.ids['a']}/messages", json={"body": "好的"})
    assert reply.json()["direction"] == "from_elder"
    assert [m["body"] for m in fam.get(f"/api/v1/households/{world.ids['a']}/messages").json()] == [
        "好的",
        "妈，周末回来",
    ]
    with world.database.write() as session:
        actor = device_actor(session, device.headers["Authorization"].split()[1], world.clock.now())
        alert_id = raise_alert(session, actor, "摔倒了", world.clock.now()).id
    assert [a["note"] for a in world.client("staff1").get("/api/v1/alerts").json()] == ["摔倒了"]
    assert world.client("staff2").get("/api/v1/alerts").json() == []
    ack = fam.post(f"/api/v1/alerts/{alert_id}/acknowledge")
    assert ack.status_code == 200 and ack.json()["acknowledged_at"] == "2026-03-02T02:01:00Z"
    assert world.client("staff1").post(f"/api/v1/alerts/{alert_id}/acknowledge").status_code == 409
    staff = world.client("staff1")
    assert (
        staff.post(
            "/api/v1/points", json={"household_id": world.ids["a"], "points": 5, "reason": "义剪"}
        ).status_code
        == 201
    )
    assert (
        staff.post(
            "/api/v1/points", json={"household_id": world.ids["a"], "points": 0, "reason": "x"}
        ).status_code
        == 422
    )
    assert (
        fam.post(
            "/api/v1/points", json={"household_id": world.ids["a"], "points": 5, "reason": "x"}
        ).status_code
        == 403
    )
    assert [p["points"] for p in fam.get("/api/v1/points").json()] == [5]
    request = fam.post(
        "/api/v1/service-requests",
        json={"household_id": world.ids["a"], "kind": "meal", "details": "午餐送餐"},
    )
    assert request.status_code == 201
    rid = request.json()["id"]
    assert fam.post(f"/api/v1/service-requests/{rid}/status", json={"status": "confirmed"}).status_code == 403
    assert (
        staff.post(f"/api/v1/service-requests/{rid}/status", json={"status": "confirmed"}).json()["status"]
        == "confirmed"
    )
    assert staff.post(f"/api/v1/service-requests/{rid}/status", json={"status": "pending"}).status_code == 409


def test_pairing_codes_are_single_use_and_expire(world: World) -> None:
    staff = world.client("staff1")
    code = staff.post("/api/v1/pairing-codes", json={"household_id": world.ids["a"]}).json()
    assert len(code["code"]) == 6 and code["code"].isdigit()
    assert code["expires_at"] == "2026-03-02T02:10:00Z"
    anon = world.client()
    paired = anon.post("/api/v1/devices/pair", json={"code": code["code"], "name": "客厅"})
    assert paired.status_code == 201 and paired.json()["household_id"] == world.ids["a"]
    again = anon.post("/api/v1/devices/pair", json={"code": code["code"], "name": "客厅"})
    assert (again.status_code, again.json()["error"]["code"]) == (400, "pairing_failed")
    token = paired.json()["token"]
    me = anon.get("/api/v1/device/household", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["address_as"] == "a阿姨"
    stale = staff.post("/api/v1/pairing-codes", json={"household_id": world.ids["b"]}).json()
    world.clock.advance(minutes=10, seconds=1)
    assert anon.post("/api/v1/devices/pair", json={"code": stale["code"]}).status_code == 400
    device_id = paired.json()["device_id"]
    assert staff.post(f"/api/v1/devices/{device_id}/revoke").json()["revoked_at"] is not None
    gone = anon.get("/api/v1/device/household", headers={"Authorization": f"Bearer {token}"})
    assert (gone.status_code, gone.json()["error"]["code"]) == (401, "not_authenticated")
    with world.database.reader() as session:
        from community.models import Device

        stored = session.get(Device, device_id)
        assert token not in stored.token_hash and len(stored.token_hash) == 64


def test_pairing_guesses_are_throttled(world: World) -> None:
    anon = world.client()
    codes = [anon.post("/api/v1/devices/pair", json={"code": f"{n:06d}"}).status_code for n in range(21)]
    assert codes == [400] * 20 + [429]


def test_login_sets_safe_cookie_and_is_throttled(world: World) -> None:
    anon = world.client()
    ok = anon.post("/api/v1/auth/login", json={"username": "fam_a", "password": PASSWORD})
    assert ok.status_code == 200
    cookie = ok.headers["set-cookie"]
    assert (ok.headers["cache-control"], ok.headers["x-frame-options"]) == ("no-store", "DENY")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    no_csrf = anon.post(f"/api/v1/households/{world.ids['a']}/messages", json={"body": "hi"})
    assert (no_csrf.status_code, no_csrf.json()["error"]["code"]) == (403, "csrf")
    with_csrf = anon.post(
        f"/api/v1/households/{world.ids['a']}/messages",
        json={"body": "hi"},
        headers={"X-CSRF-Token": ok.json()["csrf_token"]},
    )
    assert with_csrf.status_code == 201
    other = world.client()
    statuses = [
        other.post("/api/v1/auth/login", json={"username": "fam_c", "password": "wrong-pass"}).status_code
        for _ in range(6)
    ]
    # Three free tries, then a growing delay (issue 14; tests/community/test_server_hardening.py).
    assert statuses == [401, 401, 401, 429, 429, 429]
    delayed = other.post("/api/v1/auth/login", json={"username": "fam_c", "password": PASSWORD})
    assert delayed.status_code == 429 and "2 秒后再试" in delayed.json()["error"]["message"]
    neighbour = other.post("/api/v1/auth/login", json={"username": "fam_a", "password": PASSWORD})
    assert neighbour.status_code == 200  # same address, other user: not delayed
    world.clock.advance(seconds=2)
    assert (
        other.post("/api/v1/auth/login", json={"username": "fam_c", "password": PASSWORD}).status_code == 200
    )


def test_bad_input_is_a_4xx_with_reason_and_writes_nothing(world: World) -> None:
    staff = world.client("staff1")
    raw = {"content-type": "application/json"}
    assert staff.post("/api/v1/activities", content=b"{not json", headers=raw).status_code == 422
    huge = b'{"title": "' + b"x" * 70_000 + b'"}'
    too_big = staff.post("/api/v1/activities", content=huge, headers=raw)
    assert (too_big.status_code, too_big.json()["error"]["code"]) == (413, "body_too_large")
    start = datetime.fromisoformat(SHANGHAI_TOMORROW_9)
    bad = [
        {**activity_body(start), "capacity": 0},
        {**activity_body(start), "capacity": True},
        {**activity_body(start), "category": "party"},
        {**activity_body(start), "ends_at": start.isoformat()},
        {**activity_body(start), "title": "x" * 61},
        {**activity_body(start), "title": "   "},
        {
            **activity_body(start),
            "starts_at": "1999-01-01T00:00:00+08:00",
            "ends_at": "1999-01-01T01:00:00+08:00",
        },
        {**activity_body(start), "place": "广场\x00"},
    ]
    for body in bad:
        response = staff.post("/api/v1/activities", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"]["message"]
    assert staff.get("/api/v1/activities").json() == []
    assert staff.get("/api/v1/activities/no-such-id").status_code == 404
    assert (
        staff.post(
            "/api/v1/bookings", json={"activity_id": "x" * 36, "household_id": world.ids["a"]}
        ).status_code
        == 404
    )
    assert staff.get("/api/v1/nowhere").json()["error"]["code"] == "not_found"
    for extreme in ("9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+05:00"):  # overflow UTC
        assert staff.get("/api/v1/activities", params={"from": extreme}).status_code == 422
        assert (
            staff.post(
                "/api/v1/announcements", json={"title": "t", "body": "b", "publish_at": extreme}
            ).status_code
            == 422
        )
    late = staff.post(
        "/api/v1/announcements", json={"title": "t", "body": "b", "publish_at": "9999-12-31T23:59:59"}
    )
    assert late.status_code == 422 and "publish_at" in late.json()["error"]["message"]
    # NUL bytes: SQLite simply finds nothing; PostgreSQL refuses them, which must be a 422, not a 500.
    assert staff.get("/api/v1/activities/a%00b").status_code in (404, 422)
    nul_login = world.client().post("/api/v1/auth/login", json={"username": "fam\x00a", "password": "x"})
    assert nul_login.status_code in (401, 422)


def test_staff_invite_family_for_their_households_only(world: World) -> None:
    body = {"username": "xiaohong", "display_name": "王小红", "password": "long-password", "relation": "女儿"}
    made = world.client("staff1").post(f"/api/v1/households/{world.ids['a']}/family", json=body)
    assert made.status_code == 201 and made.json()["username"] == "xiaohong"
    assert (
        world.client("staff2")
        .post(f"/api/v1/households/{world.ids['a']}/family", json={**body, "username": "intruder"})
        .status_code
        == 404
    )
    assert (
        world.client("fam_a")
        .post(f"/api/v1/households/{world.ids['a']}/family", json={**body, "username": "cousin"})
        .status_code
        == 403
    )
    taken = world.client("staff1").post(f"/api/v1/households/{world.ids['b']}/family", json=body)
    assert (taken.status_code, taken.json()["error"]["code"]) == (409, "conflict")
    anon = world.client()
    me = anon.post("/api/v1/auth/login", json={"username": "XiaoHong", "password": "long-password"})
    assert me.status_code == 200 and me.json()["household_ids"] == [world.ids["a"]]


def test_one_address_guessing_many_names_is_stopped_after_30_failures(world: World) -> None:
    client = world.client()
    guesses = [
        client.post("/api/v1/auth/login", json={"username": f"guess{n}", "password": "x"}).status_code
        for n in range(31)
    ]
    assert guesses == [401] * 30 + [429]
    blocked = client.post("/api/v1/auth/login", json={"username": "fam_a", "password": PASSWORD})
    assert blocked.status_code == 429  # a browser fam_a never used, at the guessing address


def test_a_community_needs_a_real_time_zone(world: World) -> None:
    with world.database.write() as session, pytest.raises(InvalidInput) as info:
        get_or_create_community(session, "火星社区", "Mars/Olympus")
    assert (
        info.value.message
        == "timezone: unknown time zone 'Mars/Olympus'; expected an IANA name like Asia/Shanghai"
    )
