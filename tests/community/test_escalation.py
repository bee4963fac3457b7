"""Escalations (issue 15, point 7) with a fake clock, on SQLite and PostgreSQL: an important
reminder missed after the speaker's prompts, a daily reminder missed two days in a row, a silent
speaker — on every family page at once, on the staff dashboard when nobody in the family handled
it within the set time (at once for a household without a family login)."""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from community_world import World

from community.actors import Actor, ActorKind
from community.config import Settings
from community.domain import escalation
from community.domain.devices import create_pairing_code, pair
from community.errors import ConfigError
from community.models import CareAlert, CareAlertKind, Device, Household, Reminder
from community.security import Throttle


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _sync(device, ops=()) -> dict:  # type: ignore[no-untyped-def]
    body = {"cursor": None, "ops": [{"op_id": str(uuid.uuid4()), **op} for op in ops], "wait": 0}
    answer = device.post("/api/v1/device/sync", json=body)
    assert answer.status_code == 200, answer.text
    assert all(r["status"] == "applied" for r in answer.json()["results"]), answer.text
    return answer.json()


def _post(client, url: str, **fields: str):  # type: ignore[no-untyped-def]
    data = {"csrf_token": client.headers["X-CSRF-Token"], **fields}
    return client.post(url, data=data, follow_redirects=False)


def _reminder(world: World, content: str, time_of_day: str, important: bool, repeat: str = "daily") -> str:
    """Made on the family page (Monday 10:00: the first occurrence is Tuesday's)."""
    fields = {"content": content, "time_of_day": time_of_day, "repeat": repeat}
    if important:
        fields["important"] = "on"
    made = _post(world.client("fam_a"), f"/family/h/{world.ids['a']}/reminders/new", **fields)
    assert made.status_code == 303, made.text
    with world.database.reader() as session:
        row = session.scalars(sa.select(Reminder).where(Reminder.content == content)).one()
        assert row.important is important
        return row.id


def _seen(world: World) -> None:
    """Every speaker synced just now (a sync refreshes last_seen_at at most once a real minute)."""
    with world.database.write() as session:
        session.execute(sa.update(Device).values(last_seen_at=world.clock.now()))


def _missed(device, reminder_id: str, due: str, rang: bool = True) -> None:  # type: ignore[no-untyped-def]
    """The speaker reports an occurrence missed (after ringing it and three repeats, or unable to)."""
    payload = {"reminder_id": reminder_id, "due_at": due, "at": due}
    ops = [{"type": "reminder.fired", "payload": payload}] if rang else []
    ops.append({"type": "reminder.missed", "payload": payload})
    _sync(device, ops)


