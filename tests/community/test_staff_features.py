"""Staff features of issue 15 driven as forms (SQLite and PostgreSQL): weekly series with
exceptions, check-in, points once per activity, CSV exports, household edit/delete/restore,
family password reset, confirmation pages, announcement delivery from the speakers' reports,
and the self-hosted /api/docs."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from community_world import World, activity_body
from fastapi.testclient import TestClient

from assistant.changes import apply_changes
from assistant.store import Store
from assistant.sync import server_changes
from community.domain.devices import device_actor
from community.domain.messages import raise_alert
from community.models import (
    Activity,
    ActivityStatus,
    Attendance,
    Booking,
    BookingStatus,
    Device,
    Household,
    PointsEntry,
    Reminder,
    SeriesSkip,
    User,
)
from community.security import verify_password

ZONE = ZoneInfo("Asia/Shanghai")


def _post(client: TestClient, url: str, **fields: str):
    return client.post(
        url, data={"csrf_token": client.headers["X-CSRF-Token"], **fields}, follow_redirects=False
    )


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _local(value: datetime) -> str:
    return value.astimezone(ZONE).strftime("%Y-%m-%d %H:%M")


_SERIES = {
    "title": "太极拳",
    "category": "exercise",
    "place": "社区广场",
    "capacity": "10",
    "weekday1": "on",
    "weekday3": "on",
    "first_day": "2026-03-02",
    "last_day": "2026-03-29",
    "start_time": "08:00",
    "minutes": "60",
}


def _sessions(world: World) -> list[Activity]:
    with world.database.reader() as session:
        return list(session.scalars(sa.select(Activity).order_by(Activity.starts_at)))


def test_a_weekly_series_makes_sessions_with_exceptions_and_edits_only_what_is_free(world: World) -> None:
    staff = world.client("staff1")
    missing = _post(staff, "/staff/series/new", **{**_SERIES, "weekday1": "", "weekday3": ""})
    assert missing.status_code == 422 and "每周哪几天：请至少选一天" in missing.text
    assert 'value="太极拳"' in missing.text  # nothing typed is lost
    backwards = _post(staff, "/staff/series/new", **{**_SERIES, "last_day": "2026-03-01"})
    assert backwards.status_code == 422 and "结束日期：不能早于开始日期" in backwards.text
    made = _post(staff, "/staff/series/new", **_SERIES)
    assert made.status_code == 303
    series_url = made.headers["location"].split("?")[0]
    # Monday 2 March 08:00 has passed (the clock says 10:00): Wednesdays and Mondays from the 4th.
    sessions = _sessions(world)
    assert [_local(a.starts_at) for a in sessions] == [
        "2026-03-04 08:00",
        "2026-03-09 08:00",
        "2026-03-11 08:00",
        "2026-03-16 08:00",
        "2026-03-18 08:00",
        "2026-03-23 08:00",
        "2026-03-25 08:00",
    ]
    assert "已建好 7 场活动" in staff.get(made.headers["location"]).text
    # each session is a normal activity: families see and book it through the usual API
    listed = world.client("fam_a").get("/api/v1/activities").json()
    assert len([a for a in listed if a["title"] == "太极拳"]) == 7
    booked = world.client("fam_a").post(
        "/api/v1/bookings", json={"activity_id": sessions[1].id, "household_id": world.ids["a"]}
    )
    assert booked.status_code == 201
    # skip one day: a confirmation page first, then only that session is cancelled
    confirm = staff.get(f"{series_url}/skip", params={"day": "2026-03-11"})
    assert confirm.status_code == 200 and "跳过 03月11日 的太极拳？" in confirm.text
    assert (
        f'action="{series_url}/skip"' in confirm.text
        and _sessions(world)[2].status is ActivityStatus.SCHEDULED
    )
    assert _post(staff, f"{series_url}/skip", day="2026-03-11").status_code == 303
    # cancel one session from its own page: it becomes an exception too
    assert _post(staff, f"/staff/activities/{sessions[3].id}/cancel").status_code == 303
    after = _sessions(world)
    assert [a.status.value for a in after] == [
        "scheduled",
        "scheduled",
        "cancelled",
        "cancelled",
        "scheduled",
        "scheduled",
        "scheduled",
    ]
    with world.database.reader() as session:
        assert sorted(session.scalars(sa.select(SeriesSkip.day))) == [date(2026, 3, 11), date(2026, 3, 16)]
    # edit: 09:00, 12 places. The booked session keeps its time; the cancelled days stay cancelled.
    world.clock.advance(days=3)  # Thursday 5 March: the 4 March session is past and never changes
    edited = _post(staff, f"{series_url}/edit", **{**_SERIES, "start_time": "09:00", "capacity": "12"})
    assert edited.status_code == 200
    summary = _text(edited.text)
    assert "已保存：改了 3 场，新建 0 场，取消 0 场，1 场保持原样" in summary
    assert "03月09日 08:00 太极拳 ：已有 1 人报名，时间没有改" in summary
    final = {_local(a.starts_at)[:10]: (a.starts_at, a.status.value, a.capacity) for a in _sessions(world)}
    assert _local(final["2026-03-04"][0]) == "2026-03-04 08:00" and final["2026-03-04"][2] == 10
    assert _local(final["2026-03-09"][0]) == "2026-03-09 08:00" and final["2026-03-09"][2] == 12
    assert _local(final["2026-03-18"][0]) == "2026-03-18 09:00" and final["2026-03-18"][2] == 12
    assert final["2026-03-11"][1] == "cancelled" and final["2026-03-16"][1] == "cancelled"
    assert len(final) == 7
    # dropping Wednesdays cancels the free Wednesday sessions; adding Fridays makes new ones
    changed = _post(
        staff, f"{series_url}/edit", **{**_SERIES, "weekday3": "", "weekday5": "on", "start_time": "09:00"}
    )
    assert "改了 1 场，新建 4 场，取消 2 场，1 场保持原样" in _text(changed.text)
    bad = _post(staff, f"{series_url}/edit", **{**_SERIES, "capacity": "0"})
    assert bad.status_code == 422 and "名额：请填 1 到 10000 之间的数字" in bad.text
    # scope: another community's staff cannot see it, a family member is refused
    assert world.client("staff2").get(series_url).status_code == 404
    assert world.client("fam_a").get(series_url).status_code == 403
    assert staff.post(f"{series_url}/skip", data={"day": "2026-03-23"}).status_code == 403  # no CSRF token


def _activity_now(world: World, staff: TestClient, minutes_ahead: int = 60) -> str:
    start = world.clock.now() + timedelta(minutes=minutes_ahead)
    made = staff.post("/api/v1/activities", json=activity_body(start, title="健康讲座"))
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _book(world: World, who: str, home: str, activity_id: str) -> None:
    answer = world.client(who).post(
        "/api/v1/bookings", json={"activity_id": activity_id, "household_id": world.ids[home]}
    )
    assert answer.status_code == 201, answer.text


def test_check_in_with_one_tap_and_points_given_once(world: World) -> None:
    staff = world.client("staff1")
    later = _activity_now(world, staff, minutes_ahead=60 * 24)
    _book(world, "fam_a", "a", later)
    early = _post(
        staff, f"/staff/activities/{later}/attendance", household_id=world.ids["a"], status="present"
    )
    assert early.status_code == 409 and "签到还没开始：03月03日 08:00 起可以签到" in early.text
    activity_id = _activity_now(world, staff)
    _book(world, "fam_a", "a", activity_id)
    _book(world, "fam_ab", "b", activity_id)
    page = _text(staff.get(f"/staff/activities/{activity_id}").text)
    assert "已到 0 人 · 未到 0 人 · 未签到 2 人" in page and "老人a 1号楼" in page
    url = f"/staff/activities/{activity_id}/attendance"
    assert _post(staff, url, household_id=world.ids["a"], status="present").status_code == 303
    assert _post(staff, url, household_id=world.ids["b"], status="present").status_code == 303
    assert _post(staff, url, household_id=world.ids["b"], status="absent").status_code == 303  # tapped again
    page = _text(staff.get(f"/staff/activities/{activity_id}").text)
    assert "已到 1 人 · 未到 1 人 · 未签到 0 人" in page
    with world.database.reader() as session:
        marks = {r.household_id: r.status.value for r in session.scalars(sa.select(Attendance))}
    assert marks == {world.ids["a"]: "present", world.ids["b"]: "absent"}
    not_signed = _post(staff, url, household_id=world.ids["c"], status="present")
    assert not_signed.status_code == 404 and "这位老人没有报名这个活动" in not_signed.text
    assert (
        _post(world.client("staff2"), url, household_id=world.ids["a"], status="present").status_code == 404
    )
    assert staff.post(url, data={"household_id": world.ids["a"], "status": "present"}).status_code == 403
    award = f"/staff/activities/{activity_id}/award"
    given = _post(staff, award, points="5", reason="")
    assert given.status_code == 303 and "given=1&already=0" in given.headers["location"]
    assert "已给 1 位老人加了积分。" in staff.get(given.headers["location"]).text
    again = _post(staff, award, points="5", reason="")
    assert "given=0&already=1" in again.headers["location"]
    assert "1 位之前已经加过，没有重复加。" in staff.get(again.headers["location"]).text
    with world.database.reader() as session:
        entries = session.execute(
            sa.select(
                PointsEntry.household_id, PointsEntry.points, PointsEntry.reason, PointsEntry.activity_id
            )
        ).all()
    assert entries == [(world.ids["a"], 5, "参加活动：健康讲座（03月02日）", activity_id)]
    assert "+5 参加活动：健康讲座（03月02日）" in _text(staff.get("/staff/points").text)
    too_many = _post(staff, award, points="500")
    assert too_many.status_code == 422 and "每人积分：请填 1 到 100 之间的数字" in too_many.text


def _csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel and WPS read the Chinese right
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_exports_of_sign_ups_attendance_and_points(world: World) -> None:
    staff = world.client("staff1")
    activity_id = _activity_now(world, staff)
    _book(world, "fam_a", "a", activity_id)
    _book(world, "fam_ab", "b", activity_id)
    _post(staff, f"/staff/activities/{activity_id}/attendance", household_id=world.ids["a"], status="present")
    _post(staff, f"/staff/activities/{activity_id}/award", points="3")
    _post(staff, "/staff/points", household_id=world.ids["b"], points="-2", reason="=1+1 扣分")
    one = staff.get(f"/staff/activities/{activity_id}/export.csv")
    assert one.status_code == 200 and one.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in one.headers["content-disposition"]
    assert "filename*=UTF-8''" in one.headers["content-disposition"]
    rows = _csv_rows(one.content)
    assert rows[0] == [
        "活动",
        "开始时间",
        "地点",
        "老人",
        "称呼",
        "楼栋/小组",
        "报名时间",
        "签到",
        "活动积分",
    ]
    # two bookings made at the same moment have no order between them
    assert sorted(rows[1:]) == sorted([
        [
            "健康讲座",
            "2026-03-02 11:00",
            "社区广场",
            "老人a",
            "a阿姨",
            "1号楼",
            "2026-03-02 10:00",
            "已到",
            "3",
        ],
        [
            "健康讲座",
            "2026-03-02 11:00",
            "社区广场",
            "老人b",
            "b阿姨",
            "2号楼",
            "2026-03-02 10:00",
            "未签到",
            "",
        ],
    ])
    month = _csv_rows(
        staff.get("/staff/exports/signups.csv", params={"from": "2026-03-01", "to": "2026-03-31"}).content
    )
    assert len(month) == 3
    assert _csv_rows(
        staff.get("/staff/exports/signups.csv", params={"from": "2026-04-01", "to": "2026-04-30"}).content
    ) == [month[0]]
    backwards = staff.get("/staff/exports/signups.csv", params={"from": "2026-03-31", "to": "2026-03-01"})
    assert backwards.status_code == 422 and "结束日期：不能早于开始日期" in backwards.text
    points = _csv_rows(staff.get("/staff/exports/points.csv").content)
    assert points[0] == ["时间", "老人", "称呼", "楼栋/小组", "积分", "事由"]
    assert sorted(tuple(r[1:]) for r in points[1:]) == [
        ("老人a", "a阿姨", "1号楼", "3", "参加活动：健康讲座（03月02日）"),
        ("老人b", "b阿姨", "2号楼", "-2", "'=1+1 扣分"),  # a formula is never run by Excel
    ]
    other = _csv_rows(world.client("staff2").get("/staff/exports/points.csv").content)
    assert other == [points[0]]  # another community's staff export nothing of community 1
    assert world.client("staff2").get(f"/staff/activities/{activity_id}/export.csv").status_code == 404
    assert world.client("fam_a").get("/staff/exports/points.csv").status_code == 403


def test_household_page_edit_and_delete_after_confirmation(world: World) -> None:
    staff = world.client("staff1")
    speaker = world.device("a")
    home = world.ids["a"]
    page = _text(staff.get(f"/staff/households/{home}").text)
    assert "老人a（a阿姨）" in page and "fam_a （fam_a）" in page and "fam_ab （fam_ab）" in page
    assert "音箱 · 配对于 03月02日 10:00" in page
    bad = _post(
        staff, f"/staff/households/{home}/edit", elder_name="", address_as="王阿姨", dialect="cantonese"
    )
    assert bad.status_code == 422 and "老人姓名：请填写" in bad.text and 'value="王阿姨"' in bad.text
    saved = _post(
        staff,
        f"/staff/households/{home}/edit",
        elder_name="王秀英",
        address_as="王阿姨",
        dialect="cantonese",
        group_name="1号楼",
    )
    assert saved.status_code == 303 and "已保存" in staff.get(saved.headers["location"]).text
    activity_id = _activity_now(world, staff, minutes_ahead=24 * 60)
    _book(world, "fam_a", "a", activity_id)
    with world.database.write() as session:
        raise_alert(
            session,
            device_actor(session, speaker.headers["Authorization"].split()[1], world.clock.now()),
            "摔倒了",
            world.clock.now(),
        )
    confirm = _text(staff.get(f"/staff/households/{home}/delete").text)
    assert "注意：这户有 1 个还没人处理的紧急呼叫" in confirm
    assert "删除住户 王秀英？" in confirm
    assert "1 台音箱马上停用" in confirm and "1 个还没开始的活动报名被取消，名额退回" in confirm
    assert "家属 fam_a、fam_ab 不能再看到这位老人" in confirm
    assert "其中 fam_a 没有关联其他老人" in confirm and "可以在住户页面下方“已删除的住户”里恢复" in confirm
    assert world.client("fam_a").get(f"/family/h/{home}/reminders").status_code == 200  # nothing happened yet
    reminder = world.client("fam_a").post(
        f"/api/v1/households/{home}/reminders",
        json={"content": "吃药", "time_of_day": "08:00", "repeat": "daily", "start_date": "2026-03-03"},
    )
    assert reminder.status_code == 201, reminder.text
    issued = _post(staff, "/staff/pairing-codes", household_id=home)
    code = re.search(r"配对码：<strong>(\d{6})</strong>", issued.text).group(1)
    assert _post(world.client("staff2"), f"/staff/households/{home}/delete").status_code == 404
    deleted = _post(staff, f"/staff/households/{home}/delete")
    assert deleted.status_code == 303
    listing = staff.get(deleted.headers["location"]).text
    assert "已删除。它的记录还在" in listing and 'href="/staff/households/' + home not in listing
    assert world.client("fam_a").get(f"/family/h/{home}/reminders").status_code == 404
    alone = world.client("fam_a").get("/family")
    assert "您的账号还没有关联老人，请联系社区工作人员" in alone.text  # said plainly, header kept
    late = world.client().post("/api/v1/devices/pair", json={"code": code, "name": "卧室"})
    assert late.status_code == 400  # a code handed out before the delete pairs nothing
    assert world.client("fam_ab").get(f"/family/h/{world.ids['b']}/reminders").status_code == 200
    assert speaker.post("/api/v1/device/sync", json={}).status_code == 401
    with world.database.reader() as session:
        assert session.get(Household, home).deleted_at == world.clock.now()
        assert session.scalar(sa.select(Booking.status)) is BookingStatus.CANCELLED
        assert session.get(Activity, activity_id).booked == 0
        assert session.scalar(sa.select(Device.revoked_at)) == world.clock.now()
        assert session.scalar(sa.select(sa.func.count()).select_from(Reminder)) == 1  # records kept
    restored = _post(staff, f"/staff/households/{home}/restore")
    assert restored.status_code == 303 and "音箱需要重新配对" in staff.get(restored.headers["location"]).text
    assert world.client("fam_a").get(f"/family/h/{home}/reminders").status_code == 200


def test_staff_reset_a_family_password_and_its_sessions_end(world: World) -> None:
    staff, fam = world.client("staff1"), world.client("fam_a")
    user_id = world.ids["fam_a"]
    assert fam.get("/api/v1/me").status_code == 200
    form = staff.get(f"/staff/family/{user_id}/password")
    assert form.status_code == 200 and "重置 fam_a（fam_a）的密码" in form.text
    weak = _post(staff, f"/staff/family/{user_id}/password", password="12345678")
    assert weak.status_code == 422 and "常见" in weak.text
    assert fam.get("/api/v1/me").status_code == 200  # a refused reset changes nothing
    done = _post(staff, f"/staff/family/{user_id}/password", password="")
    assert done.status_code == 200
    shown = re.search(r'id="new-password"><strong>([a-z0-9-]+)</strong>', done.text).group(1)
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", shown)
    assert "原来登录着的 1 处都已退出" in done.text
    assert fam.get("/api/v1/me").status_code == 401
    with world.database.reader() as session:
        stored = session.get(User, user_id).password_hash
    assert verify_password(stored, shown)
    typed = _post(staff, f"/staff/family/{user_id}/password", password="a-new-long-secret")
    assert "已改成您填写的新密码" in typed.text
    with world.database.reader() as session:
        assert verify_password(session.get(User, user_id).password_hash, "a-new-long-secret")
    assert _post(world.client("staff2"), f"/staff/family/{user_id}/password").status_code == 404
    assert _post(staff, f"/staff/family/{world.ids['staff1']}/password").status_code == 404
    assert world.client("fam_ab").get(f"/staff/family/{user_id}/password").status_code == 403
    ending = staff.get(f"/staff/family/{user_id}/end-sessions")
    assert "让 fam_a（fam_a）在所有手机和电脑上退出登录？" in ending.text
    assert f'action="/staff/family/{user_id}/end-sessions"' in ending.text


def test_revoke_withdraw_and_cancel_ask_on_a_page_first(world: World) -> None:
    staff = world.client("staff1")
    world.device("a")
    device_id = world.ids["device_a"]
    devices_page = staff.get("/staff/devices").text
    assert f'href="/staff/devices/{device_id}/revoke"' in devices_page
    assert 'method="post" action="/staff/devices/' not in devices_page  # no one-click 停用
    confirm = _text(staff.get(f"/staff/devices/{device_id}/revoke").text)
    assert "停用老人a（a阿姨）家的音箱“音箱”？" in confirm and "不能呼叫求助" in confirm
    with world.database.reader() as session:
        assert session.get(Device, device_id).revoked_at is None
    assert _post(staff, f"/staff/devices/{device_id}/revoke").status_code == 303
    assert staff.get(f"/staff/devices/{device_id}/revoke", follow_redirects=False).status_code == 303
    made = _post(staff, "/staff/announcements", title="停水", body="明天停水", days="2")
    assert made.status_code == 303
    listing = staff.get("/staff/announcements").text
    notice_id = re.search(r'href="/staff/announcements/([0-9a-f-]{36})/delete"', listing).group(1)
    assert "撤回通知“停水”？" in staff.get(f"/staff/announcements/{notice_id}/delete").text
    assert "停水" in _text(staff.get("/staff/announcements").text)
    assert _post(staff, f"/staff/announcements/{notice_id}/delete").status_code == 303
    activity_id = _activity_now(world, staff, minutes_ahead=24 * 60)
    _book(world, "fam_a", "a", activity_id)
    detail = staff.get(f"/staff/activities/{activity_id}").text
    assert f'href="/staff/activities/{activity_id}/cancel"' in detail and "data-confirm" not in detail
    ask = _text(staff.get(f"/staff/activities/{activity_id}/cancel").text)
    assert "取消 03月03日 10:00 的健康讲座？" in ask and "已有 1 位老人报名" in ask
    with world.database.reader() as session:
        assert session.get(Activity, activity_id).status is ActivityStatus.SCHEDULED
    assert world.client("staff2").get(f"/staff/activities/{activity_id}/cancel").status_code == 404


def test_announcement_delivery_from_what_the_speakers_report(world: World, tmp_path: Path) -> None:
    staff = world.client("staff1")
    speaker_a, speaker_b = world.device("a"), world.device("b")
    assert (
        _post(staff, "/staff/announcements", title="体检通知", body="周五体检", days="3").status_code == 303
    )
    assert (
        _post(
            staff, "/staff/announcements", title="二号楼停电", body="停电", group_name="2号楼", days="3"
        ).status_code
        == 303
    )
    listing = _text(staff.get("/staff/announcements").text)
    assert "体检通知" in listing and "音箱：共 2 台，已收到 0 台，已播报 0 台" in listing
    assert "音箱：共 1 台，已收到 0 台，已播报 0 台" in listing  # 二号楼停电 is for b only
    # speaker a: the real device store turns the sync answer into its outbox ops
    store = Store.open(tmp_path / "speaker-a.db")
    first = speaker_a.post("/api/v1/device/sync", json={}).json()
    local = datetime(2026, 3, 2, 10, 5)
    apply_changes(store, server_changes(first, [], True, set()), local)
    ann_id = first["changes"]["announcements"][0]["id"]
    store.mark_announcement_spoken(ann_id, local + timedelta(minutes=1))
    ops = [op for op in store.outbox() if op.type.startswith("announcement.")]
    assert [(op.type, op.payload["announcement_id"]) for op in ops] == [
        ("announcement.received", ann_id),
        ("announcement.played", ann_id),
    ]
    pushed = speaker_a.post(
        "/api/v1/device/sync",
        json={
            "cursor": first["cursor"],
            "ops": [{"op_id": o.op_id, "type": o.type, "payload": o.payload} for o in ops],
        },
    ).json()
    assert [r["status"] for r in pushed["results"]] == ["applied", "applied"]
    store.close()
    # speaker b received both but has read out none yet (quiet hours)
    second = speaker_b.post("/api/v1/device/sync", json={}).json()
    b_ops = [
        {
            "op_id": str(uuid.uuid4()),
            "type": "announcement.received",
            "payload": {"announcement_id": a["id"], "at": "2026-03-02T10:06:00"},
        }
        for a in second["changes"]["announcements"]
    ]
    answer = speaker_b.post("/api/v1/device/sync", json={"cursor": second["cursor"], "ops": b_ops}).json()
    assert [r["status"] for r in answer["results"]] == ["applied", "applied"]
    # a report about an announcement not meant for this speaker is refused
    group_id = next(a["id"] for a in second["changes"]["announcements"] if a["text"].endswith("停电"))
    wrong = speaker_a.post(
        "/api/v1/device/sync",
        json={
            "ops": [
                {
                    "op_id": str(uuid.uuid4()),
                    "type": "announcement.played",
                    "payload": {"announcement_id": group_id},
                }
            ]
        },
    ).json()
    assert (wrong["results"][0]["status"], wrong["results"][0]["code"]) == ("rejected", "not_found")
    listing = _text(staff.get("/staff/announcements").text)
    assert "音箱：共 2 台，已收到 2 台，已播报 1 台" in listing
    assert "音箱：共 1 台，已收到 1 台，已播报 0 台" in listing
    detail = _text(staff.get(f"/staff/announcements/{ann_id}").text)
    assert "老人a （1号楼） · 音箱 已播报 03月02日 10:06" in detail
    assert "老人b （2号楼） · 音箱 已收到 03月02日 10:06，还没播报" in detail
    assert world.client("staff2").get(f"/staff/announcements/{ann_id}").status_code == 404


def test_api_docs_page_works_without_a_cdn(world: World) -> None:
    page = world.client().get("/api/docs")
    assert page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]
    text = _text(page.text)
    assert "接口文档" in text and "POST /api/v1/device/sync" in text and "/api/v1/openapi.json" in page.text
    assert "cdn" not in page.text.lower() and '<script src="http' not in page.text
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', page.text)
    assert all(src.startswith("/static/") for src in scripts)
    assert world.client().get("/api/v1/openapi.json").status_code == 200


def test_points_for_attendees_are_given_once_however_many_click_at_once(world: World) -> None:
    """Four staff clicks at the same moment: one entry per elder (the unique index decides on
    PostgreSQL, where the clicks really overlap; SQLite's single writer orders them)."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from community.domain import attendance

    staff = world.client("staff1")
    activity_id = _activity_now(world, staff)
    _book(world, "fam_a", "a", activity_id)
    _post(staff, f"/staff/activities/{activity_id}/attendance", household_id=world.ids["a"], status="present")
    actor, start = world.staff_actor(), Barrier(4)

    def click(_: int) -> int:
        start.wait(timeout=10)
        with world.database.write() as session:
            return len(attendance.award_present(session, actor, activity_id, 5, "", world.clock.now()).given)

    with ThreadPoolExecutor(4) as pool:
        given = list(pool.map(click, range(4)))
    assert sorted(given) == [0, 0, 0, 1]
    with world.database.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(PointsEntry)) == 1