def _banner(client, household: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get(f"/family/h/{household}/bookings")
    assert page.status_code == 200
    match = re.search(r'<div id="live".*?</section>', page.text, re.S)
    return _text(match.group(0)) if match else ""


def _staff(world: World) -> str:
    live = world.client("staff1").get("/staff/live").json()
    return _text(live["html"])


def test_an_important_missed_reminder_reaches_family_at_once_and_staff_after_two_hours(world: World) -> None:
    pill = _reminder(world, "吃降压药", "09:00", important=True)
    device = world.device("a")
    world.clock.advance(hours=23, minutes=25)  # Tuesday 09:25: rung at 09:00, four times, nobody answered
    _missed(device, pill, "2026-03-03T09:00:00")
    for user, page_of in (("fam_a", "a"), ("fam_ab", "b")):  # every page, every linked elder
        banner = _banner(world.client(user), world.ids[page_of])
        assert "老人a（a阿姨）错过了重要提醒" in banner and "“吃降压药”，03月03日 09:00" in banner
        assert "音箱提醒了四次，没有人回应" in banner and "我来处理" in banner
    assert "吃降压药" not in _banner(world.client("fam_c"), world.ids["c"])
    assert "吃降压药" not in _staff(world)
    world.clock.advance(hours=1, minutes=59)
    assert "吃降压药" not in _staff(world) and world.client("staff1").get("/staff/live").json()["ids"] == []
    world.clock.advance(minutes=1)  # two hours after the miss reached the server, nobody handled it
    staff = _staff(world)
    assert "需要关注（家属 2 小时内没有处理）" in staff and "老人a（1号楼）错过了重要提醒" in staff
    assert "吃降压药" in _text(world.client("staff1").get("/staff").text)
    assert "吃降压药" not in world.client("staff2").get("/staff/live").json()["html"]
    # The family member takes it from another elder's page and comes back to it.
    fam = world.client("fam_ab")
    [key] = re.findall(r'name="key" value="([^"]+)"', fam.get(f"/family/h/{world.ids['b']}/routine").text)
    back = f"/family/h/{world.ids['b']}/routine"
    done = _post(fam, "/family/care/handle", household_id=world.ids["a"], key=key, next=back)
    assert (done.status_code, done.headers["location"]) == (303, back)
    assert "吃降压药" not in _banner(world.client("fam_a"), world.ids["a"])
    assert "吃降压药" not in _staff(world)
    again = _post(fam, "/family/care/handle", household_id=world.ids["a"], key=key, next=back)
    assert again.status_code == 303  # someone was quicker: nothing to do, no error page
    with world.database.reader() as session:
        [row] = session.scalars(sa.select(CareAlert)).all()
    assert (row.kind, row.handled_by, row.handled_at) == (
        CareAlertKind.IMPORTANT_MISSED, world.ids["fam_ab"], world.clock.now())
    other = _post(world.client("fam_c"), "/family/care/handle", household_id=world.ids["a"], key=key)
    assert other.status_code == 404


def test_handled_in_time_never_reaches_staff_and_a_late_acknowledgement_clears_it(world: World) -> None:
    pill = _reminder(world, "吃降压药", "09:00", important=True)
    plain = _reminder(world, "散步", "09:30", important=False, repeat="weekdays")
    device = world.device("a")
    world.clock.advance(hours=23, minutes=40)
    _missed(device, pill, "2026-03-03T09:00:00")
    _missed(device, plain, "2026-03-03T09:30:00")  # not important, not daily: no escalation
    fam = world.client("fam_a")
    assert "散步" not in _banner(fam, world.ids["a"])
    world.clock.advance(hours=1)
    [key] = re.findall(r'name="key" value="([^"]+)"', fam.get(f"/family/h/{world.ids['a']}/reminders").text)
    assert _post(fam, "/family/care/handle", household_id=world.ids["a"], key=key).status_code == 303
    world.clock.advance(hours=5)
    assert "吃降压药" not in _staff(world)
    # Wednesday: missed again, then the elder said 知道了 after all (the report came late).
    world.clock.advance(hours=17)
    _missed(device, pill, "2026-03-04T09:00:00")
    _seen(world)
    assert "吃降压药" in _banner(fam, world.ids["a"])
    ack = {"reminder_id": pill, "due_at": "2026-03-04T09:00:00", "at": "2026-03-04T09:50:00"}
    _sync(device, [{"type": "reminder.acknowledged", "payload": ack}])
    assert "吃降压药" not in _banner(fam, world.ids["a"])


def test_two_missed_days_in_a_row_of_a_daily_reminder(world: World) -> None:
    walk = _reminder(world, "喝水", "15:00", important=False)
    device = world.device("a")
    world.clock.advance(days=1, hours=6)  # Tuesday 16:00
    _missed(device, walk, "2026-03-03T15:00:00", rang=False)
    fam = world.client("fam_a")
    assert "喝水" not in _banner(fam, world.ids["a"])  # one day is not yet a pattern
    world.clock.advance(days=1)  # Wednesday 16:00
    _missed(device, walk, "2026-03-04T15:00:00")
    _seen(world)
    banner = _banner(fam, world.ids["a"])
    assert "老人a（a阿姨）连续两天错过提醒" in banner
    assert "“喝水”，03月03日和03月04日 15:00都没有确认" in banner
    world.clock.advance(hours=2)
    assert "连续两天错过提醒" in _staff(world)
    [key] = re.findall(r'name="key" value="([^"]+)"', fam.get(f"/family/h/{world.ids['a']}/reminders").text)
    assert key.startswith("missed_two_days:")
    assert _post(fam, "/family/care/handle", household_id=world.ids["a"], key=key).status_code == 303
    assert "喝水" not in _banner(fam, world.ids["a"]) and "喝水" not in _staff(world)
    world.clock.advance(days=1)  # Thursday: a third day in a row raises it again
    _missed(device, walk, "2026-03-05T15:00:00")
    _seen(world)
    assert "“喝水”，03月04日和03月05日 15:00都没有确认" in _banner(fam, world.ids["a"])


def test_a_silent_speaker(world: World) -> None:
    device = world.device("a")
    _sync(device)
    fam = world.client("fam_a")
    assert "音箱：在线" in _text(fam.get(f"/family/h/{world.ids['a']}/reminders").text)
    world.clock.advance(hours=24)
    assert "联系不上" not in _banner(fam, world.ids["a"])
    world.clock.advance(minutes=1)
    banner = _banner(fam, world.ids["a"])
    assert "老人a（a阿姨）音箱联系不上" in banner and "最后联系是 03月02日 10:00（1 天前）" in banner
    assert "音箱：最后联系 1 天前" in _text(fam.get(f"/family/h/{world.ids['a']}/reminders").text)
    assert "联系不上" not in _staff(world)
    world.clock.advance(hours=2)
    assert "老人a（1号楼）音箱联系不上" in _staff(world)
    _seen(world)  # the speaker is back
    assert "联系不上" not in _banner(fam, world.ids["a"]) and "联系不上" not in _staff(world)


def test_a_household_without_family_logins_goes_to_staff_at_once(world: World) -> None:
    now = world.clock.now()
    with world.database.write() as session:
        home = Household(community_id=world.ids["c1"], elder_name="孤老", address_as="张伯", created_at=now)
        session.add(home)
        session.flush()
        staff = Actor(ActorKind.STAFF, world.ids["staff1"], "staff1", frozenset({world.ids["c1"]}))
        code = create_pairing_code(session, staff, home.id, now, 10)
        pair(session, Throttle(), code.code, "音箱", "test", now)
    world.clock.advance(hours=25)
    assert "孤老（）音箱联系不上" in _staff(world)


def test_escalations_are_computed_with_the_clock_given(world: World) -> None:
    pill = _reminder(world, "吃降压药", "09:00", important=True)
    device = world.device("a")
    world.clock.advance(hours=23, minutes=25)
    _missed(device, pill, "2026-03-03T09:00:00")
    settings = replace(world.settings, escalate_after_minutes=30, care_alert_days=1)
    with world.database.reader() as session:
        homes = list(session.scalars(sa.select(Household).where(Household.id == world.ids["a"])))
        now = world.clock.now()
        [found] = escalation.escalations(session, homes, now, settings)
        assert (found.kind, found.raised_at, found.staff_from) == (
            CareAlertKind.IMPORTANT_MISSED, now, now + timedelta(minutes=30))
        assert escalation.for_staff([found], now + timedelta(minutes=29)) == []
        assert escalation.for_staff([found], now + timedelta(minutes=30)) == [found]
        # Past the window (care_alert_days) a miss no longer escalates; the history keeps it.
        later = escalation.escalations(session, homes, now + timedelta(days=2), settings)
        assert [e.kind for e in later] == [CareAlertKind.SPEAKER_SILENT]  # (no sync for two days)


def test_the_escalation_delay_is_a_server_setting(tmp_path: Path) -> None:
    assert Settings.load(env={}, data_dir=tmp_path).escalate_after_minutes == 120
    env = {"COMMUNITY_ESCALATE_AFTER_MINUTES": "45"}
    assert Settings.load(env=env, data_dir=tmp_path).escalate_after_minutes == 45
    for bad in ("abc", "0"):
        with pytest.raises(ConfigError):
            Settings.load(env={"COMMUNITY_ESCALATE_AFTER_MINUTES": bad}, data_dir=tmp_path)
